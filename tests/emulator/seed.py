"""Seed documents (YAML or JSON): namespaces, and images with tags "as if pushed".

`parse_seed` checks a whole document and turns it into records for `Store.seed`,
so that a bad document changes nothing.
"""

import hashlib
import re
import uuid

import yaml

from .accounts import is_uuid
from .iamstore import new_access_key
from .model import REGIONS, STATUSES, VISIBILITIES, SeedError, parse_timestamp_us, valid_namespace_name

# Docker's repository path (lower-case components joined by '/') and tag grammar.
IMAGE_NAME_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
TAG_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")

NAMESPACE_KEYS = {
    "id",
    "region",
    "name",
    "description",
    "organization_id",
    "project_id",
    "is_public",
    "status",
    "status_message",
    "created_at",
    "updated_at",
}
IMAGE_KEYS = {
    "id",
    "region",
    "namespace",
    "namespace_id",
    "name",
    "visibility",
    "status",
    "status_message",
    "created_at",
    "updated_at",
    "tags",
}
TAG_KEYS = {"id", "name", "digest", "size", "status", "created_at", "updated_at"}
COMMON_IAM_KEYS = {"organization_id", "description", "editable", "deletable", "managed", "created_at", "updated_at"}
RULE_SCOPES = ("organization_id", "project_ids", "account_root_user_id")
IAM_SEED_KEYS = {
    "applications": {*COMMON_IAM_KEYS, "id", "name", "tags"},
    "policies": {
        *COMMON_IAM_KEYS,
        "id",
        "name",
        "tags",
        "rules",
        "application_id",
        "user_id",
        "group_id",
        "no_principal",
    },
    "api_keys": {
        *COMMON_IAM_KEYS,
        "access_key",
        "secret_key",
        "application_id",
        "user_id",
        "default_project_id",
        "expires_at",
        "creation_ip",
    },
}
ACCESS_KEY_RE = re.compile(r"^SCW[A-Z0-9]{17}$")


def load_seed_text(text):
    try:
        doc = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise SeedError(f"not YAML or JSON: {exc}") from None
    return doc or {}


def parse_seed(doc, accounts):
    """Returns (namespace records, image records) ready for Store.seed."""
    """Returns (namespace records, image records, IAM records or None) ready for Store.seed."""
    if not isinstance(doc, dict):
        raise SeedError("a seed document is a mapping with 'namespaces', 'images' and/or IAM objects")
    unknown = set(doc) - {"namespaces", "images", *IAM_SEED_KEYS}
    if unknown:
        raise SeedError(f"unknown seed keys: {sorted(unknown)}")
    namespaces = [_namespace(item, accounts) for item in _list(doc, "namespaces")]
    images = [_image(item) for item in _list(doc, "images")]
    iam = None
    if set(doc) & set(IAM_SEED_KEYS):
        iam = tuple([_iam_object(item, key) for item in _list(doc, key)] for key in IAM_SEED_KEYS)
    return namespaces, images, iam


def _iam_object(item, key):
    """An application, a policy (with its rules) or an API key; the fields as the API shows them."""
    what = f"{key[:-1]} {item.get('name') or item.get('access_key') or item.get('description')!r}"
    _check_keys(item, IAM_SEED_KEYS[key], what)
    if not is_uuid(item.get("organization_id")):
        raise SeedError(f"{what}: organization_id (a UUID) is required")
    record = {"organization_id": item["organization_id"], "description": _text(item, "description", what)}
    for flag, default in (("editable", True), ("deletable", True), ("managed", False)):
        record[flag] = item.get(flag, default)
        if not isinstance(record[flag], bool):
            raise SeedError(f"{what}: {flag} must be true or false")
    _times(item, record, what)
    if key == "api_keys":
        return _api_key(item, record, what)
    record.update(id=_uuid(item, "id", what) or str(uuid.uuid4()), name=_text(item, "name", what))
    record["tags"] = item.get("tags") or []
    if not all(isinstance(tag, str) for tag in record["tags"]):
        raise SeedError(f"{what}: tags must be a list of strings")
    if key == "policies":
        record["principal"] = _one_of(item, ("application_id", "user_id", "group_id", "no_principal"), what)
        if record["principal"][0] == "no_principal":
            record["principal"] = ("no_principal", None)
        record["rules"] = [_rule(rule, what) for rule in _list(item, "rules")]
    return record


def _one_of(item, keys, what):
    given = [key for key in keys if item.get(key) is not None]
    if len(given) != 1:
        raise SeedError(f"{what}: exactly one of {', '.join(keys)} is required")
    return given[0], item[given[0]]


def _rule(item, what):
    _check_keys(item, {"permission_set_names", "condition", *RULE_SCOPES}, what + " rule")
    names = item.get("permission_set_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SeedError(f"{what}: a rule's permission_set_names must be a list of strings")
    scope, value = _one_of(item, RULE_SCOPES, what + " rule")
    return {
        "permission_set_names": names,
        "condition": _text(item, "condition", what),
        "scope": scope,
        "scope_value": value,
    }


def _api_key(item, record, what):
    access_key = item.get("access_key") or new_access_key()
    if not ACCESS_KEY_RE.match(access_key):
        raise SeedError(f"{what}: access_key must be SCW and 17 of [A-Z0-9]")
    record.update(
        access_key=access_key,
        secret_key=_uuid(item, "secret_key", what),
        bearer=_one_of(item, ("application_id", "user_id"), what),
        default_project_id=_uuid(item, "default_project_id", what) or item["organization_id"],
        creation_ip=_text(item, "creation_ip", what, "127.0.0.1"),
    )
    if item.get("expires_at") is not None:
        try:
            record["expires_at"] = parse_timestamp_us(item["expires_at"])
        except ValueError as exc:
            raise SeedError(f"{what}: {exc}") from None
    return record


def _list(doc, key):
    items = doc.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SeedError(f"'{key}' must be a list of mappings")
    return items


def _check_keys(item, allowed, what):
    unknown = set(item) - allowed
    if unknown:
        raise SeedError(f"{what}: unknown keys {sorted(unknown)}")


def _uuid(item, key, what):
    value = item.get(key)
    if value is not None and not is_uuid(value):
        raise SeedError(f"{what}: {key} must be a UUID, not {value!r}")
    return value


def _choice(item, key, choices, what, default):
    value = item.get(key, default)
    if value not in choices:
        raise SeedError(f"{what}: {key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _text(item, key, what, default=""):
    value = item.get(key, default)
    if not isinstance(value, str):
        raise SeedError(f"{what}: {key} must be a string")
    return value


def _times(item, record, what):
    for key in ("created_at", "updated_at"):
        if item.get(key) is not None:
            try:
                record[key] = parse_timestamp_us(item[key])
            except ValueError as exc:
                raise SeedError(f"{what}: {exc}") from None


def _namespace(item, accounts):
    what = f"namespace {item.get('name')!r}"
    _check_keys(item, NAMESPACE_KEYS, what)
    if not valid_namespace_name(item.get("name")):
        raise SeedError(f"{what}: invalid name (^[a-z0-9]+(-[a-z0-9]+)*$, 4 to 54 characters)")
    project_id = _uuid(item, "project_id", what)
    organization_id = _uuid(item, "organization_id", what)
    if not project_id and not organization_id:
        raise SeedError(f"{what}: project_id or organization_id is required")
    # Without an organization: the one owning the project among the keys, else the project
    # is taken to be an organization's default project (whose id is the organization's).
    organization_id = organization_id or accounts.owner_of_project(project_id) or project_id
    if not isinstance(item.get("is_public", False), bool):
        raise SeedError(f"{what}: is_public must be true or false")
    record = {
        "id": _uuid(item, "id", what) or str(uuid.uuid4()),
        "region": _choice(item, "region", REGIONS, what, "fr-par"),
        "name": item["name"],
        "description": _text(item, "description", what),
        "organization_id": organization_id,
        "project_id": project_id or organization_id,
        "is_public": item.get("is_public", False),
        "status": _choice(item, "status", STATUSES, what, "ready"),
        "status_message": _text(item, "status_message", what),
    }
    _times(item, record, what)
    return record


def _image(item):
    what = f"image {item.get('name')!r}"
    _check_keys(item, IMAGE_KEYS, what)
    name = item.get("name")
    if not isinstance(name, str) or not IMAGE_NAME_RE.match(name):
        raise SeedError(f"{what}: invalid image name")
    if not item.get("namespace") and not item.get("namespace_id"):
        raise SeedError(f"{what}: namespace (a name) or namespace_id is required")
    record = {
        "id": _uuid(item, "id", what) or str(uuid.uuid4()),
        "region": _choice(item, "region", REGIONS, what, "fr-par"),
        "namespace": item.get("namespace"),
        "namespace_id": _uuid(item, "namespace_id", what),
        "name": name,
    }
    # Only what is stated is recorded, so that pushing to an existing image keeps the rest.
    if "visibility" in item:
        record["visibility"] = _choice(item, "visibility", VISIBILITIES, what, None)
    if "status" in item:
        record["status"] = _choice(item, "status", STATUSES, what, None)
    if "status_message" in item:
        record["status_message"] = _text(item, "status_message", what)
    _times(item, record, what)
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags):
        raise SeedError(f"{what}: tags must be a list of mappings")
    record["tags"] = [_tag(t, record) for t in tags]
    return record


def _tag(item, image):
    what = f"tag {image['name']}:{item.get('name')}"
    _check_keys(item, TAG_KEYS, what)
    name = item.get("name")
    if not isinstance(name, str) or not TAG_NAME_RE.match(name):
        raise SeedError(f"{what}: invalid tag name")
    digest = item.get("digest")
    if digest is None:
        # A stable made-up digest, so that a seed without digests still reads the same each time.
        digest = "sha256:" + hashlib.sha256(f"{image['name']}:{name}".encode()).hexdigest()
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise SeedError(f"{what}: digest must be sha256:<64 lower-case hex digits>")
    size = item.get("size", 0)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise SeedError(f"{what}: size must be a non-negative integer")
    record = {
        "id": _uuid(item, "id", what) or str(uuid.uuid4()),
        "name": name,
        "digest": digest,
        "size": size,
        "status": _choice(item, "status", STATUSES, what, "ready"),
    }
    _times(item, record, what)
    return record
