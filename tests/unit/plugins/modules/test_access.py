# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.access, run in-process against the emulator's IAM API: results and the exact requests."""

from __future__ import annotations

import re

import pytest

from ansible_collections.scaleway.registry.plugins.modules import access
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    ANY,
    Concurrently,
    Diff,
    Fields,
    Msg,
    Scenario,
    format_request,
    requests_match,
    run_module,
    run_scenario,
    scenarios,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    ORGANIZATION_ID,
    PROJECT_ID,
    SECOND_PROJECT_ID,
)
from ansible_collections.scaleway.registry.tests.utils.with_emulator import SECRET_KEY

IAM = "/iam/v1alpha1"
APP_ID = "dddddddd-0000-4000-8000-000000000001"
OTHER_APP_ID = "dddddddd-0000-4000-8000-000000000002"
POLICY_ID = "eeeeeeee-0000-4000-8000-000000000001"
OTHER_POLICY_ID = "eeeeeeee-0000-4000-8000-000000000002"
KEY_WEB1, KEY_WEB2, KEY_CI = "SCWWEB1XXXXXXXXXXXXX", "SCWWEB2XXXXXXXXXXXXX", "SCWCIXXXXXXXXXXXXXXX"
READ_ONLY = {"permission_set_names": ["ContainerRegistryReadOnly"], "project_ids": [PROJECT_ID]}
FULL_ACCESS = {"permission_set_names": ["ContainerRegistryFullAccess"], "project_ids": [PROJECT_ID]}
ARGS = {"name": "fleet-pull", "organization_id": ORGANIZATION_ID}


def seed(rules=(READ_ONLY,), keys=(), applications=(), policies=()):
    """The fleet's application, its policy with those rules, and those keys (access key, description)."""
    application = {"id": APP_ID, "organization_id": ORGANIZATION_ID, "name": "fleet-pull", "description": "pulls"}
    policy = {"id": POLICY_ID, "organization_id": ORGANIZATION_ID, "name": "fleet-pull", "application_id": APP_ID}
    return {
        "applications": [application, *applications],
        "policies": [dict(policy, rules=list(rules)), *policies],
        "api_keys": [
            {"organization_id": ORGANIZATION_ID, "application_id": APP_ID, "access_key": key, "description": text}
            for key, text in keys
        ],
    }


HOSTS = ((KEY_WEB1, "scaleway.registry host=web-1"), (KEY_WEB2, "scaleway.registry host=web-2"), (KEY_CI, "ci"))


def find_application(name="fleet-pull"):
    return f"GET {IAM}/applications?name={name}&organization_id={ORGANIZATION_ID}&page=1&page_size=100 -> 200"


def list_policies(application_id=APP_ID):
    return (
        f"GET {IAM}/policies?application_ids={application_id}&organization_id={ORGANIZATION_ID}&page=1&page_size=100"
        " -> 200"
    )


def list_rules(policy_id=POLICY_ID):
    return f"GET {IAM}/rules?page=1&page_size=100&policy_id={policy_id} -> 200"


def list_keys(application_id=APP_ID):
    return (
        f"GET {IAM}/api-keys?bearer_id={application_id}&bearer_type=application&order_by=created_at_asc&page=1"
        "&page_size=100 -> 200"
    )


def key(access_key, host):
    return {"access_key": access_key, "host": host, "created_at": ANY, "expires_at": None}


# The application's policies (then its policy's rules) and its keys are read at once.
READ = [find_application(), Concurrently(list_policies(), list_rules(), list_keys())]
APPLICATION = Fields(id=APP_ID, name="fleet-pull", description="pulls", organization_id=ORGANIZATION_ID)
POLICY = Fields(id=POLICY_ID, name="fleet-pull", permission="pull", rules=[READ_ONLY])
NO_OP = Scenario(
    "changes_nothing_when_the_application_and_its_policy_are_as_wanted",
    args=ARGS,
    seed=seed(keys=HOSTS),
    requests=READ,
    result={
        "changed": False,
        "application": APPLICATION,
        "policy": POLICY,
        # By creation time, then access key, as the API lists them.
        "keys": [key(KEY_CI, None), key(KEY_WEB1, "web-1"), key(KEY_WEB2, "web-2")],
        "revoked": [],
        "diff": Diff(
            {"application": {"name": "fleet-pull", "description": "pulls"}, "rules": [READ_ONLY], "keys": ANY},
            {"application": {"name": "fleet-pull", "description": "pulls"}, "rules": [READ_ONLY], "keys": ANY},
        ),
    },
)
TO_PUSH = Scenario(
    "replaces_the_rules_when_the_permission_changes",
    args=dict(ARGS, permission="push"),
    seed=seed(),
    requests=[*READ, f"PUT {IAM}/rules -> 200"],
    result={
        "changed": True,
        "application": APPLICATION,
        "policy": Fields(id=POLICY_ID, permission="push", rules=[FULL_ACCESS]),
        "keys": [],
        "revoked": [],
        "diff": Diff(
            {"application": ANY, "rules": [READ_ONLY], "keys": {}},
            {"application": ANY, "rules": [FULL_ACCESS], "keys": {}},
        ),
    },
)
REVOKE = Scenario(
    "revokes_the_keys_issued_to_hosts_outside_keep_hosts_and_no_other_key",
    args=dict(ARGS, keep_hosts=["web-1", "web-3"]),
    seed=seed(keys=HOSTS),
    requests=[*READ, f"DELETE {IAM}/api-keys/{KEY_WEB2} -> 204"],
    result={
        "changed": True,
        "application": APPLICATION,
        "policy": POLICY,
        "keys": [key(KEY_CI, None), key(KEY_WEB1, "web-1")],
        "revoked": [key(KEY_WEB2, "web-2")],
        "diff": Diff(
            {"application": ANY, "rules": ANY, "keys": {KEY_WEB1: "web-1", KEY_WEB2: "web-2", KEY_CI: None}},
            {"application": ANY, "rules": ANY, "keys": {KEY_WEB1: "web-1", KEY_CI: None}},
        ),
    },
)
ABSENT = Scenario(
    "deletes_the_keys_then_the_policy_then_the_application",
    args=dict(ARGS, state="absent"),
    seed=seed(keys=HOSTS[:1]),
    requests=[
        find_application(),
        Concurrently(list_keys(), list_policies()),
        f"DELETE {IAM}/api-keys/{KEY_WEB1} -> 204",
        f"DELETE {IAM}/policies/{POLICY_ID} -> 204",
        f"DELETE {IAM}/applications/{APP_ID} -> 204",
    ],
    result={
        "changed": True,
        "application": None,
        "policy": None,
        "keys": [],
        "revoked": [],
        "diff": Diff(
            {
                "application": {"name": "fleet-pull", "description": "pulls"},
                "policies": ["fleet-pull"],
                "keys": {KEY_WEB1: "web-1"},
            },
            {},
        ),
    },
)

SCENARIOS = scenarios(
    NO_OP,
    NO_OP.variant("changes_nothing_in_check_mode_either", check_mode=True),
    Scenario(
        "updates_the_description_when_it_differs",
        args=dict(ARGS, description="the web fleet"),
        seed=seed(),
        requests=[find_application(), f"PATCH {IAM}/applications/{APP_ID} -> 200", *READ[1:]],
        result={
            "changed": True,
            "application": Fields(id=APP_ID, description="the web fleet"),
            "policy": POLICY,
            "keys": [],
            "revoked": [],
            "diff": Diff(
                {"application": {"name": "fleet-pull", "description": "pulls"}, "rules": ANY, "keys": {}},
                {"application": {"name": "fleet-pull", "description": "the web fleet"}, "rules": ANY, "keys": {}},
            ),
        },
    ),
    TO_PUSH,
    TO_PUSH.variant("predicts_the_new_rules_in_check_mode", check_mode=True, requests=READ),
    Scenario(
        "replaces_the_rules_when_the_projects_change",
        args=dict(ARGS, project_ids=[SECOND_PROJECT_ID, PROJECT_ID]),
        seed=seed(),
        requests=[*READ, f"PUT {IAM}/rules -> 200"],
        result={
            "changed": True,
            "application": APPLICATION,
            "policy": Fields(
                rules=[
                    {
                        "permission_set_names": ["ContainerRegistryReadOnly"],
                        "project_ids": sorted([PROJECT_ID, SECOND_PROJECT_ID]),
                    }
                ]
            ),
            "keys": [],
            "revoked": [],
            "diff": ANY,
        },
    ),
    REVOKE,
    REVOKE.variant("predicts_the_revocation_in_check_mode", check_mode=True, requests=READ),
    Scenario(
        "warns_of_another_policy_that_gives_the_applications_keys_more_rights",
        args=ARGS,
        seed=seed(
            policies=[
                {
                    "id": OTHER_POLICY_ID,
                    "organization_id": ORGANIZATION_ID,
                    "name": "everything",
                    "application_id": APP_ID,
                    "rules": [{"permission_set_names": ["AllProductsFullAccess"], "organization_id": ORGANIZATION_ID}],
                }
            ]
        ),
        requests=READ,
        result={"changed": False, "application": APPLICATION, "policy": POLICY, "keys": [], "revoked": [], "diff": ANY},
        warnings=[
            f"IAM application fleet-pull also has policy everything ({OTHER_POLICY_ID}): its keys have that policy's"
            " rights too"
        ],
    ),
    ABSENT,
    ABSENT.variant(
        "predicts_the_deletes_in_check_mode",
        check_mode=True,
        requests=[find_application(), Concurrently(list_keys(), list_policies())],
    ),
    Scenario(
        "changes_nothing_when_the_application_to_delete_is_gone",
        args=dict(ARGS, state="absent"),
        requests=[find_application()],
        result={"changed": False, "application": None, "policy": None, "keys": [], "revoked": [], "diff": Diff({}, {})},
    ),
    Scenario(
        "refuses_two_applications_of_the_same_name",
        args=ARGS,
        seed=seed(applications=[{"id": OTHER_APP_ID, "organization_id": ORGANIZATION_ID, "name": "fleet-pull"}]),
        requests=[find_application()],
        failed={
            "msg": f"2 IAM applications are named fleet-pull in organization {ORGANIZATION_ID}: rename or delete all"
            " but one, so that the collection knows which one it manages"
        },
    ),
    Scenario(
        "needs_an_organization",
        args={"name": "fleet-pull"},
        requests=[],
        failed={
            "msg": "the IAM application belongs to an organization, and none is known: set organization_id, or the"
            " SCW_DEFAULT_ORGANIZATION_ID environment variable, or default_organization_id in the scw config"
        },
    ),
    Scenario(
        "needs_a_project_for_the_policy",
        args=ARGS,
        env={"SCW_DEFAULT_PROJECT_ID": None},
        requests=[],
        failed={
            "msg": "no project for the policy: set project_ids, or project_id, SCW_DEFAULT_PROJECT_ID or"
            " default_project_id for the default project"
        },
    ),
    Scenario(
        "refuses_project_ids_that_are_not_uuids_before_any_request",
        args=dict(ARGS, project_ids=["my-project"]),
        seed=seed(),
        requests=[],
        failed={"msg": "project_ids must be project UUIDs, not 'my-project'"},
    ),
    Scenario(
        "reports_a_key_without_iam_rights_in_one_line",
        args=ARGS,
        config={"faults": "403=1"},
        requests=[f"{find_application()[: -len(' -> 200')]} -> 403 (fault)"],
        failed={
            "msg": Msg(
                "insufficient permissions (HTTP 403, permissions_denied, request id {id}): the API key from the"
                " secret_key option has no IAM rights; this module needs a key with IAMManager, or an owner's key"
            ),
            "api_error": ANY,
        },
    ),
)


APPLICATION_SECRET = "99999999-0000-4000-8000-000000000001"


def test_a_key_of_an_application_gets_no_iam_rights_and_the_task_says_so_in_one_line(emulator):
    fleet = seed()
    fleet["api_keys"] = [
        {
            "organization_id": ORGANIZATION_ID,
            "application_id": APP_ID,
            "access_key": KEY_WEB1,
            "secret_key": APPLICATION_SECRET,
            "description": "scaleway.registry host=web-1",
        }
    ]
    emulator.prepare(fleet)
    env = {"SCW_CONFIG_PATH": "/nonexistent/config.yaml", "SCW_DEFAULT_PROJECT_ID": PROJECT_ID}
    outcome = run_module(access.main, dict(ARGS, api_url=emulator.url, secret_key=APPLICATION_SECRET), env=env)
    assert outcome.failed
    assert outcome.result["msg"] == Msg(
        "insufficient permissions (HTTP 403, permissions_denied, request id {id}): the API key from the secret_key"
        " option has no IAM rights; this module needs a key with IAMManager, or an owner's key"
    )
    assert [format_request(entry) for entry in emulator.requests()] == [find_application()[: -len("200")] + "403"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_access(emulator, scenario):
    run_scenario(emulator, access.main, scenario)


def test_creates_the_application_and_its_policy_then_a_second_run_changes_nothing(emulator):
    emulator.prepare()
    env = {"SCW_CONFIG_PATH": "/nonexistent/config.yaml", "SCW_DEFAULT_PROJECT_ID": PROJECT_ID}
    args = dict(ARGS, api_url=emulator.url, secret_key=SECRET_KEY, description="pulls")
    first = run_module(access.main, args, diff=True, env=env)
    assert not first.failed, first.result
    application_id = first.result["application"]["id"]
    assert first.result["changed"]
    assert first.result["policy"]["rules"] == [READ_ONLY]
    assert first.result["diff"]["before"] == {}
    sent = [format_request(entry) for entry in emulator.requests()]
    # An application made just now has no policy and no key: nothing of it is listed.
    assert sent == [find_application(), f"POST {IAM}/applications -> 200", f"POST {IAM}/policies -> 200"]
    emulator.clear_requests()
    second = run_module(access.main, args, diff=True, env=env)
    assert not second.result["changed"], second.result
    assert second.result["application"]["id"] == application_id
    assert requests_match(
        [re.sub(r"[0-9a-f-]{36}", "ID", request) for request in map(format_request, emulator.requests())],
        [
            re.sub(r"[0-9a-f-]{36}", "ID", find_application()),
            Concurrently(
                *(
                    re.sub(r"[0-9a-f-]{36}", "ID", request)
                    for request in (
                        list_policies(application_id),
                        list_rules(first.result["policy"]["id"]),
                        list_keys(application_id),
                    )
                )
            ),
        ],
    )
