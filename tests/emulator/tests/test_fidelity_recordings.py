"""Replays the real recorded Registry and IAM traffic against the emulator.

The recordings are the go-vcr cassettes under tests/emulator/recordings/ (see its
README.md and SOURCES.md). Each cassette's registry and IAM calls are sent, in order, to an emptied
emulator, and each answer must match the recorded one:

* the same status code;
* for an error, exactly the same body (recorded ids mapped to the emulator's); for a 204, no body;
* otherwise the same fields with the same JSON types, the same number of list
  items and `total_count`, the same ids (recorded ids and access keys mapped to the emulator's),
  in the same order for IAM lists, the same values of status, name, description, is_public, visibility, tags,
  digest, endpoint, region, and of IAM's flags, counts, permission sets, scopes, bearers,
  principals and `expires_at`, and timestamps of the same precision (9 digits on
  what a registry mutation set, 6 elsewhere). Other id and timestamp values are not compared.

What must exist before a call (namespaces made outside the registry API, images
that were pushed with docker, other tests' leftovers in a list: namespaces, images,
applications, policies, API keys) is seeded with the recorded ids, just before the first
call whose recorded answer (or, for a listing, the answer of another of its pages) shows it; a
seeded policy gets rules that make its recorded counts. The
emulator's `deleting_polls` is set before each DELETE to the number of reads that
showed the resource `deleting` in the recording, since the real delay is a time.
Each cassette's calls are made with a key of the organization in the recording; the projects
that a cassette made with the Account API are given to that organization. The recorders replaced
the organization id of IAM list queries by `11111111-1111-1111-1111-111111111111` and the access
key of API key paths by `SCWXXXXXXXXXXXXXXXXX`: the replay puts back the organization, and the access
key that the recorded answer shows (or, without one, the last one a single-key answer showed).

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
| scaleway-cli/.../container/v1 test-deploy-simple | 5 of 21 | the rest: Serverless Containers, metadata, the docker socket |
| scaleway-cli/.../container/v1 test-update-container-registry-image | 6 of 37 | image name with `/`; the rest: Serverless Containers |
| scaleway-cli history 2020-06 image-list-simple | 24 of 24 | 2020 objects without `project_id` |
| scaleway-cli history 2020-06 namespace-create 400 | 1 of 1 | the name is seeded in another organization first |
| scaleway-cli/.../registry/v1 test-registry-install-docker-helper-* | 1 of 1 each | a user's API key (IAM), seeded |
| terraform-provider-scaleway/.../iam application-basic, application-no-update | 12 of 12, 9 of 9 | 204 deletes, 404 `resource is not found` |
| terraform-provider-scaleway/.../iam api-key-with-application, -expires, -no-update | 19, 13, 15 of as many | `secret_key` once; `expires_at` |
| terraform-provider-scaleway/.../iam policy-basic, -project-id, -no-update, -change-permissions | 23 of 25, 19 of 21, 21 of 23, 30 of 32 | rules, `PUT /rules`; the 2 others are Account API calls (a project) |
| terraform-provider-scaleway/.../iam list-iam-applications-basic, -iamapi-keys-basic | 23 of 23, 19 of 19 | filters; leftovers seeded |
| terraform-provider-scaleway/.../iam list-iam-policies-basic | 29 of 31 | `policy_name_asc` over 2 pages; the 2 others are Account API calls |

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
SEMANTIC_FIELDS = (
    *("status", "name", "description", "is_public", "visibility", "tags", "digest", "endpoint", "region"),
    *("editable", "deletable", "managed", "nb_api_keys", "nb_rules", "nb_scopes", "nb_permission_sets"),
    *("permission_set_names", "permission_sets_scope_type", "condition", "no_principal", "expires_at"),
)
ID_FIELDS = ("application_id", "user_id", "group_id", "default_project_id", "project_ids")  # compared once mapped
ACCESS_KEY_RE = re.compile(r"SCW[A-Z0-9]{17}")
SCRUBBED_ORG = "11111111-1111-1111-1111-111111111111"
SCRUBBED_ACCESS_KEY = "SCWXXXXXXXXXXXXXXXXX"
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


def _cassettes_with_calls():
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
        self.is_iam = url.path.startswith("/iam/v1alpha1/")
        replayed = self.is_registry or self.is_iam
        self.response = json.loads(self.response_text) if replayed and self.response_text.strip() else None


@functools.lru_cache(maxsize=None)
def load_interactions(path):
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [Call(i) for i in raw["interactions"]]


def load_calls(path):
    return [c for c in load_interactions(path) if c.is_registry or c.is_iam]


def created_projects(path):
    """(organization, project) of each project that the cassette made with the Account API."""
    return [
        (answer["organization_id"], answer["id"])
        for answer in (
            json.loads(c.response_text)
            for c in load_interactions(path)
            if c.code == 200 and c.method == "POST" and c.path == "/account/v3/projects"
        )
    ]


def key_of(obj):
    return obj.get("id") or obj["access_key"]


def walk_objects(value):
    """Every resource object (a dict with an id, or an API key) in a body, outermost first."""
    if isinstance(value, dict):
        if "id" in value or "access_key" in value:
            yield value
        for item in value.values():
            yield from walk_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_objects(item)


def kind_of(obj):
    for field, kind in (("nb_api_keys", "application"), ("nb_rules", "policy"), ("access_key", "api_key")):
        if field in obj:
            return kind
    if "permission_sets_scope_type" in obj:
        return "rule"
    if "endpoint" in obj:
        return "namespace"
    if "visibility" in obj:
        return "image"
    if "digest" in obj:
        return "tag"
    return None


def region_of(call):
    return call.path.split("/")[4] if call.is_registry else None


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
    for org, project in sorted({pair for p in _cassettes() for pair in created_projects(p)}):
        args += ["--secret-key", f"{replay_key(project)}:{org}:{project}"]
    emulator = EmulatorProcess(args, tmp_path_factory.mktemp("replay"))
    yield emulator
    emulator.stop()


class Replay:
    def __init__(self, emulator, calls, organization):
        self.emulator = emulator
        self.calls = calls
        self.organization = organization
        self.session = emulator.session(replay_key(organization))
        self.ids = {SCRUBBED_ORG: organization}  # recorded id or access key -> emulator id or access key
        self.last_access_key = None  # the recorded access key that the last single-key answer showed
        self.first_seen = {}  # recorded id -> (kind, object, region) at its first appearance
        self.deleted = {c.path.rsplit("/", 1)[-1] for c in calls if c.method == "DELETE"}
        for call in calls:
            for obj in walk_objects(call.response):
                self.first_seen.setdefault(key_of(obj), (kind_of(obj), obj, region_of(call)))
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

    def ensure_iam(self, kind, obj):
        """Seeds an application, a policy or an API key that the recording shows before any call made it."""
        if key_of(obj) in self.ids:
            return
        record = {k: obj[k] for k in ("description", "editable", "deletable", "managed", "created_at", "updated_at")}
        record["organization_id"] = obj.get("organization_id") or self.organization
        if kind == "api_key":
            bearer = "application_id" if "application_id" in obj else "user_id"
            record.update({k: obj[k] for k in ("access_key", "default_project_id", "creation_ip", "expires_at")})
            record[bearer] = self.ids.get(obj[bearer], obj[bearer])
        else:
            record.update(id=obj["id"], name=obj["name"], tags=obj["tags"])
        if kind == "policy":
            principal = next(k for k in ("application_id", "user_id", "group_id", "no_principal") if k in obj)
            record[principal] = self.ids.get(obj[principal], obj[principal])
            record["rules"] = synthetic_rules(obj["nb_rules"], obj["nb_scopes"], obj["nb_permission_sets"])
        self.emulator.seed(
            {{"application": "applications", "policy": "policies", "api_key": "api_keys"}[kind]: [record]}
        )
        self.ids[key_of(obj)] = key_of(obj)

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
            elif kind in ("application", "policy", "api_key"):
                self.ensure_iam(kind, obj)

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

    def mapped(self, text, call=None):
        """Recorded text with the emulator's ids and access keys (a scrubbed access key: see the docstring)."""
        text = UUID_RE.sub(lambda m: self.ids.get(m.group(0), m.group(0)), text)
        return ACCESS_KEY_RE.sub(lambda m: self.ids.get(self.access_key_of(call, m.group(0)), m.group(0)), text)

    def access_key_of(self, call, access_key):
        if access_key != SCRUBBED_ACCESS_KEY:
            return access_key
        answer = call.response if call and isinstance(call.response, dict) else {}
        return answer.get("access_key") or answer.get("resource_id") or self.last_access_key

    def learn(self, recorded, answer):
        """Maps the recorded ids (and access keys) not known yet to the emulator's, position by position."""
        if isinstance(recorded, dict) and isinstance(answer, dict):
            for key in ("id", "access_key"):
                if key in recorded and key in answer:
                    self.ids.setdefault(recorded[key], answer[key])
            for name, value in recorded.items():
                self.learn(value, answer.get(name))
        elif isinstance(recorded, list) and isinstance(answer, list) and len(recorded) == len(answer):
            for item, other in zip(recorded, answer):
                self.learn(item, other)

    def body_of(self, call):
        if call.is_iam and call.request_body:
            return self.mapped(call.request_body, call)
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
        if call.method == "GET" and _is_partial(call.response):
            for later in self.calls[index + 1 :]:
                if later.method == "GET" and later.path == call.path and _unpaged(later) == _unpaged(call):
                    self.ensure_present(later)  # the other pages of the listing, counted in its total_count
        if call.method == "DELETE" and call.code == 200:
            polls = self.reads_while_deleting(index, call.path.rsplit("/", 1)[-1])
            self.emulator.admin("PATCH", "config", json={"deleting_polls": polls})
        target, query = self.mapped(call.path, call), self.mapped(call.query, call)
        url = self.emulator.url + target + (f"?{query}" if query else "")
        response = self.session.request(
            call.method,
            url,
            data=self.body_of(call),
            headers={"Content-Type": "application/json"} if call.method in ("POST", "PATCH", "PUT") else {},
        )
        if response.status_code == 200 and call.code == 200:
            self.learn(call.response, response.json())
        if isinstance(call.response, dict) and (
            "access_key" in call.response or call.response.get("resource") == "access_key"
        ):
            self.last_access_key = self.access_key_of(call, SCRUBBED_ACCESS_KEY)
        return response


# ---- comparing -----------------------------------------------------------------


def _is_partial(answer):
    """Whether a listing's answer is one page of several."""
    if not isinstance(answer, dict) or "total_count" not in answer:
        return False
    return sum(len(v) for v in answer.values() if isinstance(v, list)) < answer["total_count"]


def _unpaged(call):
    return sorted(item for item in call.query.split("&") if not item.startswith("page="))


def synthetic_rules(nb_rules, nb_scopes, nb_permission_sets):
    """Rules that a policy seen only in a list may have had: as many rules, scopes and permission sets."""
    rules = [{"permission_set_names": [], "project_ids": []} for _rule in range(max(nb_rules, 1) if nb_scopes else 0)]
    for index in range(max(nb_scopes, len(rules))):
        rules[index % len(rules)]["project_ids"].append(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"scope:{index % nb_scopes}"))
        )
    for index in range(nb_permission_sets):
        rules[index % len(rules)]["permission_set_names"].append(f"ReplayPermissionSet{index}")
    for rule in rules:
        rule["project_ids"] = sorted(set(rule["project_ids"]))
    return rules


def shape(value, legacy):
    if isinstance(value, dict):
        drop = {"project_id"} if legacy and kind_of(value) == "namespace" else set()
        return {key: shape(item, legacy) for key, item in value.items() if key not in drop}
    if isinstance(value, list):
        return ["list", sorted({json.dumps(shape(item, legacy), sort_keys=True) for item in value})]
    return type(value).__name__


def re_map(text, to_emulator_id):
    return UUID_RE.sub(lambda m: to_emulator_id(m.group(0)), text)


def precision(timestamp):
    return len(timestamp.rsplit(".", 1)[1]) - 1 if "." in timestamp else 0


def digest(body, to_emulator_id, ordered=False):
    """The compared values of every object, by (emulator) id, list sizes and, `ordered`, the order of lists.
    (Registry lists are not compared in order: what is seeded before an object the replay makes may have
    been made after it.)"""
    summary = {}
    for obj in walk_objects(body):
        values = {k: sorted(obj[k]) if k == "tags" else obj[k] for k in SEMANTIC_FIELDS if k in obj}
        values.update({k: precision(obj[k]) for k in ("created_at", "updated_at") if obj.get(k)})
        values.update({k: json.loads(re_map(json.dumps(obj[k]), to_emulator_id)) for k in ID_FIELDS if k in obj})
        summary[to_emulator_id(key_of(obj))] = values
    for name, items in body.items() if ordered and isinstance(body, dict) else ():
        if isinstance(items, list) and all(isinstance(i, dict) and ("id" in i or "access_key" in i) for i in items):
            summary[f"order of {name}"] = [to_emulator_id(key_of(i)) for i in items]
    if isinstance(body, dict) and "total_count" in body:
        summary["total_count"] = body["total_count"]
    return summary


@pytest.mark.parametrize("cassette", _cassettes_with_calls(), ids=lambda p: str(p.relative_to(RECORDINGS)))
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
        if call.code == 204:
            assert response.content == b"" and call.response_text == "", where
            continue
        if call.code >= 400:
            assert response.json() == json.loads(replay.mapped(call.response_text, call)), where
            continue
        answer = response.json()
        assert shape(answer, replay.legacy) == shape(call.response, replay.legacy), where
        recorded = digest(call.response, lambda i: replay.ids.get(i, i), call.is_iam)
        assert digest(answer, lambda i: i, call.is_iam) == recorded, where


def test_every_cassette_is_replayed():
    with_calls = _cassettes_with_calls()
    assert len(with_calls) == len(_cassettes()) >= 31
    assert sum(len([c for c in load_calls(p) if c.is_registry]) for p in with_calls) >= 200
    assert sum(len([c for c in load_calls(p) if c.is_iam]) for p in with_calls) >= 230


def test_the_recordings_are_the_upstream_bytes():
    listed = {}
    for line in (RECORDINGS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        checksum, name = line.split(maxsplit=1)
        listed[name] = checksum
    on_disk = {str(p.relative_to(RECORDINGS)) for p in RECORDINGS.rglob("*.cassette.yaml")} | {"SOURCES.md"}
    assert set(listed) == on_disk
    for name, checksum in listed.items():
        assert hashlib.sha256((RECORDINGS / name).read_bytes()).hexdigest() == checksum, name
