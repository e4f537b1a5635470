# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.namespace, run in-process against the emulator: results, diffs and the exact requests."""

from __future__ import annotations

import os

import pytest

from ansible_collections.scaleway.registry.plugins.modules import namespace
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    ANY,
    SECRET_KEY,
    TIMESTAMP,
    UUID,
    Diff,
    Fields,
    Msg,
    Scenario,
    refused_before_any_request,
    refused_by_permissions,
    refused_region,
    run_scenario,
    scenarios,
    updated_diff,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    DATA,
    EVERYTHING,
    FIND_WEB,
    LOOK_UP_WEB,
    NS_DATA,
    NS_WEB,
    ORGANIZATION_ID,
    PROJECT_ID,
    SECOND_PROJECT_ID,
    THEIRS,
    WEB,
    seed,
)

FIND_NEW = "GET fr-par/namespaces?name=team-new -> 200"
CREATE = "POST fr-par/namespaces -> 200"
PATCH_WEB = f"PATCH fr-par/namespaces/{NS_WEB} -> 200"
DELETE_WEB = f"DELETE fr-par/namespaces/{NS_WEB} -> 200"
GONE_WEB = f"GET fr-par/namespaces/{NS_WEB} -> 404"

# The object the API returns for team-web as seeded (image_count and size depend on the seed).
WEB_AS_SEEDED = Fields(
    id=NS_WEB,
    name="team-web",
    description="Web team",
    is_public=False,
    project_id=PROJECT_ID,
    organization_id=ORGANIZATION_ID,
    status="ready",
    endpoint="rg.fr-par.scw.cloud/team-web",
    region="fr-par",
)
WEB_UNCHANGED = {"changed": False, "namespace": WEB_AS_SEEDED, "diff": Diff(WEB_AS_SEEDED, WEB_AS_SEEDED)}
NO_PROJECT = {"SCW_DEFAULT_PROJECT_ID": None}
FIND_DATA = "GET fr-par/namespaces?name=team-data -> 200"
NAME_TAKEN = Scenario(
    "refuses_a_name_taken_in_another_project_of_the_organization",
    args={"name": "team-data"},
    seed=EVERYTHING,
    requests=[FIND_DATA],
    failed={
        "msg": f"namespace team-data already exists in fr-par in project {SECOND_PROJECT_ID},"
        f" not in project {PROJECT_ID}: names are unique per region; choose another name,"
        f" or set project_id to {SECOND_PROJECT_ID}"
    },
)

SCENARIOS = scenarios(
    # Create
    Scenario(
        "creates_a_missing_namespace_with_the_options_given",
        args={"name": "team-new", "description": "New team", "is_public": True},
        seed=EVERYTHING,
        requests=[FIND_NEW, CREATE],
        result={
            "changed": True,
            "namespace": Fields(
                id=UUID,
                name="team-new",
                description="New team",
                is_public=True,
                project_id=PROJECT_ID,
                organization_id=ORGANIZATION_ID,
                status="ready",
                status_message="",
                endpoint="rg.fr-par.scw.cloud/team-new",
                size=0,
                image_count=0,
                created_at=TIMESTAMP,
                updated_at=TIMESTAMP,
                region="fr-par",
            ),
            "diff": Diff({}, Fields(id=UUID, name="team-new", description="New team", is_public=True)),
        },
    ),
    Scenario(
        "creates_a_private_namespace_with_no_description_when_they_are_not_set",
        args={"name": "team-new"},
        requests=[FIND_NEW, CREATE],
        result={
            "changed": True,
            "namespace": Fields(name="team-new", description="", is_public=False),
            "diff": Diff({}, Fields(name="team-new", description="", is_public=False)),
        },
    ),
    Scenario(
        "creates_in_the_project_of_the_project_id_option_over_the_environment",
        args={"name": "team-new", "project_id": SECOND_PROJECT_ID},
        requests=[FIND_NEW, CREATE],
        result={
            "changed": True,
            "namespace": Fields(name="team-new", project_id=SECOND_PROJECT_ID, organization_id=ORGANIZATION_ID),
            "diff": Diff({}, Fields(project_id=SECOND_PROJECT_ID)),
        },
    ),
    Scenario(
        "creates_in_the_default_project_of_the_organization_when_no_project_is_known",
        args={"name": "team-new", "organization_id": ORGANIZATION_ID},
        env=NO_PROJECT,
        requests=[FIND_NEW, CREATE],
        result={
            "changed": True,
            "namespace": Fields(name="team-new", project_id=ORGANIZATION_ID, organization_id=ORGANIZATION_ID),
            "diff": Diff({}, Fields(project_id=ORGANIZATION_ID)),
        },
    ),
    Scenario(
        "create_in_check_mode_predicts_the_namespace_without_what_only_the_api_knows",
        args={"name": "team-new", "description": "New team"},
        check_mode=True,
        requests=[FIND_NEW],
        result={
            "changed": True,
            "namespace": Fields(
                id=None,
                name="team-new",
                description="New team",
                is_public=False,
                project_id=PROJECT_ID,
                organization_id=None,
                status="ready",
                status_message="",
                endpoint=None,
                size=0,
                image_count=0,
                created_at=None,
                updated_at=None,
                region="fr-par",
            ),
            "diff": Diff({}, Fields(id=None, name="team-new")),
        },
    ),
    # No-op
    Scenario(
        "leaves_a_namespace_that_matches_alone_with_one_request",
        args={"name": "team-web", "description": "Web team", "is_public": False},
        seed=EVERYTHING,
        requests=[FIND_WEB],
        result=WEB_UNCHANGED,
    ),
    Scenario(
        "does_not_compare_the_options_left_out",
        args={"name": "team-data"},
        seed=EVERYTHING,
        requests=[FIND_DATA],
        env={"SCW_DEFAULT_PROJECT_ID": SECOND_PROJECT_ID},
        result={
            "changed": False,
            "namespace": Fields(id=NS_DATA, description="Data team", is_public=True),
            "diff": Diff(Fields(id=NS_DATA), Fields(id=NS_DATA)),
        },
    ),
    Scenario(
        "finds_the_namespace_in_the_region_given",
        args={"name": "team-ams", "region": "nl-ams", "description": ""},
        seed=EVERYTHING,
        requests=["GET nl-ams/namespaces?name=team-ams -> 200"],
        result={
            "changed": False,
            "namespace": Fields(name="team-ams", region="nl-ams", endpoint="rg.nl-ams.scw.cloud/team-ams"),
            "diff": Diff(Fields(name="team-ams"), Fields(name="team-ams")),
        },
    ),
    # Update
    Scenario(
        "updates_only_the_description_that_differs",
        args={"name": "team-web", "description": "Front-end team", "is_public": False},
        seed=EVERYTHING,
        requests=[FIND_WEB, PATCH_WEB],
        result={
            "changed": True,
            "namespace": Fields(id=NS_WEB, description="Front-end team", is_public=False),
            "diff": updated_diff({"description": "Web team"}, {"description": "Front-end team"}),
        },
    ),
    Scenario(
        "makes_a_private_namespace_public",
        args={"name": "team-web", "is_public": True},
        seed=EVERYTHING,
        requests=[FIND_WEB, PATCH_WEB],
        result={
            "changed": True,
            "namespace": Fields(id=NS_WEB, description="Web team", is_public=True),
            "diff": updated_diff({"is_public": False}, {"is_public": True}),
        },
    ),
    Scenario(
        "update_in_check_mode_predicts_the_change_and_keeps_updated_at",
        args={"name": "team-web", "description": "Front-end team", "is_public": True},
        seed=EVERYTHING,
        check_mode=True,
        requests=[FIND_WEB],
        result={
            "changed": True,
            "namespace": Fields(id=NS_WEB, description="Front-end team", is_public=True),
            "diff": Diff(
                Fields(description="Web team", is_public=False), Fields(description="Front-end team", is_public=True)
            ),
        },
    ),
    Scenario(
        "returns_no_diff_outside_diff_mode",
        args={"name": "team-web", "description": "Front-end team"},
        seed=EVERYTHING,
        diff=False,
        requests=[FIND_WEB, PATCH_WEB],
        result={"changed": True, "namespace": Fields(description="Front-end team")},
    ),
    Scenario(
        "manages_the_namespace_found_whatever_its_project_when_no_project_is_known",
        args={"name": "team-data", "description": "ETL team"},
        seed=EVERYTHING,
        env=NO_PROJECT,
        requests=[FIND_DATA, f"PATCH fr-par/namespaces/{NS_DATA} -> 200"],
        result={
            "changed": True,
            "namespace": Fields(id=NS_DATA, description="ETL team", project_id=SECOND_PROJECT_ID),
            "diff": updated_diff({"description": "Data team"}, {"description": "ETL team"}),
        },
    ),
    # Delete
    Scenario(
        "deletes_an_empty_namespace_and_waits_until_it_is_gone",
        args={"name": "team-web", "state": "absent"},
        seed=seed(WEB),
        requests=[FIND_WEB, DELETE_WEB, GONE_WEB],
        result={"changed": True, "namespace": None, "diff": Diff(Fields(id=NS_WEB, name="team-web"), {})},
    ),
    Scenario(
        "deletes_a_namespace_with_images_and_polls_until_it_is_gone",
        args={"name": "team-web", "state": "absent"},
        seed=EVERYTHING,
        config={"deleting_polls": 1},  # the one read that shows it deleting costs the wait a 1 s sleep
        requests=[FIND_WEB, DELETE_WEB, f"GET fr-par/namespaces/{NS_WEB} -> 200", GONE_WEB],
        result={"changed": True, "namespace": None, "diff": Diff(WEB_AS_SEEDED, {})},
    ),
    Scenario(
        "delete_without_wait_returns_the_namespace_being_deleted",
        args={"name": "team-web", "state": "absent", "wait": False},
        seed=EVERYTHING,
        config={"deleting_polls": 1},
        requests=[FIND_WEB, DELETE_WEB],
        result={
            "changed": True,
            "namespace": Fields(id=NS_WEB, status="deleting"),
            "diff": updated_diff({"status": "ready"}, {"status": "deleting"}),
        },
    ),
    Scenario(
        "delete_in_check_mode_predicts_it_and_sends_no_delete",
        args={"name": "team-web", "state": "absent"},
        seed=EVERYTHING,
        check_mode=True,
        requests=[FIND_WEB],
        result={"changed": True, "namespace": None, "diff": Diff(WEB_AS_SEEDED, {})},
    ),
    Scenario(
        "delete_of_a_missing_namespace_is_no_change",
        args={"name": "team-new", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_NEW],
        result={"changed": False, "namespace": None, "diff": Diff({}, {})},
    ),
    Scenario(
        "does_not_delete_a_namespace_again_while_it_is_being_deleted",
        args={"name": "team-web", "state": "absent", "wait": False},
        seed=seed(dict(WEB, status="deleting")),
        requests=[FIND_WEB],
        result={
            "changed": False,
            "namespace": Fields(id=NS_WEB, status="deleting"),
            "diff": Diff(Fields(status="deleting"), Fields(status="deleting")),
        },
    ),
    Scenario(
        "leaves_the_namespace_of_another_project_alone_on_delete",
        args={"name": "team-data", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_DATA],
        result={"changed": False, "namespace": None, "diff": Diff({}, {})},
    ),
    # A namespace being deleted
    Scenario(
        "creates_the_namespace_again_once_its_delete_is_over",
        args={"name": "team-web", "description": "Web team"},
        seed=EVERYTHING,
        config={"deleting_polls": 1},
        before=[("DELETE", f"fr-par/namespaces/{NS_WEB}")],
        requests=[FIND_WEB, GONE_WEB, CREATE],
        result={
            "changed": True,
            "namespace": Fields(id=UUID, name="team-web", status="ready", image_count=0),
            "diff": Diff(
                Fields(id=NS_WEB, status="deleting", image_count=2, size=ANY, created_at=ANY, updated_at=ANY),
                Fields(id=UUID, status="ready", image_count=0, size=0, created_at=TIMESTAMP, updated_at=TIMESTAMP),
            ),
        },
    ),
    Scenario(
        "fails_on_a_namespace_being_deleted_when_told_not_to_wait",
        args={"name": "team-web", "wait": False},
        seed=EVERYTHING,
        config={"deleting_polls": 1},
        before=[("DELETE", f"fr-par/namespaces/{NS_WEB}")],
        requests=[FIND_WEB],
        failed={
            "msg": "namespace team-web in fr-par is being deleted; run again once it is gone, or set wait: true"
            " to wait for it"
        },
    ),
    # Errors
    NAME_TAKEN,
    NAME_TAKEN.variant("refuses_a_name_taken_in_another_project_in_check_mode_too", seed=seed(DATA), check_mode=True),
    Scenario(
        "reports_a_name_taken_by_another_organization_when_the_create_is_refused",
        args={"name": "their-ns"},
        seed=seed(THEIRS),
        requests=["GET fr-par/namespaces?name=their-ns -> 200", "POST fr-par/namespaces -> 400"],
        failed={
            "msg": f"namespace their-ns already exists in fr-par outside project {PROJECT_ID}:"
            " names are unique per region across all Scaleway organizations; choose another name"
        },
    ),
    Scenario(
        "fails_to_create_when_no_project_is_known",
        args={"name": "team-new"},
        env=NO_PROJECT,
        requests=[FIND_NEW],
        failed={
            "msg": "cannot create namespace team-new: no project is known; set project_id, or the"
            " SCW_DEFAULT_PROJECT_ID environment variable, or default_project_id in the scw config"
        },
    ),
    refused_before_any_request(
        "refuses_a_name_the_api_would_refuse_before_any_request",
        {"name": "Team_Web"},
        "namespace name 'Team_Web' may only hold lowercase letters, digits and single hyphens between them",
    ),
    refused_before_any_request(
        "refuses_a_name_too_short_before_any_request",
        {"name": "web"},
        "namespace name 'web' must be 4 to 54 characters long",
    ),
    refused_region(
        {"name": "team-web"},
        "from the region option is not a Scaleway Container Registry region; use one of fr-par, nl-ams, pl-waw",
    ),
    # The message says where the key came from: the secret_key option (DENIED).
    refused_by_permissions(
        {"name": "team-web"},
        EVERYTHING,
        LOOK_UP_WEB,
        "namespace",
        name="reports_a_permission_refusal_with_where_the_key_came_from",
    ),
    Scenario(
        "reports_an_unknown_secret_key",
        args={"name": "team-web", "secret_key": "55555555-5555-4555-8555-555555555555"},
        requests=["GET fr-par/namespaces?name=team-web -> 401"],
        failed={
            "msg": Msg(
                "authentication is denied (HTTP 401, denied_authentication, request id {id}): the Scaleway"
                " API refused the secret key from the secret_key option; check that it is right and"
                " still valid"
            ),
            "api_error": {
                "status": 401,
                "type": "denied_authentication",
                "message": "authentication is denied",
                "details": None,
                "request_id": UUID,
            },
        },
    ),
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_namespace(emulator, scenario):
    run_scenario(emulator, namespace.main, scenario)


def test_namespace_warns_when_the_scw_config_that_holds_a_key_is_readable_by_others(emulator, tmp_path):
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"secret_key: {SECRET_KEY}\n")
    os.chmod(str(config_file), 0o644)
    run_scenario(
        emulator,
        namespace.main,
        Scenario(
            "warns_when_the_scw_config_that_holds_a_key_is_readable_by_others",
            args={"name": "team-web"},
            env={"SCW_CONFIG_PATH": str(config_file)},
            seed=seed(WEB),
            requests=[FIND_WEB],
            result=WEB_UNCHANGED,
            warnings=[
                f"scw config file {config_file} holds a secret key and is readable by others (mode 0644);"
                f" run chmod 600 {config_file}"
            ],
        ),
    )
