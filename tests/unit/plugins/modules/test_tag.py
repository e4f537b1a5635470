# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.tag, run in-process against the emulator: results, diffs and the exact requests."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.modules import tag
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    UUID,
    Diff,
    Fields,
    Msg,
    Scenario,
    refused_as_another_organizations,
    refused_before_any_request,
    refused_by_permissions,
    run_scenario,
    scenarios,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    DIGEST_1,
    DIGEST_2,
    EVERYTHING,
    FIND_APP,
    FIND_GONE,
    FIND_NOPE,
    FIND_WEB,
    IMG_APP,
    MISSING_ID,
    TAG_LATEST,
    TAG_SECRET,
    TAG_V1,
    TAG_V2,
)

LIST_APP_TAGS = f"GET fr-par/images/{IMG_APP}/tags?page=1&page_size=100 -> 200"


def find_tag(name):
    return f"GET fr-par/images/{IMG_APP}/tags?name={name} -> 200"


V1_BY_NAME = {"namespace": "team-web", "image": "app", "name": "v1"}
V2_BY_NAME = {"namespace": "team-web", "image": "app", "name": "v2"}
V1 = Fields(id=TAG_V1, name="v1", image_id=IMG_APP, status="ready", digest=DIGEST_1, region="fr-par")
V2 = Fields(id=TAG_V2, name="v2", image_id=IMG_APP, status="ready", digest=DIGEST_2, region="fr-par")
LATEST_TAG = Fields(id=TAG_LATEST, name="latest", digest=DIGEST_2, status="ready", region="fr-par")
ALL_TAGS = {"tags": {"v1": DIGEST_1, "v2": DIGEST_2, "latest": DIGEST_2}}
DELETE_V1 = [f"DELETE fr-par/tags/{TAG_V1} -> 200", f"GET fr-par/tags/{TAG_V1} -> 404"]
V1_FOUND = {
    "changed": False,
    "tag": V1,
    "deleted_tags": [],
    "diff": Diff({"tags": {"v1": DIGEST_1}}, {"tags": {"v1": DIGEST_1}}),
}
V1_DELETED = {
    "changed": True,
    "tag": None,
    "deleted_tags": [V1],
    "diff": Diff(ALL_TAGS, {"tags": {"v2": DIGEST_2, "latest": DIGEST_2}}),
}
V2_AND_LATEST_DELETED = {
    "changed": True,
    "tag": None,
    "deleted_tags": [V2, LATEST_TAG],
    "diff": Diff(ALL_TAGS, {"tags": {"v1": DIGEST_1}}),
}
NOTHING_DELETED = {"changed": False, "tag": None, "deleted_tags": [], "diff": Diff({"tags": {}}, {"tags": {}})}
SHARED_DIGEST = Scenario(
    "refuses_to_delete_a_tag_whose_digest_another_tag_has_and_names_it",
    args=dict(V2_BY_NAME, state="absent"),
    seed=EVERYTHING,
    requests=[FIND_WEB, FIND_APP, find_tag("v2"), LIST_APP_TAGS],
    failed={
        "msg": f"tag v2 of image app in namespace team-web shares digest {DIGEST_2} with latest:"
        " deleting it deletes its manifest, and them with it; set force: true to delete them all"
    },
)

SCENARIOS = scenarios(
    # state: present reads
    Scenario(
        "finds_an_existing_tag_and_changes_nothing",
        args=V1_BY_NAME,
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, find_tag("v1")],
        result=V1_FOUND,
    ),
    Scenario(
        "finds_a_tag_by_id_with_one_request",
        args={"id": TAG_V1},
        seed=EVERYTHING,
        requests=[f"GET fr-par/tags/{TAG_V1} -> 200"],
        result=V1_FOUND,
    ),
    Scenario(
        "finds_a_tag_of_an_image_given_by_id_without_looking_the_image_up",
        args={"image": IMG_APP, "name": "v1"},
        seed=EVERYTHING,
        requests=[find_tag("v1")],
        result=V1_FOUND,
    ),
    # Delete
    Scenario(
        "deletes_a_tag_whose_digest_no_other_tag_has",
        args=dict(V1_BY_NAME, state="absent"),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, find_tag("v1"), LIST_APP_TAGS, *DELETE_V1],
        result=V1_DELETED,
    ),
    Scenario(
        "deletes_a_tag_given_by_id",
        args={"id": TAG_V1, "state": "absent"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/tags/{TAG_V1} -> 200", LIST_APP_TAGS, *DELETE_V1],
        result=V1_DELETED,
    ),
    Scenario(
        "delete_without_wait_returns_the_tag_being_deleted",
        args=dict(V1_BY_NAME, state="absent", wait=False),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, find_tag("v1"), LIST_APP_TAGS, f"DELETE fr-par/tags/{TAG_V1} -> 200"],
        result=dict(V1_DELETED, tag=Fields(id=TAG_V1, status="deleting")),
    ),
    Scenario(
        "delete_in_check_mode_predicts_what_goes_and_sends_no_delete",
        args=dict(V1_BY_NAME, state="absent"),
        seed=EVERYTHING,
        check_mode=True,
        requests=[FIND_WEB, FIND_APP, find_tag("v1"), LIST_APP_TAGS],
        result=V1_DELETED,
    ),
    SHARED_DIGEST,
    SHARED_DIGEST.variant("refuses_a_shared_digest_in_check_mode_too", check_mode=True),
    Scenario(
        "deletes_every_tag_of_the_digest_with_force",
        args=dict(V2_BY_NAME, state="absent", force=True),
        seed=EVERYTHING,
        requests=[
            FIND_WEB,
            FIND_APP,
            find_tag("v2"),
            LIST_APP_TAGS,
            f"DELETE fr-par/tags/{TAG_V2}?force=true -> 200",
            f"GET fr-par/tags/{TAG_V2} -> 404",
        ],
        result=V2_AND_LATEST_DELETED,
    ),
    Scenario(
        "force_in_check_mode_predicts_every_tag_of_the_digest",
        args=dict(V2_BY_NAME, state="absent", force=True),
        seed=EVERYTHING,
        check_mode=True,
        requests=[FIND_WEB, FIND_APP, find_tag("v2"), LIST_APP_TAGS],
        result=V2_AND_LATEST_DELETED,
    ),
    Scenario(
        "force_sends_no_force_when_no_other_tag_has_the_digest",
        args=dict(V1_BY_NAME, state="absent", force=True),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, find_tag("v1"), LIST_APP_TAGS, *DELETE_V1],
        result=V1_DELETED,
    ),
    Scenario(
        "delete_of_a_missing_tag_is_no_change",
        args={"namespace": "team-web", "image": "app", "name": "v9", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, find_tag("v9")],
        result=NOTHING_DELETED,
    ),
    Scenario(
        "delete_of_a_tag_of_a_missing_image_is_no_change",
        args={"namespace": "team-web", "image": "nope", "name": "v1", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_NOPE],
        result=NOTHING_DELETED,
    ),
    Scenario(
        "delete_of_a_tag_in_a_missing_namespace_is_no_change_with_one_request",
        args={"namespace": "team-gone", "image": "app", "name": "v1", "state": "absent"},
        seed=EVERYTHING,
        requests=[FIND_GONE],
        result=NOTHING_DELETED,
    ),
    Scenario(
        "delete_of_a_missing_tag_id_is_no_change",
        args={"id": MISSING_ID, "state": "absent"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/tags/{MISSING_ID} -> 404"],
        result=NOTHING_DELETED,
    ),
    # Errors
    Scenario(
        "fails_on_a_missing_tag_as_tags_are_created_by_pushing_them",
        args={"namespace": "team-web", "image": "app", "name": "v9"},
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, find_tag("v9")],
        failed={
            "msg": "tag v9 of image app in namespace team-web does not exist in fr-par: tags are created by"
            " pushing them, not by this module"
        },
    ),
    Scenario(
        "fails_on_a_tag_in_a_missing_namespace",
        args={"namespace": "team-gone", "image": "app", "name": "v1"},
        seed=EVERYTHING,
        requests=[FIND_GONE],
        failed={
            "msg": "tag v1 of image app in namespace team-gone does not exist in fr-par: tags are created by"
            " pushing them, not by this module"
        },
    ),
    Scenario(
        "reports_the_refusal_of_a_tag_whose_digest_was_pushed_again_meanwhile",
        args=dict(V1_BY_NAME, state="absent"),
        seed=EVERYTHING,
        config={"pushes_before_tag_delete": 1},
        requests=[FIND_WEB, FIND_APP, find_tag("v1"), LIST_APP_TAGS, f"DELETE fr-par/tags/{TAG_V1} -> 412"],
        failed={
            "msg": Msg(
                f"precondition is not respected: tags pushed-during-delete-of-v1, v1 share digest {DIGEST_1}; set"
                " force=true to delete them all (HTTP 412, precondition_failed, request id {id})"
            ),
            "api_error": {
                "status": 412,
                "type": "precondition_failed",
                "message": "precondition is not respected: tags pushed-during-delete-of-v1, v1 share"
                f" digest {DIGEST_1}; set force=true to delete them all",
                "details": None,
                "request_id": UUID,
            },
        },
    ),
    refused_by_permissions({"id": TAG_V1, "state": "absent"}, EVERYTHING, f"GET fr-par/tags/{TAG_V1}", "tag"),
    refused_as_another_organizations(
        "reports_the_tag_of_another_organization_as_refused_not_missing",
        {"id": TAG_SECRET, "state": "absent"},
        EVERYTHING,
        f"GET fr-par/tags/{TAG_SECRET}",
        "tag",
    ),
    refused_before_any_request(
        "refuses_an_image_name_without_its_namespace_before_any_request",
        {"image": "app", "name": "v1", "state": "absent"},
        "image app is a name: give its namespace too, or give the image's ID",
    ),
    refused_before_any_request(
        "refuses_an_id_with_a_name_before_any_request",
        {"id": TAG_V1, "name": "v1"},
        "parameters are mutually exclusive: id|name",
    ),
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tag(emulator, scenario):
    run_scenario(emulator, tag.main, scenario)
