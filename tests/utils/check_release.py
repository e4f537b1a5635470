"""Check a built collection tarball and its offline install: nothing needed left out, nothing private let in.

    python tests/utils/check_release.py SOURCE_TREE TARBALL INSTALLED_COLLECTIONS_PATH

SOURCE_TREE is the tree the tarball was built from. Every file of plugins/, meta/, examples/, docs/ (the
guides), changelogs/, the emulator with the helpers the guides use (tests/utils/with_emulator.py, oci.py) and the
top-level documents must be in the tarball and in the install; no virtual
environment, test output, cache, compiled file, emulator configuration (which holds a key) or tarball may be.
"""

import fnmatch
import os
import subprocess
import sys
import tarfile

# tests/utils/oci.py: docs/fleet.md builds the test image that it pushes to the emulator's registry with it.
SHIPPED = (
    "plugins/",
    "meta/",
    "examples/",
    "changelogs/",
    "tests/emulator/",
    "tests/utils/with_emulator.py",
    "tests/utils/oci.py",
)
TOP_LEVEL = ("README.md", "CHANGELOG.rst", "COPYING", "requirements.txt", "MANIFEST.json", "FILES.json")
PRIVATE = (
    ".venv/*",
    ".tmp/*",
    "tests/output/*",
    "*/__pycache__/*",
    "*.pyc",
    "*/.pytest_cache/*",
    ".git/*",
    "*.tar.gz",
    "tests/integration/integration_config.yml",
    "docs/build/*",
    ".ansible/*",
    "*.sqlite",
)


def tracked(tree):
    listed = subprocess.run(
        ["git", "-C", tree, "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return {path for path in listed if path and os.path.isfile(os.path.join(tree, path))}


def main(tree, tarball, collections):
    with tarfile.open(tarball) as archive:
        packed = {member.name for member in archive.getmembers() if member.isfile()}
    installed_root = os.path.join(collections, "ansible_collections", "scaleway", "registry")
    installed = {
        os.path.relpath(os.path.join(directory, name), installed_root)
        for directory, _dirs, names in os.walk(installed_root)
        for name in names
    }
    needed = {path for path in tracked(tree) if path.startswith(SHIPPED)} | set(TOP_LEVEL)
    needed |= {path for path in tracked(tree) if path.startswith("docs/") and path.endswith(".md")}
    problems = []
    for where, files in (("the tarball", packed), ("the install", installed)):
        problems += [f"{where} lacks {path}" for path in sorted(needed - files)]
        problems += [
            f"{where} holds {path}, which is private"
            for path in sorted(files)
            if any(fnmatch.fnmatch(path, pattern) for pattern in PRIVATE)
        ]
    for problem in problems:
        print(problem)
    verdict = f"problems: {len(problems)}" if problems else "ok"
    print(f"{os.path.basename(tarball)}: {len(packed)} files, {len(needed)} of them checked as needed, {verdict}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    sys.exit(main(*sys.argv[1:]))
