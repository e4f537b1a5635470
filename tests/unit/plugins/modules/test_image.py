# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.image, run in-process against the emulator: results, diffs and the exact requests."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.modules import image
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    UUID,
    Diff,
    Fields,
    Msg,
    Scenario,
    refused_as_another_organizations,
    refused_before_any_request,
    refused_by_permissions,
    refused_not_a_uuid,
    run_scenario,
    scenarios,
    updated_diff,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    APP,
    EVERYTHING,
    FIND_APP,
    FIND_GONE,
    FIND_NOPE,
    FIND_WEB,
    IMG_AMS_APP,
    IMG_APP,
    IMG_CLI,
    IMG_SECRET,
    LOOK_UP_WEB,
    MISSING_ID,
    NS_AMS,
    NS_WEB,
    WEB,
    seed,
)

GET_APP = f"GET fr-par/images/{IMG_APP} -> 200"
PATCH_APP = f"PATCH fr-par/images/{IMG_APP} -> 200"
DELETE_APP = f"DELETE fr-par/images/{IMG_APP} -> 200"
GONE_APP = f"GET fr-par/images/{IMG_APP} -> 404"

APP_BY_NAME = {"namespace": "team-web", "name": "app"}
APP_AS_SEEDED = Fields(
    id=IMG_APP,
    name="app",
    namespace_id=NS_WEB,
    status="ready",
    visibility="inherit",
    tags=["latest", "v1", "v2"],
    namespace="team-web",
    region="fr-par",
)
# Found by ID, the image's namespace is not looked up, so its name is not known.
APP_BY_ID = Fields(id=IMG_APP, name="app", namespace_id=NS_WEB, namespace=None, region="fr-par")
APP_UNCHANGED = {"changed": False, "image": APP_AS_SEEDED, "diff": Diff(APP_AS_SEEDED, APP_AS_SEEDED)}
NO_IMAGE = {"changed": False, "image": None, "diff": Diff({}, {})}

SCENARIOS = scenarios(
    # No-op
    Scenario(
        "leaves_an_image_with_that_visibility_alone",
        args=dict(APP_BY_NAME, visibility="inherit"),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP],
        result=APP_UNCHANGED,
    ),
    Scenario(
        "returns_the_image_unchanged_when_no_visibility_is_given",
        args=APP_BY_NAME,
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP],
        result=APP_UNCHANGED,
    ),
    Scenario(
        "finds_an_image_whose_name_holds_a_slash",
        args={"namespace": "team-web", "name": "tools/cli", "visibility": "public"},
        seed=EVERYTHING,
        requests=[FIND_WEB, f"GET fr-par/images?name=tools%2Fcli&namespace_id={NS_WEB} -> 200"],
        result={
            "changed": False,
            "image": Fields(id=IMG_CLI, name="tools/cli", visibility="public"),
            "diff": Diff(Fields(id=IMG_CLI), Fields(id=IMG_CLI)),
        },
    ),
    Scenario(
        "finds_an_image_by_the_id_of_its_namespace",
        args={"namespace": NS_WEB, "name": "app"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/namespaces/{NS_WEB} -> 200", FIND_APP],
        result=APP_UNCHANGED,
    ),
    Scenario(
        "finds_an_image_in_the_region_given",
        args={"namespace": "team-ams", "name": "app", "region": "nl-ams", "visibility": "inherit"},
        seed=EVERYTHING,
        requests=[
            "GET nl-ams/namespaces?name=team-ams -> 200",
            f"GET nl-ams/images?name=app&namespace_id={NS_AMS} -> 200",
        ],
        result={
            "changed": False,
            "image": Fields(id=IMG_AMS_APP, namespace="team-ams", region="nl-ams"),
            "diff": Diff(Fields(id=IMG_AMS_APP), Fields(id=IMG_AMS_APP)),
        },
    ),
    # Update
    Scenario(
        "makes_an_image_public",
        args=dict(APP_BY_NAME, visibility="public"),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, PATCH_APP],
        result={
            "changed": True,
            "image": Fields(id=IMG_APP, visibility="public", namespace="team-web"),
            "diff": updated_diff({"visibility": "inherit"}, {"visibility": "public"}),
        },
    ),
    Scenario(
        "makes_an_image_found_by_id_private_with_two_requests",
        args={"id": IMG_APP, "visibility": "private"},
        seed=EVERYTHING,
        requests=[GET_APP, PATCH_APP],
        result={
            "changed": True,
            "image": Fields(id=IMG_APP, visibility="private", namespace=None),
            "diff": updated_diff({"visibility": "inherit"}, {"visibility": "private"}),
        },
    ),
    Scenario(
        "visibility_change_in_check_mode_predicts_it_and_keeps_updated_at",
        args=dict(APP_BY_NAME, visibility="private"),
        seed=EVERYTHING,
        check_mode=True,
        requests=[FIND_WEB, FIND_APP],
        result={
            "changed": True,
            "image": Fields(id=IMG_APP, visibility="private"),
            "diff": Diff(Fields(visibility="inherit"), Fields(visibility="private")),
        },
    ),
    Scenario(
        "returns_no_diff_outside_diff_mode",
        args=dict(APP_BY_NAME, visibility="public"),
        seed=EVERYTHING,
        diff=False,
        requests=[FIND_WEB, FIND_APP, PATCH_APP],
        result={"changed": True, "image": Fields(visibility="public")},
    ),
    # Delete
    Scenario(
        "deletes_an_image_with_its_tags_and_waits_until_it_is_gone",
        args=dict(APP_BY_NAME, state="absent"),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, DELETE_APP, GONE_APP],
        result={"changed": True, "image": None, "diff": Diff(APP_AS_SEEDED, {})},
    ),
    Scenario(
        "delete_by_id_without_wait_returns_the_image_being_deleted",
        args={"id": IMG_APP, "state": "absent", "wait": False},
        seed=EVERYTHING,
        config={"deleting_polls": 1},
        requests=[GET_APP, DELETE_APP],
        result={
            "changed": True,
            "image": Fields(id=IMG_APP, status="deleting", namespace=None),
            "diff": updated_diff({"status": "ready"}, {"status": "deleting"}),
        },
    ),
    Scenario(
        "delete_in_check_mode_predicts_it_and_sends_no_delete",
        args=dict(APP_BY_NAME, state="absent"),
        seed=EVERYTHING,
        check_mode=True,
        requests=[FIND_WEB, FIND_APP],
        result={"changed": True, "image": None, "diff": Diff(APP_AS_SEEDED, {})},
    ),
    Scenario(
        "delete_of_a_missing_image_is_no_change",
        args={"namespace": "team-web", "name": "nope", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_NOPE],
        result=NO_IMAGE,
    ),
    Scenario(
        "delete_in_a_missing_namespace_is_no_change_with_one_request",
        args={"namespace": "team-gone", "name": "app", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_GONE],
        result=NO_IMAGE,
    ),
    Scenario(
        "delete_of_a_missing_image_id_is_no_change",
        args={"id": MISSING_ID, "state": "absent"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/images/{MISSING_ID} -> 404"],
        result=NO_IMAGE,
    ),
    Scenario(
        "does_not_delete_an_image_again_while_it_is_being_deleted",
        args=dict(APP_BY_NAME, state="absent", wait=False),
        seed=seed(WEB, dict(APP, status="deleting")),
        requests=[FIND_WEB, FIND_APP],
        result={
            "changed": False,
            "image": Fields(id=IMG_APP, status="deleting"),
            "diff": Diff(Fields(status="deleting"), Fields(status="deleting")),
        },
    ),
    # Errors
    Scenario(
        "fails_on_a_missing_image_and_names_the_push_that_creates_it",
        args={"namespace": "team-web", "name": "nope", "visibility": "public"},
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_NOPE],
        failed={
            "msg": "image nope in namespace team-web of fr-par does not exist: images are created by pushing them"
            " (docker push rg.fr-par.scw.cloud/team-web/nope:TAG), not by this module"
        },
    ),
    Scenario(
        "fails_on_a_missing_image_id",
        args={"id": MISSING_ID},
        seed=EVERYTHING,
        requests=[f"GET fr-par/images/{MISSING_ID} -> 404"],
        failed={"msg": f"image {MISSING_ID} in fr-par does not exist"},
    ),
    Scenario(
        "fails_on_a_missing_namespace",
        args={"namespace": "team-gone", "name": "app", "visibility": "public"},
        seed=EVERYTHING,
        requests=[FIND_GONE],
        failed={"msg": "namespace team-gone does not exist in fr-par"},
    ),
    Scenario(
        "fails_on_an_image_being_deleted",
        args=dict(APP_BY_NAME, visibility="public"),
        seed=seed(WEB, dict(APP, status="deleting")),
        requests=[FIND_WEB, FIND_APP],
        failed={"msg": "image app in namespace team-web of fr-par is being deleted"},
    ),
    refused_by_permissions(dict(APP_BY_NAME, visibility="public"), EVERYTHING, LOOK_UP_WEB, "namespace"),
    refused_as_another_organizations(
        "reports_the_image_of_another_organization_as_refused_not_missing",
        {"id": IMG_SECRET, "state": "absent"},
        EVERYTHING,
        f"GET fr-par/images/{IMG_SECRET}",
        "image",
    ),
    Scenario(
        "reports_a_locked_image_that_refuses_the_change",
        args=dict(APP_BY_NAME, visibility="public"),
        seed=seed(WEB, dict(APP, status="locked")),
        requests=[FIND_WEB, FIND_APP, f"PATCH fr-par/images/{IMG_APP} -> 403"],
        failed={
            "msg": Msg(
                "resource is locked (HTTP 403, locked, request id {id}): Scaleway has locked it (or the account);"
                " the Scaleway console or support says why"
            ),
            "api_error": {
                "status": 403,
                "type": "locked",
                "message": "resource is locked",
                "details": None,
                "request_id": UUID,
            },
        },
    ),
    refused_before_any_request(
        "refuses_a_name_without_its_namespace_before_any_request",
        {"name": "app"},
        "parameters are required together: namespace, name",
    ),
    refused_not_a_uuid("refuses_an_id_that_is_not_a_uuid_before_any_request", "id", "app"),
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_image(emulator, scenario):
    run_scenario(emulator, image.main, scenario)
