"""Build small, distinct OCI images offline, and push them with skopeo.

    python tests/utils/oci.py build DIR TAG CONTENT     # prints the manifest digest
    python tests/utils/oci.py push DIR TAG DESTINATION [--authfile FILE | --creds USER:SECRET]

An image is one layer holding one file with CONTENT, so different contents give different
digests and the same content gives the same digest. Builds are reproducible (no timestamps).
Several tags can live in one layout directory.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _write_blob(directory, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(directory, "blobs", "sha256")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, digest), "wb") as handle:
        handle.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def _layer(content):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("content.txt")
        info.size = len(content)
        info.mode = 0o644
        archive.addfile(info, io.BytesIO(content))
    tar = raw.getvalue()
    compressed = io.BytesIO()
    with gzip.GzipFile(fileobj=compressed, mode="wb", mtime=0) as zipped:
        zipped.write(tar)
    return tar, compressed.getvalue()


def build(directory, tag, content):
    """Add the image `tag` with a layer holding `content` to the OCI layout; return its digest."""
    content = content.encode() if isinstance(content, str) else content
    tar, layer = _layer(content)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
        },
        sort_keys=True,
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": dict(_write_blob(directory, config), mediaType="application/vnd.oci.image.config.v1+json"),
            "layers": [dict(_write_blob(directory, layer), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")],
        },
        sort_keys=True,
    ).encode()
    descriptor = dict(
        _write_blob(directory, manifest), mediaType=MANIFEST, annotations={"org.opencontainers.image.ref.name": tag}
    )
    index_path = os.path.join(directory, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as handle:
            index = json.load(handle)
    index["manifests"] = [
        entry
        for entry in index["manifests"]
        if entry.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag
    ]
    index["manifests"].append(descriptor)
    with open(index_path, "w") as handle:
        json.dump(index, handle)
    with open(os.path.join(directory, "oci-layout"), "w") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    return descriptor["digest"]


def push(directory, tag, destination, creds=None, authfile=None):
    """skopeo copy oci:DIRECTORY:TAG docker://DESTINATION over plain HTTP; return skopeo's result.

    Prefer authfile: credentials given with creds show on skopeo's command line.
    """
    command = ["skopeo", "copy", "--quiet", "--dest-tls-verify=false"]
    if authfile:
        command += ["--dest-authfile", authfile]
    else:
        command += ["--dest-creds", creds] if creds else ["--dest-no-creds"]
    command += [f"oci:{directory}:{tag}", f"docker://{destination}"]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    built = commands.add_parser("build")
    built.add_argument("directory")
    built.add_argument("tag")
    built.add_argument("content")
    pushed = commands.add_parser("push")
    pushed.add_argument("directory")
    pushed.add_argument("tag")
    pushed.add_argument("destination")
    pushed.add_argument("--creds")
    pushed.add_argument("--authfile")
    options = parser.parse_args()
    if options.command == "build":
        print(build(options.directory, options.tag, options.content))
        return 0
    result = push(options.directory, options.tag, options.destination, options.creds, options.authfile)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
