"""The emulator with real registries behind it (--registry): token auth, pushes, deletes, visibility, processes.

Images are built offline by tests/utils/oci.py and pushed with skopeo; pullability is
checked with `skopeo inspect` (and podman once). Registry events arrive asynchronously,
so the tests poll the API for a few seconds where a push or a registry-side delete
must show.
"""

import base64
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests
from emulator_harness import EXTRA_PROJECT, KEY, ORG, OTHER_KEY, OTHER_ORG, ROOT, EmulatorProcess


def _load_oci():
    """tests/utils/oci.py, which builds small OCI images offline and pushes them with skopeo."""
    spec = importlib.util.spec_from_file_location("oci", ROOT / "tests" / "utils" / "oci.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


oci = _load_oci()

MISSING = [tool for tool in ("docker-registry", "skopeo") if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"--registry needs {' and '.join(MISSING)} on PATH (Debian packages docker-registry and skopeo)",
)

REGISTRY_ARGS = (
    "--registry",
    "--secret-key",
    f"{KEY}:{ORG}:{EXTRA_PROJECT}",
    "--secret-key",
    f"{OTHER_KEY}:{OTHER_ORG}",
    "--deleting-polls",
    "0",
)
OWNER = f"anyuser:{KEY}"  # any user name: the password is what counts
OTHER = f"someone:{OTHER_KEY}"
SERVICE = "rg.fr-par.scw.cloud"


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    """One emulator with registries for the module; each test uses namespaces of its own."""
    emulator = EmulatorProcess(REGISTRY_ARGS, tmp_path_factory.mktemp("registry-emulator"))
    yield emulator
    emulator.stop()


class Images:
    """Small OCI images in one layout directory, and their sizes as the API counts them."""

    def __init__(self, directory):
        self.directory = str(directory)

    def build(self, tag, content):
        return oci.build(self.directory, tag, content)

    def push(self, tag, destination, creds=OWNER):
        return oci.push(self.directory, tag, destination, creds)

    def size(self, digest):
        """The manifest's length plus the sizes of what it references (config and layers)."""
        manifest = Path(self.directory, "blobs", "sha256", digest.split(":", 1)[1]).read_bytes()
        parsed = json.loads(manifest)
        return len(manifest) + parsed["config"]["size"] + sum(layer["size"] for layer in parsed["layers"])


@pytest.fixture
def images(tmp_path):
    return Images(tmp_path / "oci")


@pytest.fixture
def podman_runroot():
    """podman refuses a runroot longer than 50 characters, which pytest's tmp_path can be."""
    directory = tempfile.mkdtemp(prefix="podman-run-")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


# ---- helpers ----------------------------------------------------------------------


def host_of(emulator, region="fr-par"):
    return emulator.registries[region][len("http://") :]


def call(emulator, method, path, key=KEY, region="fr-par", **kwargs):
    return requests.request(method, emulator.api_url(path, region), headers={"X-Auth-Token": key}, timeout=30, **kwargs)


def create_namespace(emulator, name, region="fr-par", is_public=False):
    response = call(
        emulator,
        "POST",
        "namespaces",
        region=region,
        json={"name": name, "description": "", "project_id": ORG, "is_public": is_public},
    )
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(probe, timeout=5.0):
    """Polls probe() until it returns something true (pushes and registry deletes arrive as events)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def images_of(emulator, namespace):
    return call(emulator, "GET", "images", params={"namespace_id": namespace["id"], "order_by": "name_asc"}).json()


def tags_of(emulator, image_id):
    listed = call(emulator, "GET", f"images/{image_id}/tags", params={"order_by": "name_asc"}).json()["tags"]
    return {tag["name"]: tag for tag in listed}


def image_with_tags(emulator, namespace, name, count):
    """The image once it shows `count` tags (or None after a few seconds)."""

    def probe():
        found = [i for i in images_of(emulator, namespace)["images"] if i["name"] == name]
        return found[0] if found and len(found[0]["tags"]) == count else None

    return wait_for(probe)


def inspect(reference, creds=None):
    command = ["skopeo", "inspect", "--tls-verify=false"] + (["--creds", creds] if creds else ["--no-creds"])
    return subprocess.run([*command, f"docker://{reference}"], capture_output=True, text=True, timeout=60, check=False)


def pullable(reference, creds=None):
    return inspect(reference, creds).returncode == 0


def token(emulator, params, auth=None):
    response = requests.get(f"{emulator.url}/_registry/token", params=params, auth=auth, timeout=10)
    return response


def jwt_part(jwt, index):
    part = jwt.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def access_of(emulator, scopes, auth=None):
    response = token(emulator, [("service", SERVICE)] + [("scope", s) for s in scopes], auth)
    assert response.status_code == 200, response.text
    return jwt_part(response.json()["token"], 1)["access"]


def refuses_connections(port):
    with socket.socket() as probe:
        try:
            probe.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
    return False


def children_of(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def is_gone(pid):
    try:
        state = Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie left to a parent that does not reap is no process either


def registry_children(emulator):
    """pids of the emulator's docker-registry children, and the directory holding their storage."""
    pids = children_of(emulator.proc.pid)
    assert sorted(Path("/proc", str(pid), "comm").read_text().strip() for pid in pids) == ["docker-registry"] * 3
    configs = {Path("/proc", str(pid), "cmdline").read_bytes().split(b"\0")[2].decode() for pid in pids}
    return pids, {Path(config).parent.parent for config in configs}


# ---- the registry lines, endpoints, tokens ------------------------------------------------


def test_registry_lines_come_before_the_ready_line_and_the_registries_answer_once_it_is_printed(reg):
    assert [line.split()[:2] for line in reg.stdout_lines[:-1]] == [
        ["registry", "fr-par"],
        ["registry", "nl-ams"],
        ["registry", "pl-waw"],
    ]
    ports = set()
    for line, (region, url) in zip(reg.stdout_lines, reg.registries.items()):
        assert line == f"registry {region} {url}\n"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        ports.add(int(url.rsplit(":", 1)[1]))
        response = requests.get(f"{url}/v2/", timeout=10)
        assert response.status_code == 401
        assert (
            response.headers["Www-Authenticate"]
            == f'Bearer realm="{reg.url}/_registry/token",service="rg.{region}.scw.cloud"'
        )
    assert len(ports | {reg.port}) == 4


def test_a_namespace_endpoint_is_the_registry_of_its_region(reg):
    created = create_namespace(reg, "endpoint-check", region="nl-ams")
    expected = f"{host_of(reg, 'nl-ams')}/endpoint-check"
    assert created["endpoint"] == expected
    assert call(reg, "GET", f"namespaces/{created['id']}", region="nl-ams").json()["endpoint"] == expected
    listed = call(reg, "GET", "namespaces", region="nl-ams", params={"name": "endpoint-check"}).json()
    assert [n["endpoint"] for n in listed["namespaces"]] == [expected]


def test_the_token_endpoint_grants_per_scope_as_scaleway_does(reg):
    create_namespace(reg, "tokens")
    create_namespace(reg, "tokens-public", is_public=True)
    reg.seed(
        {
            "namespaces": [
                {"name": "tokens-going", "organization_id": ORG, "status": "deleting"},
                {"name": "tokens-locked", "organization_id": ORG, "status": "locked"},
            ]
        }
    )
    owner, other = ("anyone", KEY), ("anyone", OTHER_KEY)
    response = token(reg, {"service": SERVICE, "scope": "repository:tokens/app:pull,push"}, owner)
    body = response.json()
    assert list(body) == ["token", "access_token", "expires_in", "issued_at"]
    assert body["token"] == body["access_token"] and body["expires_in"] == 300
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["issued_at"])
    header, claims = jwt_part(body["token"], 0), jwt_part(body["token"], 1)
    assert header["alg"] == "RS256" and re.fullmatch(r"([A-Z2-7]{4}:){11}[A-Z2-7]{4}", header["kid"])
    assert (claims["aud"], claims["sub"], claims["exp"] - claims["iat"]) == (SERVICE, ORG, 300)
    assert claims["access"] == [{"type": "repository", "name": "tokens/app", "actions": ["pull", "push"]}]

    # Repeated, duplicated, space-separated or absent scopes; names with '/'; '*'.
    assert access_of(reg, ["repository:tokens/app:pull", "repository:tokens/app:pull"], owner) == [
        {"type": "repository", "name": "tokens/app", "actions": ["pull"]}
    ]
    assert access_of(reg, ["repository:tokens/team/app:push repository:tokens/x:delete"], owner) == [
        {"type": "repository", "name": "tokens/team/app", "actions": ["push"]},
        {"type": "repository", "name": "tokens/x", "actions": ["delete"]},
    ]
    assert access_of(reg, ["repository:tokens/app:*"], owner) == [
        {"type": "repository", "name": "tokens/app", "actions": ["*"]}
    ]
    assert access_of(reg, [], owner) == []
    assert access_of(reg, ["registry:catalog:*"], owner) == [{"type": "registry", "name": "catalog", "actions": []}]
    # Nothing where there is no namespace, or where it is being deleted; a locked one can only be read.
    assert access_of(reg, ["repository:no-such-namespace/app:pull,push"], owner)[0]["actions"] == []
    assert access_of(reg, ["repository:tokens-going/app:pull,push"], owner)[0]["actions"] == []
    assert access_of(reg, ["repository:tokens-locked/app:*"], owner)[0]["actions"] == ["pull"]
    # Another organization and anonymous users: nothing on a private namespace.
    assert access_of(reg, ["repository:tokens/app:pull,push,delete"], other)[0]["actions"] == []
    assert access_of(reg, ["repository:tokens/app:pull"])[0]["actions"] == []
    # A public namespace: pull for anyone, even of an image not pushed yet (it counts as inherit); never push.
    assert access_of(reg, ["repository:tokens-public/never-pushed:pull,push"])[0]["actions"] == ["pull"]
    assert access_of(reg, ["repository:tokens-public/never-pushed:*"], other)[0]["actions"] == ["pull"]

    wrong = token(reg, {"service": SERVICE, "scope": "repository:tokens/app:pull"}, ("anyone", str(uuid.uuid4())))
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or secret key"}]},
    )
    assert token(reg, {"service": "rg.xx-xxx.scw.cloud"}).status_code == 400
    assert not [e for e in reg.request_log() if e["path"].startswith("/_registry")]


# ---- pushes --------------------------------------------------------------------------------


def test_pushed_tags_become_an_image_with_their_digests_and_sizes_and_the_namespace_follows(reg, images):
    namespace = create_namespace(reg, "pushes")
    digest_a, digest_b = images.build("a", "content A"), images.build("b", "content B")
    host = host_of(reg)
    for tag, source in (("v1", "a"), ("latest", "a"), ("v2", "b")):
        result = images.push(source, f"{host}/pushes/app:{tag}")
        assert result.returncode == 0, result.stderr

    image = image_with_tags(reg, namespace, "app", 3)
    assert image is not None, images_of(reg, namespace)
    assert (image["status"], image["visibility"], image["tags"]) == ("ready", "inherit", ["latest", "v1", "v2"])
    assert image["size"] == images.size(digest_a) + images.size(digest_b)
    tags = tags_of(reg, image["id"])
    assert {name: tag["digest"] for name, tag in tags.items()} == {"latest": digest_a, "v1": digest_a, "v2": digest_b}
    assert all(tag["status"] == "ready" for tag in tags.values())
    shown = call(reg, "GET", f"namespaces/{namespace['id']}").json()
    assert (shown["image_count"], shown["size"]) == (1, image["size"])

    # An image name with '/', and a layer shared with another image counts in both.
    assert images.push("b", f"{host}/pushes/team/tool:1.0").returncode == 0
    assert image_with_tags(reg, namespace, "team/tool", 1) is not None
    shown = call(reg, "GET", f"namespaces/{namespace['id']}").json()
    assert (shown["image_count"], shown["size"]) == (2, image["size"] + images.size(digest_b))

    # A tag pushed again with another digest moves: same tag, new digest, later updated_at.
    digest_c = images.build("c", "content C")
    assert images.push("c", f"{host}/pushes/app:v2").returncode == 0
    moved = wait_for(lambda: tags_of(reg, image["id"])["v2"]["digest"] == digest_c)
    assert moved, tags_of(reg, image["id"])
    v2 = tags_of(reg, image["id"])["v2"]
    assert v2["id"] == tags["v2"]["id"] and v2["created_at"] == tags["v2"]["created_at"]
    assert v2["updated_at"] > tags["v2"]["updated_at"]
    assert call(reg, "GET", f"images/{image['id']}").json()["size"] == images.size(digest_a) + images.size(digest_c)


def test_refused_pushes_create_nothing(reg, images):
    images.build("x", "refused")
    host = host_of(reg)
    missing = images.push("x", f"{host}/no-such-namespace/app:v1")
    assert missing.returncode != 0 and "denied" in missing.stderr
    namespace = create_namespace(reg, "refusals")
    foreign = images.push("x", f"{host}/refusals/app:v1", OTHER)
    assert foreign.returncode != 0 and "denied" in foreign.stderr
    anonymous = images.push("x", f"{host}/refusals/app:v1", None)
    assert anonymous.returncode != 0
    wrong = images.push("x", f"{host}/refusals/app:v1", f"anyuser:{uuid.uuid4()}")
    assert wrong.returncode != 0 and "invalid username or secret key" in wrong.stderr
    # Events arrive in order: once a later push shows, any event of the refused ones would have too.
    assert images.push("x", f"{host}/refusals/marker:v1").returncode == 0
    assert image_with_tags(reg, namespace, "marker", 1) is not None
    assert [i["name"] for i in images_of(reg, namespace)["images"]] == ["marker"]
    for key in (KEY, OTHER_KEY):
        listed = call(reg, "GET", "namespaces", key=key, params={"name": "no-such-namespace"}).json()
        assert listed["total_count"] == 0


def test_registry_events_are_applied_once_per_id(reg):
    namespace = create_namespace(reg, "dedupe")
    event = {
        "id": str(uuid.uuid4()),
        "timestamp": "2026-11-27T12:12:48.885473598Z",
        "action": "push",
        "target": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 400,
            "length": 400,
            "digest": "sha256:" + "1" * 64,
            "repository": "dedupe/app",
            "tag": "v1",
            "references": [{"size": 100}, {"size": 20}],
        },
    }
    again = {**event, "target": {**event["target"], "digest": "sha256:" + "2" * 64}}
    for sent in (event, again):
        response = requests.post(
            f"{reg.url}/_registry/events/fr-par",
            data=json.dumps({"events": [sent]}),
            headers={"Content-Type": "application/vnd.docker.distribution.events.v1+json"},
        )
        assert response.status_code == 200
    (image,) = images_of(reg, namespace)["images"]
    tag = tags_of(reg, image["id"])["v1"]
    assert (tag["digest"], tag["created_at"], image["size"]) == (
        "sha256:" + "1" * 64,
        "2026-11-27T12:12:48.885474Z",
        520,
    )


# ---- deletes -------------------------------------------------------------------------------


def test_a_forced_tag_delete_takes_every_tag_of_its_digest_from_the_api_and_the_registry(reg, images):
    namespace = create_namespace(reg, "tag-deletes")
    images.build("a", "shared digest")
    images.build("b", "other digest")
    host = host_of(reg)
    for tag, source in (("v1", "a"), ("latest", "a"), ("v2", "b")):
        assert images.push(source, f"{host}/tag-deletes/app:{tag}").returncode == 0
    image = image_with_tags(reg, namespace, "app", 3)
    assert image is not None
    v1 = tags_of(reg, image["id"])["v1"]
    assert call(reg, "DELETE", f"tags/{v1['id']}").status_code == 412  # shared digest, no force
    assert pullable(f"{host}/tag-deletes/app:v1", OWNER)

    response = call(reg, "DELETE", f"tags/{v1['id']}", params={"force": "true"})
    assert response.status_code == 200, response.text
    assert list(tags_of(reg, image["id"])) == ["v2"]
    for tag in ("v1", "latest"):
        result = inspect(f"{host}/tag-deletes/app:{tag}", OWNER)
        assert result.returncode != 0 and "manifest unknown" in result.stderr
    assert pullable(f"{host}/tag-deletes/app:v2", OWNER)


def test_image_and_namespace_deletes_make_their_images_unpullable(reg, images):
    namespace = create_namespace(reg, "whole-deletes")
    images.build("a", "app image")
    images.build("b", "tool image")
    host = host_of(reg)
    assert images.push("a", f"{host}/whole-deletes/app:v1").returncode == 0
    assert images.push("b", f"{host}/whole-deletes/tool:v1").returncode == 0
    app = image_with_tags(reg, namespace, "app", 1)
    assert app is not None and image_with_tags(reg, namespace, "tool", 1) is not None

    assert call(reg, "DELETE", f"images/{app['id']}").status_code == 200
    result = inspect(f"{host}/whole-deletes/app:v1", OWNER)
    assert result.returncode != 0 and "manifest unknown" in result.stderr
    assert pullable(f"{host}/whole-deletes/tool:v1", OWNER)

    assert call(reg, "DELETE", f"namespaces/{namespace['id']}").status_code == 200
    assert not pullable(f"{host}/whole-deletes/tool:v1", OWNER)
    # Not only refused: gone from the registry, even for a namespace made again with that name.
    create_namespace(reg, "whole-deletes")
    result = inspect(f"{host}/whole-deletes/tool:v1", OWNER)
    assert result.returncode != 0 and "manifest unknown" in result.stderr


def test_seeded_tags_without_manifests_delete_like_any_other(reg):
    namespace = create_namespace(reg, "seeded-deletes")
    created = reg.seed(
        {"images": [{"namespace": "seeded-deletes", "name": "app", "tags": [{"name": "v1"}, {"name": "v2"}]}]}
    )
    assert call(reg, "DELETE", f"tags/{created['tags'][0]}").status_code == 200
    assert call(reg, "DELETE", f"images/{created['images'][0]}").status_code == 200
    assert call(reg, "DELETE", f"namespaces/{namespace['id']}").status_code == 200
    assert "seeded-deletes" not in reg.stderr()


def test_a_manifest_deleted_in_the_registry_leaves_the_api(reg, images):
    namespace = create_namespace(reg, "registry-side")
    images.build("a", "deleted in the registry")
    images.build("b", "kept")
    host = host_of(reg)
    for tag, source in (("v1", "a"), ("latest", "a"), ("v2", "b")):
        assert images.push(source, f"{host}/registry-side/app:{tag}").returncode == 0
    image = image_with_tags(reg, namespace, "app", 3)
    assert image is not None
    deleted = subprocess.run(
        ["skopeo", "delete", "--tls-verify=false", "--creds", OWNER, f"docker://{host}/registry-side/app:latest"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert deleted.returncode == 0, deleted.stderr
    assert wait_for(lambda: list(tags_of(reg, image["id"])) == ["v2"]), tags_of(reg, image["id"])


# ---- visibility ----------------------------------------------------------------------------


def test_who_may_pull_follows_the_image_visibility_and_the_namespace(reg, images):
    namespace = create_namespace(reg, "visibility")
    images.build("a", "visibility")
    host = host_of(reg)
    assert images.push("a", f"{host}/visibility/app:v1").returncode == 0
    image = image_with_tags(reg, namespace, "app", 1)
    assert image is not None and image["visibility"] == "inherit"
    reference = f"{host}/visibility/app:v1"

    def pullers():
        return [pullable(reference, creds) for creds in (None, OTHER, OWNER)]

    assert pullers() == [False, False, True]  # inherit from a private namespace
    call(reg, "PATCH", f"images/{image['id']}", json={"visibility": "public"})
    assert pullers() == [True, True, True]
    call(reg, "PATCH", f"images/{image['id']}", json={"visibility": "private"})
    assert pullers() == [False, False, True]
    call(reg, "PATCH", f"namespaces/{namespace['id']}", json={"is_public": True})
    assert pullers() == [False, False, True]  # private wins over a public namespace
    call(reg, "PATCH", f"images/{image['id']}", json={"visibility": "inherit"})
    assert pullers() == [True, True, True]
    call(reg, "PATCH", f"namespaces/{namespace['id']}", json={"is_public": False})
    assert pullers() == [False, False, True]


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def application_secret(emulator, name, permission_set, project_id, expires_at=None):
    """The secret key of a new application whose policy gives it `permission_set` on one project."""

    def iam(method, path, body):
        response = requests.request(
            method, f"{emulator.url}/iam/v1alpha1/{path}", headers={"X-Auth-Token": KEY}, json=body, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    application = iam("POST", "applications", {"name": name, "organization_id": ORG, "description": ""})
    rule = {"permission_set_names": [permission_set], "project_ids": [project_id]}
    iam(
        "POST", "policies", {"name": name, "organization_id": ORG, "rules": [rule], "application_id": application["id"]}
    )
    body = {"application_id": application["id"], "description": name}
    if expires_at:
        body["expires_at"] = expires_at
    return iam("POST", "api-keys", body)["secret_key"]


def test_an_application_key_pulls_or_pushes_as_its_policy_allows(reg, images):
    namespace = create_namespace(reg, "iam-rights")
    host = host_of(reg)
    images.build("v1", "iam one")
    assert images.push("v1", f"{host}/iam-rights/app:v1").returncode == 0
    assert image_with_tags(reg, namespace, "app", 1) is not None
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    reader = application_secret(reg, "iam-reader", "ContainerRegistryReadOnly", ORG, expires_at=soon)
    writer = application_secret(reg, "iam-writer", "ContainerRegistryFullAccess", ORG)
    elsewhere = application_secret(reg, "iam-elsewhere", "ContainerRegistryFullAccess", EXTRA_PROJECT)
    reference = f"{host}/iam-rights/app:v1"

    scope = ["repository:iam-rights/app:pull,push,delete"]
    assert access_of(reg, scope, ("host", reader))[0]["actions"] == ["pull"]
    assert access_of(reg, scope, ("host", writer))[0]["actions"] == ["delete", "pull", "push"]
    assert access_of(reg, scope, ("host", elsewhere))[0]["actions"] == []
    assert pullable(reference, f"host:{reader}") and not pullable(reference, f"host:{elsewhere}")

    images.build("v2", "iam two")
    refused = images.push("v2", f"{host}/iam-rights/app:v2", f"host:{reader}")
    assert refused.returncode != 0 and "denied" in refused.stderr
    assert images.push("v2", f"{host}/iam-rights/app:v2", f"host:{writer}").returncode == 0
    assert image_with_tags(reg, namespace, "app", 2) is not None

    # Past its expiry, the reader's key is refused as an unknown one.
    reg.admin("PATCH", "config", json={"clock_offset": 7200})
    try:
        expired = token(reg, {"service": SERVICE, "scope": scope[0]}, ("host", reader))
        assert (expired.status_code, expired.json()) == (
            401,
            {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or secret key"}]},
        )
        assert not pullable(reference, f"host:{reader}") and pullable(reference, f"host:{writer}")
    finally:
        reg.admin("PATCH", "config", json={"clock_offset": 0})


def test_podman_pulls_anonymously_what_is_public_and_with_creds_what_is_private(reg, images, tmp_path, podman_runroot):
    namespace = create_namespace(reg, "podman-pulls")
    digest_private = images.build("private", "podman private")
    images.build("public", "podman public")
    host = host_of(reg)
    assert images.push("private", f"{host}/podman-pulls/private:v1").returncode == 0
    assert images.push("public", f"{host}/podman-pulls/public:v1").returncode == 0
    public = image_with_tags(reg, namespace, "public", 1)
    assert public is not None and image_with_tags(reg, namespace, "private", 1) is not None
    call(reg, "PATCH", f"images/{public['id']}", json={"visibility": "public"})

    # Storage of its own (vfs works as root here), and no credentials saved by anyone else.
    auth_file = tmp_path / "auth.json"
    auth_file.write_text('{"auths": {}}')
    environment = dict(os.environ, REGISTRY_AUTH_FILE=str(auth_file))
    podman = [
        "podman",
        "--root",
        str(tmp_path / "root"),
        "--runroot",
        podman_runroot,
        "--storage-driver",
        "vfs",
        "--events-backend",
        "none",
    ]

    def pull(reference, *options):
        return subprocess.run(
            [*podman, "pull", "--quiet", "--tls-verify=false", *options, reference],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )

    assert pull(f"{host}/podman-pulls/public:v1").returncode == 0
    refused = pull(f"{host}/podman-pulls/private:v1")
    assert refused.returncode != 0 and "denied" in refused.stderr
    assert pull(f"{host}/podman-pulls/private:v1", "--creds", OWNER).returncode == 0
    shown = subprocess.run(
        [*podman, "image", "inspect", "--format", "{{.Digest}}", f"{host}/podman-pulls/private:v1"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert shown.stdout.strip() == digest_private


# ---- processes, storage ----------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_emulator_and_its_registries_leaving_no_process_port_or_storage(start_emulator, signum):
    emulator = start_emulator(*REGISTRY_ARGS)
    ports = [emulator.port] + [int(url.rsplit(":", 1)[1]) for url in emulator.registries.values()]
    for url in emulator.registries.values():  # ready means that they answer: no retry
        assert requests.get(f"{url}/v2/", timeout=10).status_code == 401
    pids, storage = registry_children(emulator)
    assert all(directory.is_dir() for directory in storage)
    assert emulator.stop(signum) == 0
    assert [pid for pid in pids if not is_gone(pid)] == []
    assert [port for port in ports if not refuses_connections(port)] == []
    assert [directory for directory in storage if directory.exists()] == []
    assert emulator.rest_of_stdout() == ""
    assert "Traceback" not in emulator.stderr()


def test_a_killed_emulator_takes_its_registries_down(start_emulator):
    emulator = start_emulator(*REGISTRY_ARGS)
    ports = [int(url.rsplit(":", 1)[1]) for url in emulator.registries.values()]
    pids, storage = registry_children(emulator)
    emulator.proc.kill()
    emulator.proc.wait()
    try:
        assert wait_for(lambda: all(is_gone(pid) for pid in pids), timeout=10), pids
        assert wait_for(lambda: all(refuses_connections(port) for port in [*ports, emulator.port]), timeout=10)
    finally:
        for pid in pids:  # if the test failed: the registries are this test's to stop
            if not is_gone(pid):
                os.kill(pid, signal.SIGKILL)
        for directory in storage:  # a killed emulator cannot remove its temporary storage
            shutil.rmtree(directory, ignore_errors=True)


def test_with_db_the_registry_storage_survives_a_restart_beside_the_database(start_emulator, images, tmp_path):
    database = tmp_path / "state.sqlite"
    first = start_emulator(*REGISTRY_ARGS, "--db", str(database))
    namespace = create_namespace(first, "kept-pushes")
    digest = images.build("a", "kept across restarts")
    assert images.push("a", f"{host_of(first)}/kept-pushes/app:v1").returncode == 0
    assert image_with_tags(first, namespace, "app", 1) is not None
    assert first.stop() == 0
    assert (tmp_path / "state.sqlite.registry" / "fr-par" / "registry.log").is_file()

    second = start_emulator(*REGISTRY_ARGS, "--db", str(database))
    shown = call(second, "GET", f"namespaces/{namespace['id']}").json()
    assert shown["endpoint"] == f"{host_of(second)}/kept-pushes" and shown["image_count"] == 1
    result = inspect(f"{host_of(second)}/kept-pushes/app:v1", OWNER)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Digest"] == digest


def test_an_admin_reset_also_empties_the_registries(reg, images):
    namespace = create_namespace(reg, "reset-me")
    images.build("a", "forgotten")
    host = host_of(reg)
    assert images.push("a", f"{host}/reset-me/app:v1").returncode == 0
    assert image_with_tags(reg, namespace, "app", 1) is not None
    reg.admin("POST", "reset")
    create_namespace(reg, "reset-me")
    result = inspect(f"{host}/reset-me/app:v1", OWNER)
    assert result.returncode != 0 and "manifest unknown" in result.stderr
