# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The IAM objects behind a fleet's registry keys: an application, the policy that grants it registry rights, and
the application's API keys, one per host. IAM has no region: the client's region is None for it.

A key that the collection issues to a host says so in its description (key_description), so that what the
collection added, and only that, is ever deleted.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from typing import Any

from ansible_collections.scaleway.registry.plugins.module_utils._client import NotFound, PermissionsDenied
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

Object = dict  # an API object, as the API answers it

# What a fleet's hosts may do in the registries of the projects of the policy.
PERMISSION_SETS = {"pull": "ContainerRegistryReadOnly", "push": "ContainerRegistryFullAccess"}
HOST_KEY_PREFIX = "scaleway.registry host="


class AmbiguousName(TaskError):
    """Several applications have the name: the collection cannot tell which one it manages."""


def organization_of(settings: Any) -> str:
    """The organization of the IAM objects, from the resolved settings; TaskError when none is known."""
    if not settings.organization_id:
        raise TaskError(
            "the IAM application belongs to an organization, and none is known: set organization_id, or the"
            " SCW_DEFAULT_ORGANIZATION_ID environment variable, or default_organization_id in the scw config"
        )
    return str(settings.organization_id)


def without_iam_rights(exc: PermissionsDenied, secret_source: str, needs: str) -> TaskError:
    """The one line for a key that may not read IAM: needs says what does."""
    return TaskError(
        f"{' '.join(str(exc).split())}: the API key from {secret_source} has no IAM rights; {needs} needs a key with"
        " IAMManager, or an owner's key",
        api_error=exc.as_dict(),
    )


def key_description(host: str) -> str:
    return HOST_KEY_PREFIX + host


def key_host(key: Object) -> str | None:
    """The inventory host a key was issued to, or None for a key the collection did not issue."""
    description = key.get("description") or ""
    return description[len(HOST_KEY_PREFIX) :] if description.startswith(HOST_KEY_PREFIX) else None


def timestamp(text: str) -> float:
    """The POSIX time of an RFC 3339 timestamp as the API writes it (Z, or an offset; fractions of a second)."""
    return datetime.datetime.fromisoformat(re.sub(r"\.[0-9]+", "", text).replace("Z", "+00:00")).timestamp()


def rfc3339(when: float) -> str:
    return datetime.datetime.fromtimestamp(int(when), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lasts(key: Object, now: float, margin: datetime.timedelta) -> bool:
    """Whether a key is still valid margin after now (a key without expires_at never expires)."""
    expires_at = key.get("expires_at")
    return not expires_at or timestamp(expires_at) > now + margin.total_seconds()


def wanted_rules(permission: str, project_ids: list[str]) -> list[dict[str, Any]]:
    """The rules of a fleet's policy: one permission set on the projects, as the API lists them back."""
    return [{"permission_set_names": [PERMISSION_SETS[permission]], "project_ids": sorted(project_ids)}]


def comparable_rules(rules: list[Object]) -> list[dict[str, Any]]:
    """Rules as wanted_rules() writes them, whatever else the API adds (id, condition, scope type)."""
    return sorted(
        (
            {
                "permission_set_names": sorted(rule.get("permission_set_names") or []),
                "project_ids": sorted(rule.get("project_ids") or []),
            }
            for rule in rules
        ),
        key=repr,
    )


class Applications:
    path = "applications"

    def __init__(self, client: Any, organization_id: str) -> None:
        self.client = client
        self.organization_id = organization_id

    def find(self, name: str) -> Object | None:
        """The organization's application of that name; AmbiguousName when there are several."""
        params = {"name": name, "organization_id": self.organization_id}
        found = [item for item in self.client.paginate(self.path, "applications", None, params) if item["name"] == name]
        if len(found) > 1:
            raise AmbiguousName(
                f"{len(found)} IAM applications are named {name} in organization {self.organization_id}: rename or"
                " delete all but one, so that the collection knows which one it manages"
            )
        return found[0] if found else None

    def create(self, name: str, description: str) -> Object:
        body = {"name": name, "organization_id": self.organization_id, "description": description, "tags": []}
        return self.client.create(self.path, None, body, lambda: self.find(name))

    def update(self, application_id: str, changes: dict[str, Any]) -> Object:
        return self.client.patch(f"{self.path}/{application_id}", None, changes)

    def delete(self, application_id: str) -> None:
        _delete(self.client, f"{self.path}/{application_id}")


class Policies:
    path = "policies"

    def __init__(self, client: Any, organization_id: str) -> None:
        self.client = client
        self.organization_id = organization_id

    def of_application(self, application_id: str) -> list[Object]:
        params = {"application_ids": application_id, "organization_id": self.organization_id}
        return [
            policy
            for policy in self.client.paginate(self.path, "policies", None, params)
            if policy.get("application_id") == application_id
        ]

    def rules(self, policy_id: str) -> list[Object]:
        return self.client.paginate("rules", "rules", None, {"policy_id": policy_id})

    def create(self, name: str, application_id: str, rules: list[dict[str, Any]]) -> Object:
        body = {
            "name": name,
            "description": "",
            "organization_id": self.organization_id,
            "rules": rules,
            "tags": [],
            "application_id": application_id,
        }
        return self.client.create(self.path, None, body, lambda: next(iter(self.of_application(application_id)), None))

    def set_rules(self, policy_id: str, rules: list[dict[str, Any]]) -> list[Object]:
        return self.client.put("rules", None, {"policy_id": policy_id, "rules": rules}).get("rules") or []

    def delete(self, policy_id: str) -> None:
        _delete(self.client, f"{self.path}/{policy_id}")


class ApiKeys:
    path = "api-keys"

    def __init__(self, client: Any) -> None:
        self.client = client

    def of_application(self, application_id: str) -> list[Object]:
        params = {"bearer_id": application_id, "bearer_type": "application", "order_by": "created_at_asc"}
        return self.client.paginate(self.path, "api_keys", None, params, id_field="access_key")

    def described(self, organization_id: str, description: str) -> list[Object]:
        """The organization's keys that the API finds by description, whatever bears them (one host's keys: one
        page, however large the fleet), which the caller still compares exactly. Needing no application ID, the
        listing goes at the same time as the application's lookup."""
        params = {"organization_id": organization_id, "description": description, "order_by": "created_at_asc"}
        return self.client.paginate(self.path, "api_keys", None, params, id_field="access_key")

    def create(self, application_id: str, description: str, expires_at: str) -> Object:
        """A new key, whose secret_key only this answer holds.

        A create whose answer is lost is sent again (no lookup can recover a secret): what it may have made is a
        key that nobody holds, which its description names, so that the caller deletes it (see HostKeys)."""
        body = {"application_id": application_id, "description": description, "expires_at": expires_at}
        return self.client.create(self.path, None, body, lambda: None)

    def delete(self, access_key: str) -> None:
        _delete(self.client, f"{self.path}/{access_key}")


def _delete(client: Any, path: str) -> None:
    """Delete; an object already gone is no error."""
    with contextlib.suppress(NotFound):
        client.delete(path, None)
