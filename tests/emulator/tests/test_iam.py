"""IAM in the emulator: applications, policies and rules, API keys, the rights of an application's key
on the registry API, and the clock offset. (The recorded IAM traffic is replayed by
test_fidelity_recordings.py; the registries' token service is tested in test_registry.py.)"""

import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from emulator_harness import DIGEST_A, EXTRA_PROJECT, KEY, ORG, OTHER_KEY, namespace_payload

IAM = "/iam/v1alpha1"
DENIED = {
    "message": "authentication is denied",
    "method": "api_key",
    "reason": "not_found",
    "type": "denied_authentication",
}


def iam(emu, method, path, key=KEY, **kwargs):
    return requests.request(method, f"{emu.url}{IAM}/{path}", headers={"X-Auth-Token": key}, timeout=10, **kwargs)


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if status == 200 else None


def registry(emu, method, path, key, **kwargs):
    return requests.request(method, emu.api_url(path), headers={"X-Auth-Token": key}, timeout=10, **kwargs)


def denied(action, resource):
    return {
        "details": [{"action": action, "resource": resource}],
        "message": "insufficient permissions",
        "type": "permissions_denied",
    }


def in_one_hour():
    return (datetime.now(timezone.utc) + timedelta(hours=1)).replace(microsecond=0)


def application_key(emu, permission_set, scope, name="fleet", expires_at=None):
    """An application with one policy of one rule, and an API key of it: (application, policy, key)."""
    application = ok(iam(emu, "POST", "applications", json={"name": name, "organization_id": ORG, "description": ""}))
    rule = {"permission_set_names": [permission_set], "condition": "", **scope}
    policy = ok(
        iam(
            emu,
            "POST",
            "policies",
            json={
                "name": f"{name}-policy",
                "organization_id": ORG,
                "rules": [rule],
                "application_id": application["id"],
            },
        )
    )
    body = {"application_id": application["id"], "description": f"{name} key"}
    if expires_at:
        body["expires_at"] = expires_at.isoformat()
    return application, policy, ok(iam(emu, "POST", "api-keys", json=body))


# ---- the IAM API ---------------------------------------------------------------------------


def test_applications_are_created_listed_paged_filtered_updated_and_deleted(emu):
    made = [
        ok(iam(emu, "POST", "applications", json={"name": n, "organization_id": ORG, "description": "", "tags": t}))
        for n, t in (("b-app", ["blue"]), ("A-app", []), ("c-app", ["blue", "x"]))
    ]
    assert list(made[0]) == [
        *("id", "name", "description", "created_at", "updated_at", "organization_id"),
        *("editable", "deletable", "managed", "nb_api_keys", "tags"),
    ]
    assert (made[0]["editable"], made[0]["deletable"], made[0]["managed"], made[0]["nb_api_keys"]) == (
        True,
        True,
        False,
        0,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", made[0]["created_at"])

    def names(**params):
        answer = ok(iam(emu, "GET", "applications", params=params))
        return answer["total_count"], [a["name"] for a in answer["applications"]]

    assert names() == (3, ["b-app", "A-app", "c-app"])  # created_at_asc
    assert names(order_by="name_asc") == (3, ["A-app", "b-app", "c-app"])  # case does not count
    assert names(order_by="name_desc", page=2, page_size=2) == (3, ["A-app"])
    assert names(name="c-app") == (1, ["c-app"])
    assert names(tag="blue") == (2, ["b-app", "c-app"])
    assert names(application_ids=[made[1]["id"], made[2]["id"]]) == (2, ["A-app", "c-app"])
    assert names(organization_id=ORG, editable="true") == (3, ["b-app", "A-app", "c-app"])
    assert ok(iam(emu, "GET", "applications", key=OTHER_KEY)) == {"applications": [], "total_count": 0}

    changed = ok(iam(emu, "PATCH", f"applications/{made[0]['id']}", json={"name": "renamed", "tags": []}))
    assert (changed["name"], changed["tags"], changed["created_at"]) == ("renamed", [], made[0]["created_at"])
    assert changed["updated_at"] > made[0]["updated_at"]
    assert ok(iam(emu, "GET", f"applications/{made[0]['id']}")) == changed

    deleted = iam(emu, "DELETE", f"applications/{made[0]['id']}")
    assert (deleted.status_code, deleted.content, "Content-Type" in deleted.headers) == (204, b"", False)
    for method in ("GET", "DELETE"):
        missing = iam(emu, method, f"applications/{made[0]['id']}")
        assert (missing.status_code, missing.json()) == (
            404,
            {
                "message": "resource is not found",
                "resource": "application",
                "resource_id": made[0]["id"],
                "type": "not_found",
            },
        )


def test_policies_carry_rules_that_put_rules_replaces(emu):
    application = ok(iam(emu, "POST", "applications", json={"name": "app", "organization_id": ORG, "description": ""}))
    rules = [
        {"permission_set_names": ["ContainerRegistryReadOnly"], "condition": "", "project_ids": [EXTRA_PROJECT, ORG]},
        {"permission_set_names": ["ContainerRegistryFullAccess", "IAMManager"], "organization_id": ORG},
    ]
    body = {"name": "pol", "description": "d", "organization_id": ORG, "rules": rules, "tags": ["t"]}
    created = ok(iam(emu, "POST", "policies", json={**body, "application_id": application["id"]}))
    # As recorded, the create answers before the rules count.
    assert (created["nb_rules"], created["nb_scopes"], created["nb_permission_sets"]) == (0, 0, 0)
    assert list(created)[-2:] == ["tags", "application_id"]
    fetched = ok(iam(emu, "GET", f"policies/{created['id']}"))
    assert (fetched["nb_rules"], fetched["nb_scopes"], fetched["nb_permission_sets"]) == (2, 3, 3)

    listed = ok(iam(emu, "GET", "rules", params={"policy_id": created["id"]}))
    assert listed["total_count"] == 2
    assert [list(r) for r in listed["rules"]] == [
        ["id", "permission_set_names", "permission_sets_scope_type", "condition", "project_ids"],
        ["id", "permission_set_names", "permission_sets_scope_type", "condition", "organization_id"],
    ]
    assert {r["permission_sets_scope_type"] for r in listed["rules"]} == {"projects"}

    # A change of the tags alone keeps updated_at, as recorded; a change of the rules moves it.
    assert ok(iam(emu, "PATCH", f"policies/{created['id']}", json={"tags": []}))["updated_at"] == created["updated_at"]
    replaced = ok(
        iam(
            emu,
            "PUT",
            "rules",
            json={"policy_id": created["id"], "rules": [{"permission_set_names": ["X"], "organization_id": ORG}]},
        )
    )
    assert list(replaced) == ["rules"] and replaced["rules"][0]["id"] not in {r["id"] for r in listed["rules"]}
    assert ok(iam(emu, "GET", f"policies/{created['id']}"))["updated_at"] > created["updated_at"]

    other = ok(iam(emu, "POST", "policies", json={**body, "name": "Another", "no_principal": True}))
    assert other["no_principal"] is True and "application_id" not in other

    def names(**params):
        return [p["name"] for p in ok(iam(emu, "GET", "policies", params=params))["policies"]]

    assert names(order_by="policy_name_asc") == ["Another", "pol"]
    assert names(application_ids=application["id"]) == ["pol"]
    assert names(no_principal="true") == ["Another"]
    assert names(policy_ids=[other["id"]], policy_name="Another") == ["Another"]

    assert iam(emu, "DELETE", f"policies/{created['id']}").status_code == 204
    assert iam(emu, "GET", "rules", params={"policy_id": created["id"]}).json()["resource"] == "policy"


def test_an_api_key_shows_its_secret_once_and_lists_by_bearer_description_and_expiry(emu):
    application, _policy, key = application_key(emu, "ContainerRegistryReadOnly", {"organization_id": ORG})
    expires = in_one_hour()
    second = ok(
        iam(
            emu,
            "POST",
            "api-keys",
            json={"application_id": application["id"], "description": "two", "expires_at": expires.isoformat()},
        )
    )
    assert re.fullmatch(r"SCW[A-Z0-9]{17}", second["access_key"]) and second["secret_key"]
    assert second["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")  # no fraction, as recorded
    assert (second["default_project_id"], second["creation_ip"], second["application_id"]) == (
        ORG,
        "127.0.0.1",
        application["id"],
    )
    read = ok(iam(emu, "GET", f"api-keys/{second['access_key']}"))
    assert read == {**second, "secret_key": None}
    assert ok(iam(emu, "GET", f"applications/{application['id']}"))["nb_api_keys"] == 2

    def described(**params):
        return [k["description"] for k in ok(iam(emu, "GET", "api-keys", params=params))["api_keys"]]

    assert described(bearer_type="application", bearer_id=application["id"]) == ["fleet key", "two"]
    assert described(application_id=application["id"], description="two") == ["two"]
    assert described(order_by="expires_at_desc") == ["two", "fleet key"]
    assert described(access_keys=[key["access_key"]]) == ["fleet key"]
    assert described(bearer_type="user") == []
    assert described(expired="true") == []

    updated = ok(iam(emu, "PATCH", f"api-keys/{second['access_key']}", json={"description": "renamed"}))
    assert (updated["description"], updated["secret_key"]) == ("renamed", None)
    assert updated["updated_at"] > second["updated_at"]

    # Two hours later the second key has expired: it lists as expired and authenticates no more.
    assert emu.admin("PATCH", "config", json={"clock_offset": 7200})["clock_offset"] == 7200
    assert described(expired="true") == ["renamed"] and described(expired="false") == ["fleet key"]
    refused = registry(emu, "GET", "namespaces", second["secret_key"])
    assert (refused.status_code, refused.json()) == (401, DENIED)
    assert registry(emu, "GET", "namespaces", key["secret_key"]).status_code == 200
    later = ok(iam(emu, "POST", "applications", json={"name": "later", "organization_id": ORG, "description": ""}))
    assert later["created_at"] > (datetime.now(timezone.utc) + timedelta(seconds=7000)).isoformat()[:19]

    assert iam(emu, "DELETE", f"api-keys/{key['access_key']}").status_code == 204
    assert registry(emu, "GET", "namespaces", key["secret_key"]).json() == DENIED
    assert iam(emu, "GET", f"api-keys/{key['access_key']}").json() == {
        "message": "resource is not found",
        "resource": "access_key",
        "resource_id": key["access_key"],
        "type": "not_found",
    }


def test_deleting_an_application_deletes_its_keys(emu):
    application, _policy, key = application_key(emu, "ContainerRegistryReadOnly", {"organization_id": ORG})
    assert registry(emu, "GET", "namespaces", key["secret_key"]).status_code == 200
    assert iam(emu, "DELETE", f"applications/{application['id']}").status_code == 204
    assert registry(emu, "GET", "namespaces", key["secret_key"]).status_code == 401
    assert iam(emu, "GET", f"api-keys/{key['access_key']}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "detail"),
    [
        ("GET", "applications/not-a-uuid", None, 400, "application_id"),
        ("POST", "applications", {"organization_id": ORG, "description": ""}, 400, "name"),
        ("POST", "api-keys", {"application_id": "6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77"}, 404, "application"),
        ("POST", "api-keys", {"user_id": "6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77"}, 404, "user"),
        ("POST", "policies", {"name": "p", "organization_id": ORG, "rules": []}, 400, "principal"),
        ("GET", "rules", None, 400, "policy_id"),
        ("GET", "api-keys?bearer_type=robot", None, 400, "bearer_type"),
        ("GET", "policies?order_by=name_asc", None, 400, "order_by"),
        ("GET", "users", None, 404, None),
        ("DELETE", "rules", None, 405, None),
    ],
)
def test_bad_iam_requests_get_the_api_errors(emu, method, path, body, status, detail):
    response = iam(emu, method, path, json=body)
    assert response.status_code == status, response.text
    answer = response.json()
    if status == 400:
        assert answer["type"] == "invalid_arguments" and answer["details"][0]["argument_name"] == detail
    elif detail:
        assert (answer["type"], answer["resource"]) == ("not_found", detail)


def test_an_expiry_in_the_past_or_another_organizations_objects_are_refused(emu):
    application = ok(iam(emu, "POST", "applications", json={"name": "app", "organization_id": ORG, "description": ""}))
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    response = iam(emu, "POST", "api-keys", json={"application_id": application["id"], "expires_at": past})
    assert response.status_code == 400 and response.json()["details"][0]["argument_name"] == "expires_at"
    for method in ("GET", "PATCH", "DELETE"):
        response = iam(emu, method, f"applications/{application['id']}", key=OTHER_KEY, json={})
        action = {"GET": "read", "PATCH": "write", "DELETE": "delete"}[method]
        assert (response.status_code, response.json()) == (403, denied(action, "application"))
    response = iam(emu, "POST", "applications", key=OTHER_KEY, json={"name": "x", "organization_id": ORG})
    assert (response.status_code, response.json()) == (403, denied("write", "application"))


# ---- what an application's key may do ------------------------------------------------------


@pytest.fixture
def two_projects(emu):
    """A namespace with an image in each of ORG's projects: {project: (namespace, image, tag)}."""
    made = {}
    for project, name in ((ORG, "default-ns"), (EXTRA_PROJECT, "extra-ns")):
        namespace = ok(registry(emu, "POST", "namespaces", KEY, json=namespace_payload(name, project_id=project)))
        seeded = emu.seed(
            {"images": [{"namespace": name, "name": "app", "tags": [{"name": "v1", "digest": DIGEST_A, "size": 10}]}]}
        )
        made[project] = (namespace["id"], seeded["images"][0], seeded["tags"][0])
    return made


def test_a_read_only_key_reads_its_project_and_nothing_else(emu, two_projects):
    _app, _policy, key = application_key(emu, "ContainerRegistryReadOnly", {"project_ids": [EXTRA_PROJECT]})
    secret = key["secret_key"]
    namespace_id, image_id, tag_id = two_projects[EXTRA_PROJECT]
    other_namespace, other_image, _other_tag = two_projects[ORG]

    listed = ok(registry(emu, "GET", "namespaces", secret))
    assert (listed["total_count"], [n["id"] for n in listed["namespaces"]]) == (1, [namespace_id])
    assert [i["id"] for i in ok(registry(emu, "GET", "images", secret))["images"]] == [image_id]
    for path in (f"namespaces/{namespace_id}", f"images/{image_id}", f"images/{image_id}/tags", f"tags/{tag_id}"):
        ok(registry(emu, "GET", path, secret))

    for method, path, body, action, resource in (
        ("GET", f"namespaces/{other_namespace}", None, "read", "namespace"),
        ("GET", f"images/{other_image}/tags", None, "read", "image"),
        ("GET", f"namespaces?project_id={ORG}", None, "read", "namespace"),
        ("PATCH", f"namespaces/{namespace_id}", {"is_public": True}, "write", "namespace"),
        ("PATCH", f"images/{image_id}", {"visibility": "public"}, "write", "image"),
        ("DELETE", f"tags/{tag_id}", None, "delete", "tag"),
        ("DELETE", f"namespaces/{namespace_id}", None, "delete", "namespace"),
        ("POST", "namespaces", namespace_payload("made-by-key", project_id=EXTRA_PROJECT), "write", "namespace"),
    ):
        response = registry(emu, method, path, secret, json=body)
        assert (response.status_code, response.json()) == (403, denied(action, resource)), (method, path)
    for method, path in (("GET", "applications"), ("POST", "api-keys"), ("DELETE", f"api-keys/{key['access_key']}")):
        response = iam(emu, method, path, key=secret, json={})
        action = {"GET": "read", "POST": "write", "DELETE": "delete"}[method]
        resource = "application" if path == "applications" else "api_key"
        assert (response.status_code, response.json()) == (403, denied(action, resource))
    assert emu.request_log()[-1]["organization_id"] == ORG
    assert emu.admin("GET", "state")["namespaces"][0]["is_public"] == 0  # nothing changed


def test_a_full_access_key_changes_its_project_only(emu, two_projects):
    _app, _policy, key = application_key(emu, "ContainerRegistryFullAccess", {"project_ids": [EXTRA_PROJECT]})
    secret = key["secret_key"]
    namespace_id, image_id, tag_id = two_projects[EXTRA_PROJECT]
    assert ok(registry(emu, "PATCH", f"namespaces/{namespace_id}", secret, json={"is_public": True}))["is_public"]
    assert (
        ok(registry(emu, "PATCH", f"images/{image_id}", secret, json={"visibility": "private"}))["visibility"]
        == "private"
    )
    assert ok(registry(emu, "DELETE", f"tags/{tag_id}", secret))["status"] == "deleting"
    ok(registry(emu, "POST", "namespaces", secret, json=namespace_payload("made-by-key", project_id=EXTRA_PROJECT)))
    refused = registry(emu, "POST", "namespaces", secret, json=namespace_payload("not-here", project_id=ORG))
    assert (refused.status_code, refused.json()) == (403, denied("write", "namespace"))
    refused = registry(emu, "DELETE", f"namespaces/{two_projects[ORG][0]}", secret)
    assert (refused.status_code, refused.json()) == (403, denied("delete", "namespace"))


def test_an_organization_wide_rule_covers_every_project_and_a_key_without_rights_lists_nothing(emu, two_projects):
    _app, _policy, wide = application_key(emu, "ContainerRegistryReadOnly", {"organization_id": ORG}, name="wide")
    assert ok(registry(emu, "GET", "namespaces", wide["secret_key"]))["total_count"] == 2
    _app, _policy, none = application_key(emu, "ObjectStorageFullAccess", {"organization_id": ORG}, name="none")
    response = registry(emu, "GET", "images", none["secret_key"])
    assert (response.status_code, response.json()) == (403, denied("read", "image"))


def test_a_policy_change_applies_to_the_next_request(emu, two_projects):
    _app, policy, key = application_key(emu, "ContainerRegistryReadOnly", {"project_ids": [EXTRA_PROJECT]})
    namespace_id = two_projects[EXTRA_PROJECT][0]
    patch = registry(emu, "PATCH", f"namespaces/{namespace_id}", key["secret_key"], json={"description": "x"})
    assert patch.status_code == 403
    rule = {"permission_set_names": ["ContainerRegistryFullAccess"], "project_ids": [EXTRA_PROJECT]}
    ok(iam(emu, "PUT", "rules", json={"policy_id": policy["id"], "rules": [rule]}))
    ok(registry(emu, "PATCH", f"namespaces/{namespace_id}", key["secret_key"], json={"description": "x"}))
    assert iam(emu, "DELETE", f"policies/{policy['id']}").status_code == 204
    assert registry(emu, "GET", "namespaces", key["secret_key"]).status_code == 403


# ---- the state: seeds, reset, --db, config ---------------------------------------------------


def test_iam_objects_can_be_seeded_and_a_reset_forgets_them(emu):
    seeded = emu.seed(
        {
            "applications": [{"id": "6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77", "organization_id": ORG, "name": "ci"}],
            "policies": [
                {
                    "organization_id": ORG,
                    "name": "ci",
                    "application_id": "6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77",
                    "rules": [{"permission_set_names": ["ContainerRegistryReadOnly"], "organization_id": ORG}],
                }
            ],
            "api_keys": [
                {
                    "organization_id": ORG,
                    "application_id": "6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77",
                    "access_key": "SCWSEEDED00000000000",
                    "secret_key": "77777777-7777-4777-8777-777777777777",
                    "expires_at": "2099-01-01T00:00:00Z",
                }
            ],
        }
    )
    assert seeded["applications"] == ["6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77"]
    assert seeded["api_keys"] == ["SCWSEEDED00000000000"]
    assert ok(iam(emu, "GET", "api-keys/SCWSEEDED00000000000"))["expires_at"] == "2099-01-01T00:00:00Z"
    assert registry(emu, "GET", "namespaces", "77777777-7777-4777-8777-777777777777").status_code == 200
    emu.reset()
    assert ok(iam(emu, "GET", "applications")) == {"applications": [], "total_count": 0}
    assert registry(emu, "GET", "namespaces", "77777777-7777-4777-8777-777777777777").status_code == 401


def test_the_iam_state_survives_a_restart_with_db(start_emulator, tmp_path):
    args = ("--db", str(tmp_path / "state.db"), "--secret-key", f"{KEY}:{ORG}")
    first = start_emulator(*args)
    _app, _policy, key = application_key(first, "ContainerRegistryReadOnly", {"organization_id": ORG})
    first.stop()
    second = start_emulator(*args)
    assert ok(iam(second, "GET", f"api-keys/{key['access_key']}"))["secret_key"] is None
    assert registry(second, "GET", "namespaces", key["secret_key"]).status_code == 200


@pytest.mark.parametrize("value", [-1, True, "1", None])
def test_the_clock_offset_is_a_non_negative_number(emu, value):
    response = requests.patch(f"{emu.url}/_emulator/config", json={"clock_offset": value}, timeout=10)
    assert (response.status_code, response.json()) == (
        400,
        {"message": "clock_offset must be a non-negative number of seconds"},
    )
    assert emu.admin("GET", "config")["clock_offset"] == 0
