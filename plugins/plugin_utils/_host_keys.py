# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins!

"""A key of its own for each host: the controller's side of the `access` option of login and credential_helper.

The host module is run once, with the access keys of the host that are valid for long enough (no secret). When
the host holds one of them, that is the whole run: two API requests sent at once, the application's lookup and the
host's keys. When it does not, a key is created for the host and the module runs again with it, proving on the host
that it works (the helper answers with it, the login succeeds). Only then are the host's other keys deleted: a host
never ends a run without a key that works. Those keys include one whose create lost its answer, which nobody can
hold.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable

from ansible_collections.scaleway.registry.plugins.module_utils._iam import (
    ApiKeys,
    Applications,
    key_description,
    key_host,
    lasts,
    rfc3339,
)
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

RunModule = Callable[[dict], dict]
# What check mode passes for the key it would create: an access key to show, and a secret it never asks for.
PREDICTED_KEY = {"access_key": "(a new key)", "secret_key": "(the new key's secret)"}


def of_application(keys: list[dict], application: dict | None) -> list[dict]:
    """The keys of an application (none of one that is missing, or only predicted)."""
    return [key for key in keys if application and application["id"] and key.get("application_id") == application["id"]]


class HostKeys:
    """The keys of one application that were issued to one host."""

    def __init__(
        self,
        client: Any,
        organization_id: str,
        application: str,
        host: str,
        lifetime: datetime.timedelta,
        renew_before: datetime.timedelta,
        check_mode: bool,
    ) -> None:
        self.client = client
        self.keys_api = ApiKeys(client)
        self.applications = Applications(client, organization_id)
        self.application_name = application
        self.host = host
        self.lifetime = lifetime
        self.renew_before = renew_before
        self.check_mode = check_mode

    def issued(self) -> list[dict]:
        """The keys issued to this host, of every application: one request."""
        found = self.keys_api.described(self.applications.organization_id, key_description(self.host))
        return [key for key in found if key_host(key) == self.host]

    def find(self) -> tuple[dict | None, list[dict]]:
        """(the application or None, its keys issued to this host): two requests, sent at once, since the listing
        of the host's keys needs no application ID."""
        application, issued = self.client.map(
            lambda fetch: fetch(), [lambda: self.applications.find(self.application_name), self.issued]
        )
        return application, of_application(issued, application)

    def equip(self, run_module: RunModule) -> dict:
        """Run the module with a key of the host's own that lasts, created when the host holds none."""
        application, keys = self.find()
        missing = None
        if application is None:
            missing = (
                f"no IAM application {self.application_name} in organization {self.applications.organization_id}:"
                " create it, and its policy, with the scaleway.registry.access module first"
            )
            if not self.check_mode:
                raise TaskError(missing)
            # Check mode of a play whose access task only predicted the application: predict as if it existed.
            application = {"id": None}
        now = self.client.now()
        usable = [key["access_key"] for key in keys if lasts(key, now, self.renew_before)]
        result = run_module({"access_keys": usable})
        created = warning = None
        if result.get("key_needed") and not result.get("failed"):
            warning = self.second_holder(usable)
            created = self.create(application, now)
            new = {"access_key": created["access_key"], "secret_key": created["secret_key"]}
            result = run_module(dict(new, access_keys=[created["access_key"]]))
            if not result.get("failed") and not self.check_mode:
                keys = of_application(self.issued(), application)  # with any a create whose answer was lost made
        if result.get("failed"):
            # A new key stays: the host may hold it already. The next run deletes whichever key the host does not hold.
            return result
        held = result["access_key"]
        stale = [key for key in keys if key["access_key"] != held]
        self.delete(stale)
        expires_at = (created or next(key for key in keys if key["access_key"] == held))["expires_at"]
        if missing:
            warning = f"{missing}; check mode predicts this task as if an earlier task had created it"
        if created and warning:
            result["warnings"] = [*result.get("warnings", []), warning]
        return dict(
            result,
            changed=bool(result.get("changed") or created or stale),
            key_created=created is not None,
            key_expires_at=expires_at,
            keys_deleted=[key["access_key"] for key in stale],
        )

    def second_holder(self, usable: list[str]) -> str | None:
        """A warning when the host has a key that lasts, which this task does not hold: the key is another task's (a
        login of another user, or the helper and a login in separate files), each of which would replace the other's
        at every run, or the host lost it (its secret file was removed)."""
        if not usable:
            return None
        return (
            f"{self.host} has a key of {self.application_name} that lasts ({', '.join(usable)}), which this task does"
            " not hold (another task holds it, or the host lost it): it is replaced by a new one, and whatever else on"
            " the host holds it loses it. A host holds one key of an application: equip each host with one task (the"
            " helper, or the login), or give another user another application"
        )

    def remove(self, run_module: RunModule) -> dict:
        """Run the module (state absent), then delete the host's keys, which it no longer holds."""
        result = run_module({})
        if result.get("failed"):
            return result
        _application, keys = self.find()
        self.delete(keys)
        deleted = [key["access_key"] for key in keys]
        return dict(result, changed=bool(result.get("changed") or deleted), keys_deleted=deleted)

    def create(self, application: dict, now: float) -> dict:
        expires_at = rfc3339(now + self.lifetime.total_seconds())
        if self.check_mode:
            return dict(PREDICTED_KEY, expires_at=expires_at)
        return self.keys_api.create(application["id"], key_description(self.host), expires_at)

    def delete(self, keys: list[dict]) -> None:
        if not self.check_mode:
            self.client.map(lambda key: self.keys_api.delete(key["access_key"]), keys)
