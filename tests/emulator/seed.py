"""Seed documents (YAML or JSON): namespaces, and images with tags "as if pushed".

`parse_seed` checks a whole document and turns it into records for `Store.seed`,
so that a bad document changes nothing.
"""

import hashlib
import re
import uuid

import yaml

from .accounts import is_uuid
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


def load_seed_text(text):
    try:
        doc = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise SeedError(f"not YAML or JSON: {exc}") from None
    return doc or {}


def parse_seed(doc, accounts):
    """Returns (namespace records, image records) ready for Store.seed."""
    if not isinstance(doc, dict):
        raise SeedError("a seed document is a mapping with 'namespaces' and/or 'images'")
    unknown = set(doc) - {"namespaces", "images"}
    if unknown:
        raise SeedError(f"unknown seed keys: {sorted(unknown)}")
    namespaces = [_namespace(item, accounts) for item in _list(doc, "namespaces")]
    images = [_image(item) for item in _list(doc, "images")]
    return namespaces, images


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
