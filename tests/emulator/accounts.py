"""API keys the emulator accepts, and which organization owns which project."""

import re
import uuid

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

DEFAULT_SECRET_KEY = "11111111-1111-4111-8111-111111111111"
DEFAULT_ORGANIZATION_ID = "22222222-2222-4222-8222-222222222222"


def is_uuid(value):
    return isinstance(value, str) and bool(UUID_RE.match(value))


def derived_organization_id(secret_key):
    """The organization of a key given without one: stable, so state kept with --db still matches."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, secret_key))


class Accounts:
    def __init__(self, specs=()):
        self._org_of_key = {}
        self._org_of_project = {}
        for spec in specs or [f"{DEFAULT_SECRET_KEY}:{DEFAULT_ORGANIZATION_ID}"]:
            self._add(spec)

    def _add(self, spec):
        parts = spec.split(":")
        if not 1 <= len(parts) <= 3 or not all(is_uuid(p) for p in parts):
            raise ValueError(f"--secret-key {spec!r}: expected KEY[:ORGANIZATION_ID[:PROJECT_ID]], all UUIDs")
        key = parts[0]
        org = parts[1] if len(parts) > 1 else derived_organization_id(key)
        if self._org_of_key.get(key, org) != org:
            raise ValueError(f"--secret-key {key} is given with two organizations")
        self._org_of_key[key] = org
        # On Scaleway the default project of an organization has the organization's id.
        for project in [org, *parts[2:]]:
            if self._org_of_project.get(project, org) != org:
                raise ValueError(f"project {project} is given to two organizations")
            self._org_of_project[project] = org

    def organization_of_key(self, secret_key):
        return self._org_of_key.get(secret_key)

    def owner_of_project(self, project_id):
        return self._org_of_project.get(project_id)
