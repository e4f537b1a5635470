# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The controller's side of `access` (HostKeys), against the emulator's IAM API over HTTP, with the exact requests
sent. The host is a small fake that holds at most one key: what the host modules do is tested beside them."""

from __future__ import annotations

import datetime
import time

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._client import Client
from ansible_collections.scaleway.registry.plugins.module_utils._iam import rfc3339
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError
from ansible_collections.scaleway.registry.plugins.plugin_utils._host_keys import PREDICTED_KEY, HostKeys
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import format_request
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import ORGANIZATION_ID
from ansible_collections.scaleway.registry.tests.utils.with_emulator import SECRET_KEY

IAM = "/iam/v1alpha1"
APP_ID = "dddddddd-0000-4000-8000-000000000001"
OLD_KEY, OTHER_KEY, ORPHAN_KEY = "SCWOLDXXXXXXXXXXXXXX", "SCWOTHERXXXXXXXXXXXX", "SCWORPHANXXXXXXXXXXX"
OLD_SECRET = "0a0a0a0a-0000-4000-8000-000000000001"
DAY = 86400
FIND = f"GET {IAM}/applications?name=fleet-pull&organization_id={ORGANIZATION_ID}&page=1&page_size=100 -> 200"


def list_keys(host="web-1"):
    """The one listing of a host's keys: found by their description, one page however large the fleet; it needs
    no application ID, so it goes at the same time as FIND."""
    return (
        f"GET {IAM}/api-keys?description=scaleway.registry+host%3D{host}&order_by=created_at_asc"
        f"&organization_id={ORGANIZATION_ID}&page=1&page_size=100 -> 200"
    )


LIST = list_keys()
CREATE = f"POST {IAM}/api-keys -> 200"


def delete(access_key):
    return f"DELETE {IAM}/api-keys/{access_key} -> 204"


def key(access_key, host, expires_in_days=None, secret_key=None):
    """A seeded key of the application, issued to host (None: a key the collection did not issue)."""
    seeded = {"organization_id": ORGANIZATION_ID, "application_id": APP_ID, "access_key": access_key}
    seeded["description"] = f"scaleway.registry host={host}" if host else "ci"
    if expires_in_days is not None:
        seeded["expires_at"] = rfc3339(time.time() + expires_in_days * DAY)
    if secret_key:
        seeded["secret_key"] = secret_key
    return seeded


def seed(*keys):
    application = {"id": APP_ID, "organization_id": ORGANIZATION_ID, "name": "fleet-pull"}
    return {"applications": [application], "api_keys": list(keys)}


class Host:
    """A host module as HostKeys sees it: it holds one key or none, says which, and takes a new one."""

    def __init__(self, held=None, fails=False):
        self.held = held  # (access key, secret)
        self.fails = fails
        self.runs = []

    def __call__(self, extra):
        self.runs.append(extra)
        if self.fails and extra.get("secret_key"):
            return {"failed": True, "msg": "the helper does not answer"}
        if extra.get("secret_key"):
            changed = self.held != (extra["access_key"], extra["secret_key"])
            self.held = (extra["access_key"], extra["secret_key"])
            return {"changed": changed, "access_key": extra["access_key"]}
        if "access_keys" not in extra:  # state absent
            changed, self.held = self.held is not None, None
            return {"changed": changed}
        if self.held and self.held[0] in extra["access_keys"]:
            return {"changed": False, "access_key": self.held[0]}
        return {"changed": False, "key_needed": True}


def host_keys(emulator, check_mode=False, client=None, host="web-1"):
    client = client or Client(SECRET_KEY, emulator.url, max_attempts=3, backoff_base=0.01)
    lifetime, renew_before = datetime.timedelta(days=90), datetime.timedelta(days=14)
    return HostKeys(client, ORGANIZATION_ID, "fleet-pull", host, lifetime, renew_before, check_mode)


def sent(emulator):
    """The requests, in order; FIND and the key listing that go at once are put in that order."""
    requests = [format_request(entry) for entry in emulator.requests()]
    for index in [index for index, request in enumerate(requests) if request == FIND]:
        if index and requests[index - 1].startswith(f"GET {IAM}/api-keys?"):
            requests[index - 1], requests[index] = requests[index], requests[index - 1]
    return requests


def keys_of(emulator):
    return sorted(item["access_key"] for item in emulator.state()["iam_api_keys"])


@pytest.fixture
def iam(emulator):
    emulator.prepare(
        seed(key(OLD_KEY, "web-1", 60, OLD_SECRET), key(OTHER_KEY, "web-2", 60), key("SCWCIXXXXXXXXXXXXXXX", None))
    )
    return emulator


def test_a_host_that_holds_a_key_that_lasts_costs_two_requests_and_changes_nothing(iam):
    host = Host(held=(OLD_KEY, OLD_SECRET))
    result = host_keys(iam).equip(host)
    assert sent(iam) == [FIND, LIST]
    assert host.runs == [{"access_keys": [OLD_KEY]}]
    assert result["changed"] is False and result["key_created"] is False and result["keys_deleted"] == []
    assert result["access_key"] == OLD_KEY and result["key_expires_at"].endswith("Z")


def test_a_host_without_a_key_gets_a_new_one_which_it_proves_before_anything_is_deleted(iam):
    host = Host()
    result = host_keys(iam, host="web-3").equip(host)
    assert sent(iam) == [FIND, list_keys("web-3"), CREATE, list_keys("web-3")]
    new = result["access_key"]
    assert host.runs[0] == {"access_keys": []}
    assert host.runs[1]["access_key"] == new and host.runs[1]["access_keys"] == [new]
    assert host.held == (new, host.runs[1]["secret_key"])
    assert result["changed"] is True and result["key_created"] is True and result["keys_deleted"] == []
    created = next(item for item in iam.state()["iam_api_keys"] if item["access_key"] == new)
    assert created["description"] == "scaleway.registry host=web-3"
    # key_lifetime from now, by the API's clock: within a minute of 90 days.
    expires_in = (
        datetime.datetime.fromisoformat(result["key_expires_at"].replace("Z", "+00:00")).timestamp() - time.time()
    )
    assert abs(expires_in - 90 * DAY) < 60


def test_a_key_due_for_renewal_is_replaced_and_deleted_once_the_host_holds_the_new_one(emulator):
    emulator.prepare(seed(key(OLD_KEY, "web-1", 10, OLD_SECRET), key(OTHER_KEY, "web-2", 10)))
    host = Host(held=(OLD_KEY, OLD_SECRET))
    result = host_keys(emulator).equip(host)
    assert sent(emulator) == [FIND, LIST, CREATE, LIST, delete(OLD_KEY)]
    assert host.runs[0] == {"access_keys": []}  # 10 days left, 14 to renew before: not a key that lasts
    assert result["keys_deleted"] == [OLD_KEY] and result["key_created"] is True
    assert keys_of(emulator) == sorted([OTHER_KEY, result["access_key"]])


def test_expiry_is_judged_by_the_api_clock_not_the_controller(emulator):
    emulator.prepare(seed(key(OLD_KEY, "web-1", 30, OLD_SECRET)))
    emulator.configure(clock_offset=20 * DAY)  # the API is 20 days ahead: 10 days left, by its clock
    try:
        result = host_keys(emulator).equip(Host(held=(OLD_KEY, OLD_SECRET)))
    finally:
        emulator.configure(**emulator.BASELINE)
    assert result["key_created"] is True and result["keys_deleted"] == [OLD_KEY]


def test_the_host_s_other_keys_are_deleted_and_no_other_host_s(emulator):
    emulator.prepare(
        seed(key(OLD_KEY, "web-1", 60, OLD_SECRET), key(ORPHAN_KEY, "web-1", 60), key(OTHER_KEY, "web-2", 60))
    )
    result = host_keys(emulator).equip(Host(held=(OLD_KEY, OLD_SECRET)))
    assert sent(emulator) == [FIND, LIST, delete(ORPHAN_KEY)]
    assert result["changed"] is True and result["key_created"] is False and result["keys_deleted"] == [ORPHAN_KEY]
    assert keys_of(emulator) == [OLD_KEY, OTHER_KEY]


def test_the_host_s_keys_of_another_application_are_neither_used_nor_deleted(emulator):
    # The listing by description finds the host's keys of every application; only fleet-pull's count.
    push_app = {"id": "dddddddd-0000-4000-8000-000000000002", "organization_id": ORGANIZATION_ID, "name": "fleet-push"}
    push_key = dict(key("SCWPUSHXXXXXXXXXXXXX", "web-1", 60), application_id=push_app["id"])
    seeded = seed(key(OLD_KEY, "web-1", 60, OLD_SECRET), push_key)
    emulator.prepare(dict(seeded, applications=[*seeded["applications"], push_app]))
    host = Host(held=(OLD_KEY, OLD_SECRET))
    result = host_keys(emulator).equip(host)
    assert host.runs == [{"access_keys": [OLD_KEY]}]
    assert sent(emulator) == [FIND, LIST]
    assert result["changed"] is False and result["keys_deleted"] == []
    assert keys_of(emulator) == [OLD_KEY, push_key["access_key"]]


def test_check_mode_predicts_the_new_key_and_the_deletes_and_sends_only_reads(emulator):
    emulator.prepare(seed(key(OLD_KEY, "web-1", 10, OLD_SECRET)))
    host = Host(held=(OLD_KEY, OLD_SECRET))
    result = host_keys(emulator, check_mode=True).equip(host)
    assert sent(emulator) == [FIND, LIST]
    assert host.runs[1] == dict(PREDICTED_KEY, access_keys=[PREDICTED_KEY["access_key"]])
    assert result["changed"] is True and result["key_created"] is True and result["keys_deleted"] == [OLD_KEY]
    assert keys_of(emulator) == [OLD_KEY]


def test_a_host_that_cannot_prove_the_new_key_keeps_its_old_one(emulator):
    emulator.prepare(seed(key(OLD_KEY, "web-1", 10, OLD_SECRET)))
    result = host_keys(emulator).equip(Host(held=(OLD_KEY, OLD_SECRET), fails=True))
    assert sent(emulator) == [FIND, LIST, CREATE]
    assert result == {"failed": True, "msg": "the helper does not answer"}
    assert OLD_KEY in keys_of(emulator)  # the next run deletes whichever the host does not hold


class LosesFirstCreateAnswer:
    """A connection pool whose first POST is applied by the API and its answer lost, as a dropped connection does."""

    def __init__(self, pool):
        self.pool, self.lost = pool, False

    def __getattr__(self, name):
        return getattr(self.pool, name)

    def send(self, method, request_path, body, headers):
        response = self.pool.send(method, request_path, body, headers)
        if method == "POST" and not self.lost:
            self.lost = True
            raise ConnectionResetError("connection reset by peer")
        return response


def test_a_key_whose_create_lost_its_answer_is_deleted_in_the_same_run(emulator):
    emulator.prepare(seed())
    client = Client(SECRET_KEY, emulator.url, max_attempts=3, backoff_base=0.01)
    client.pool = LosesFirstCreateAnswer(client.pool)
    result = host_keys(emulator, client=client).equip(Host())
    assert sent(emulator) == [
        FIND,
        LIST,
        CREATE,
        CREATE,
        LIST,
        f"DELETE {IAM}/api-keys/{result['keys_deleted'][0]} -> 204",
    ]
    assert keys_of(emulator) == [result["access_key"]]


def test_a_second_task_that_holds_another_key_on_the_host_is_warned_about(iam):
    result = host_keys(iam).equip(Host())
    assert result["keys_deleted"] == [OLD_KEY]
    assert (
        len(result["warnings"]) == 1
        and f"web-1 has a key of fleet-pull that lasts ({OLD_KEY})" in result["warnings"][0]
    )


def test_an_unknown_application_names_the_access_module_and_nothing_runs_on_the_host(emulator):
    emulator.prepare(None)
    host = Host()
    with pytest.raises(TaskError, match=r"^no IAM application fleet-pull in organization .*scaleway\.registry\.access"):
        host_keys(emulator).equip(host)
    assert sent(emulator) == [FIND, LIST] and host.runs == []  # the listing went with the lookup


def test_check_mode_predicts_a_new_key_when_the_application_is_only_predicted_and_warns(emulator):
    emulator.prepare(None)
    host = Host()
    result = host_keys(emulator, check_mode=True).equip(host)
    assert sent(emulator) == [FIND, LIST] and len(host.runs) == 2
    assert result["key_created"] is True and result["access_key"] == PREDICTED_KEY["access_key"]
    assert result["warnings"] == [
        f"no IAM application fleet-pull in organization {ORGANIZATION_ID}: create it, and its policy, with the"
        " scaleway.registry.access module first; check mode predicts this task as if an earlier task had created it"
    ]


def test_absent_deletes_the_host_s_keys_after_the_host_gave_them_up(iam):
    host = Host(held=(OLD_KEY, OLD_SECRET))
    result = host_keys(iam).remove(host)
    assert host.runs == [{}] and host.held is None
    assert sent(iam) == [FIND, LIST, delete(OLD_KEY)]
    assert result == {"changed": True, "keys_deleted": [OLD_KEY]}
    assert OTHER_KEY in keys_of(iam)


def test_absent_without_the_application_only_runs_the_module(emulator):
    emulator.prepare(None)
    result = host_keys(emulator).remove(Host())
    assert sent(emulator) == [FIND, LIST] and result == {"changed": False, "keys_deleted": []}
