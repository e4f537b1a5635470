# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""State changes of API objects as small functions of plain values: (changed, the object after).

Each takes a resource helper of _registry.py (Namespaces, Images, Tags), what the API says now and what
the task wants, and check_mode; it changes the object only outside check mode, and returns what the
object is (or, in check mode, would be) afterwards. Nothing here knows Ansible: what a task cannot do is
raised as TaskError, which the module's one boundary (_module.ScalewayModule.run) turns into a failure.
"""

from __future__ import annotations

from typing import Any, Dict

Resource = Dict[str, Any]  # typing.Dict: hosts may run this with a Python older than 3.9


class TaskError(Exception):
    """What the task asks for cannot be done; the message says why, and how to fix it, in one line.

    result holds what the failed task still returns beside the message (cleanup's plan, for one)."""

    def __init__(self, message: str, **result: Any) -> None:
        super().__init__(message)
        self.result = result


def ensure_fields(resources: Any, current: Resource, wanted: dict[str, Any], check_mode: bool) -> tuple[bool, Resource]:
    """A PATCH of only the wanted fields that differ (a None in wanted leaves that field unmanaged)."""
    changes = {field: value for field, value in wanted.items() if value is not None and current[field] != value}
    if not changes:
        return False, current
    if check_mode:
        return True, dict(current, **changes)
    return True, resources.update(current["id"], changes)


def ensure_absent(
    resources: Any,
    current: Resource | None,
    check_mode: bool,
    wait: bool,
    wait_timeout: int,
    params: dict[str, str] | None = None,
) -> tuple[bool, Resource | None]:
    """The object deleted. One already being deleted is not deleted again. With wait, what remains is None once
    the object is gone; without, it is the object being deleted."""
    if current is None:
        return False, None
    changed = current["status"] != "deleting"
    deleting = dict(current, status="deleting")
    if changed and not check_mode:
        deleting = resources.delete(current["id"], params) or deleting
    if not wait:
        return changed, deleting
    if not check_mode:
        resources.wait_until_gone(current["id"], wait_timeout)
    return changed, None
