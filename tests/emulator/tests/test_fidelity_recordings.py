"""Replays the real recorded Registry traffic against the emulator.

The recordings are the go-vcr cassettes under tests/emulator/recordings/ (see its
README.md and SOURCES.md). Each cassette's registry calls are sent, in order, to an emptied
emulator, and each answer must match the recorded one:

* the same status code;
* for an error, exactly the same body;
* otherwise the same fields with the same JSON types, the same number of list
  items and `total_count`, the same ids (recorded ids mapped to the emulator's),
  the same values of status, name, description, is_public, visibility, tags,
  digest, endpoint and region, and timestamps of the same precision (9 digits on
  what a mutation set, 6 elsewhere). Id and timestamp values are not compared.

What must exist before a call (namespaces made outside the registry API, images
that were pushed with docker, other tests' leftovers in a list) is seeded with the
recorded ids, just before the first call whose recorded answer shows it. The
emulator's `deleting_polls` is set before each DELETE to the number of reads that
showed the resource `deleting` in the recording, since the real delay is a time.
Each cassette's calls are made with a key of the organization in the recording.

| recording | registry calls replayed | notes |
|---|---|---|
| terraform-provider-scaleway/.../namespace-basic | 15 of 15 | create, polls, PATCH, DELETE, 404s |
| terraform-provider-scaleway/.../data-source-namespace-basic | 35 of 35 | `name=` list filter |
| terraform-provider-scaleway/.../data-source-image-tag-basic | 37 of 37 | pushed `alpine:test` seeded; image and namespace `deleting` |
| terraform history 2025-09 data-source-image-tag-basic | 41 of 41 | namespace `deleting` for 5 polls |
| terraform history 2024-12 container-namespace-destroy-registry | 3 of 13 | the other 10 are Serverless Containers calls |
| terraform history 2020-10 create 403 | 1 of 1 | made with a key that does not own the project |
| scaleway-cli/.../registry/v1 test-image-list-simple | 24 of 24 | CLI v1 quirk: request bodies rebuilt from the recorded answer |
| scaleway-cli/.../registry/v1 test-registry-tag-delete-simple, -timeout-ok | 10 of 10 each | tag DELETE, then the last-tag image |
| scaleway-cli/.../registry/v1 test-namespace-(login,logout)-(docker,podman) | 1 of 1 each | 2020 objects without `project_id` |
| scaleway-cli/.../container/v1 test-deploy-simple | 4 of 21 | the rest: Serverless Containers, IAM, metadata, the docker socket |
| scaleway-cli/.../container/v1 test-update-container-registry-image | 6 of 37 | image name with `/`; the rest: Serverless Containers |
| scaleway-cli history 2020-06 image-list-simple | 24 of 24 | 2020 objects without `project_id` |
| scaleway-cli history 2020-06 namespace-create 400 | 1 of 1 | the name is seeded in another organization first |
| scaleway-cli/.../registry/v1 test-registry-install-docker-helper-* | 0 of 1 each | an IAM call only: nothing of the registry to replay |

Objects recorded in 2020 have no `project_id` (the API had none then): for those
recordings only, the emulator's extra `project_id` is left out of the comparison.
"""  # noqa: E501 - the table's rows are Markdown table rows, which cannot wrap

import functools
import hashlib
import json
import re
import uuid
from urllib.parse import urlsplit

import pytest
import yaml
from emulator_harness import ROOT, EmulatorProcess

RECORDINGS = ROOT / "tests" / "emulator" / "recordings"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SEMANTIC_FIELDS = ("status", "name", "description", "is_public", "visibility", "tags", "digest", "endpoint", "region")
STRANGER_ORG = "99999999-9999-4999-8999-999999999999"
# What the recording itself cannot say: who made the call, and what existed beforehand.
SETUP = {
    # Made with a key that could not create in that project.
    "2020-10_registry-namespace-create_403-not-authorized.cassette.yaml": {"organization": STRANGER_ORG},
    # The name was taken before the call; here by another organization, as names are global.
    "2020-06_namespace-create_400-already-exist.cassette.yaml": {
        "seed": {"namespaces": [{"region": "fr-par", "name": "cli-public-namespace", "organization_id": STRANGER_ORG}]}
    },
}


def _cassettes():
    return sorted(RECORDINGS.rglob("*.cassette.yaml"))


def _cassettes_with_registry_calls():
    return [path for path in _cassettes() if load_calls(path)]


class Call:
    def __init__(self, raw):
        request, response = raw["request"], raw["response"]
        self.method = request["method"]
        url = urlsplit(request["url"])
        self.path, self.query = url.path, url.query
        self.request_body = request.get("body") or ""
        self.code = response["code"]
        self.response_text = response.get("body") or ""
        self.is_registry = url.path.startswith("/registry/v1/")
        self.response = json.loads(self.response_text) if self.is_registry and self.response_text.strip() else None


@functools.lru_cache(maxsize=None)
def load_calls(path):
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [c for c in (Call(i) for i in raw["interactions"]) if c.is_registry]


def walk_objects(value):
    """Every resource object (a dict with an id) in a body, outermost first."""
    if isinstance(value, dict):
        if "id" in value:
            yield value
        for item in value.values():
            yield from walk_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_objects(item)


def kind_of(obj):
    if "endpoint" in obj:
        return "namespace"
    if "visibility" in obj:
        return "image"
    if "digest" in obj:
        return "tag"
    return None


def region_of(call):
    return call.path.split("/")[4]


def organization_of(calls):
    for call in calls:
        for text in (call.request_body, call.response_text):
            found = re.search(r'"(?:organization_id|project_id)": ?"([0-9a-f-]{36})"', text)
            if found:
                return found.group(1)
    return STRANGER_ORG


def replay_key(org):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replay:{org}"))


@pytest.fixture(scope="module")
def replay_emulator(tmp_path_factory):
    orgs = {organization_of(load_calls(p)) for p in _cassettes()} | {STRANGER_ORG}
    args = [arg for org in sorted(orgs) for arg in ("--secret-key", f"{replay_key(org)}:{org}")]
    emulator = EmulatorProcess(args, tmp_path_factory.mktemp("replay"))
    yield emulator
    emulator.stop()


class Replay:
    def __init__(self, emulator, calls, organization):
        self.emulator = emulator
        self.calls = calls
        self.organization = organization
        self.session = emulator.session(replay_key(organization))
        self.ids = {}  # recorded id -> emulator id
        self.first_seen = {}  # recorded id -> (kind, object, region) at its first appearance
        self.deleted = {c.path.rsplit("/", 1)[-1] for c in calls if c.method == "DELETE"}
        for call in calls:
            for obj in walk_objects(call.response):
                self.first_seen.setdefault(obj["id"], (kind_of(obj), obj, region_of(call)))
        self.legacy = any(
            kind == "namespace" and "project_id" not in obj for kind, obj, region in self.first_seen.values()
        )

    # ---- seeding what existed before a call ---------------------------------

    def _status(self, obj):
        # A resource that this replay deletes is seeded as it was before the DELETE.
        return "ready" if obj["status"] == "deleting" and obj["id"] in self.deleted else obj["status"]

    def ensure_namespace(self, recorded_id, region):
        if recorded_id in self.ids:
            return
        obj = self.first_seen.get(recorded_id, (None, None, None))[1]
        if obj is None:  # never shown: a stand-in that holds the images shown
            obj = {
                "id": recorded_id,
                "name": f"replay-{recorded_id[:8]}",
                "description": "",
                "is_public": False,
                "status": "ready",
                "region": region,
                "organization_id": self.organization,
            }
        seed = {
            "id": recorded_id,
            "region": obj["region"],
            "name": obj["name"],
            "description": obj["description"],
            "is_public": obj["is_public"],
            "status": self._status(obj),
            "organization_id": obj["organization_id"],
            "project_id": obj.get("project_id") or obj["organization_id"],
        }
        if "created_at" in obj:
            seed["created_at"] = obj["created_at"]
        self.emulator.seed({"namespaces": [seed]})
        self.ids[recorded_id] = recorded_id

    def ensure_image(self, recorded_id):
        if recorded_id in self.ids:
            return
        obj, region = self.first_seen[recorded_id][1:]
        self.ensure_namespace(obj["namespace_id"], region)
        known = {
            t["name"]: t
            for kind, t, where in self.first_seen.values()
            if kind == "tag" and t["image_id"] == recorded_id
        }
        tags, sized = [], False
        for name in sorted(set(obj["tags"]) | set(known)):
            tag = known.get(name, {})
            seed_tag = {"name": name, "size": 0 if sized else obj["size"]}
            sized = True
            if tag:
                seed_tag.update(id=tag["id"], digest=tag["digest"], created_at=tag["created_at"])
            tags.append(seed_tag)
        self.emulator.seed(
            {
                "images": [
                    {
                        "id": recorded_id,
                        "region": region,
                        "namespace_id": self.ids[obj["namespace_id"]],
                        "name": obj["name"],
                        "visibility": obj["visibility"],
                        "status": self._status(obj),
                        "created_at": obj["created_at"],
                        "tags": tags,
                    }
                ]
            }
        )
        self.ids[recorded_id] = recorded_id
        for tag in known.values():
            self.ids[tag["id"]] = tag["id"]

    def ensure_present(self, call):
        creates = call.method == "POST"
        for obj in walk_objects(call.response):
            if creates and obj is call.response:
                continue  # made by this very call
            kind = kind_of(obj)
            if kind == "namespace":
                self.ensure_namespace(obj["id"], region_of(call))
            elif kind == "image":
                self.ensure_image(obj["id"])
            elif kind == "tag":
                self.ensure_image(obj["image_id"])

    # ---- sending -------------------------------------------------------------

    def reads_while_deleting(self, index, recorded_id):
        """How many reads showed the resource deleted by call `index` before it was gone."""
        reads = 0
        for call in self.calls[index + 1 :]:
            targets_it = call.path.endswith("/" + recorded_id)
            if targets_it and call.code == 404:
                break
            if call.method == "GET" and (
                targets_it or any(o["id"] == recorded_id for o in walk_objects(call.response))
            ):
                reads += 1
        return reads

    def body_of(self, call):
        if call.method not in ("POST", "PATCH"):
            return None
        body = json.loads(call.request_body or "{}")
        if call.request_body == call.response_text and "id" in body:
            # CLI v1 cassettes hold the answer in place of the request: rebuild what the CLI sent.
            if call.method == "POST":
                owner = (
                    {"project_id": body["project_id"]}
                    if "project_id" in body
                    else {"organization_id": body["organization_id"]}
                )
                body = {
                    "name": body["name"],
                    "description": body["description"],
                    **owner,
                    "is_public": body["is_public"],
                }
            elif "visibility" in body:
                body = {"visibility": body["visibility"]}
            else:
                body = {"description": body["description"], "is_public": body["is_public"]}
        return json.dumps(body)

    def send(self, index):
        call = self.calls[index]
        self.ensure_present(call)
        if call.method == "DELETE" and call.code == 200:
            polls = self.reads_while_deleting(index, call.path.rsplit("/", 1)[-1])
            self.emulator.admin("PATCH", "config", json={"deleting_polls": polls})
        target = UUID_RE.sub(lambda m: self.ids.get(m.group(0), m.group(0)), call.path)
        query = UUID_RE.sub(lambda m: self.ids.get(m.group(0), m.group(0)), call.query)
        url = self.emulator.url + target + (f"?{query}" if query else "")
        response = self.session.request(
            call.method,
            url,
            data=self.body_of(call),
            headers={"Content-Type": "application/json"} if call.method in ("POST", "PATCH") else {},
        )
        if call.method == "POST" and response.status_code == 200:
            self.ids[call.response["id"]] = response.json()["id"]
        return response


# ---- comparing -----------------------------------------------------------------


def shape(value, legacy):
    if isinstance(value, dict):
        drop = {"project_id"} if legacy and kind_of(value) == "namespace" else set()
        return {key: shape(item, legacy) for key, item in value.items() if key not in drop}
    if isinstance(value, list):
        return ["list", sorted({json.dumps(shape(item, legacy), sort_keys=True) for item in value})]
    return type(value).__name__


def precision(timestamp):
    return len(timestamp.rsplit(".", 1)[1]) - 1 if "." in timestamp else 0


def digest(body, to_emulator_id):
    """The compared values of every object, by (emulator) id, and list sizes."""
    summary = {}
    for obj in walk_objects(body):
        values = {k: sorted(obj[k]) if k == "tags" else obj[k] for k in SEMANTIC_FIELDS if k in obj}
        values.update({k: precision(obj[k]) for k in ("created_at", "updated_at") if obj.get(k)})
        summary[to_emulator_id(obj["id"])] = values
    if isinstance(body, dict) and "total_count" in body:
        summary["total_count"] = body["total_count"]
    return summary


@pytest.mark.parametrize("cassette", _cassettes_with_registry_calls(), ids=lambda p: str(p.relative_to(RECORDINGS)))
def test_the_emulator_answers_like_the_recording(replay_emulator, cassette):
    calls = load_calls(cassette)
    setup = SETUP.get(cassette.name, {})
    replay_emulator.reset()
    if "seed" in setup:
        replay_emulator.seed(setup["seed"])
    replay = Replay(replay_emulator, calls, setup.get("organization") or organization_of(calls))
    for index, call in enumerate(calls):
        response = replay.send(index)
        where = f"call {index}: {call.method} {call.path}?{call.query}"
        assert response.status_code == call.code, f"{where}: {response.text}"
        if call.code >= 400:
            assert response.json() == call.response, where
            continue
        answer = response.json()
        assert shape(answer, replay.legacy) == shape(call.response, replay.legacy), where
        assert digest(answer, lambda i: i) == digest(call.response, lambda i: replay.ids.get(i, i)), where


def test_every_cassette_with_registry_calls_is_replayed():
    with_calls = _cassettes_with_registry_calls()
    assert len(with_calls) == len(_cassettes()) - 2  # all but the two IAM-only ones
    assert len(with_calls) >= 16
    assert sum(len(load_calls(p)) for p in with_calls) >= 200


def test_the_recordings_are_the_upstream_bytes():
    listed = {}
    for line in (RECORDINGS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        checksum, name = line.split(maxsplit=1)
        listed[name] = checksum
    on_disk = {str(p.relative_to(RECORDINGS)) for p in RECORDINGS.rglob("*.cassette.yaml")} | {"SOURCES.md"}
    assert set(listed) == on_disk
    for name, checksum in listed.items():
        assert hashlib.sha256((RECORDINGS / name).read_bytes()).hexdigest() == checksum, name
