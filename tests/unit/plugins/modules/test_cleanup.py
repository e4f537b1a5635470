# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.cleanup, run in-process against the emulator: plans, results, diffs and the exact requests.

The listing is concurrent (a region's namespaces and images at once, then every image's tags at once), and so
are the deletes: Concurrently(...) groups say which requests may come in any order.
"""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.modules import cleanup
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    NOT_AN_INFO_REGION,
    Concurrently,
    Like,
    Msg,
    Scenario,
    denied,
    refused_before_any_request,
    refused_region,
    run_scenario,
    scenarios,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    AMS,
    DIGEST_1,
    DIGEST_2,
    DIGEST_3,
    EVERYTHING,
    IMG_AMS_APP,
    IMG_APP,
    IMG_CLI,
    IMG_ETL,
    NS_AMS,
    NS_DATA,
    NS_WEB,
    TAG_AMS_V1,
    TAG_CLI,
    TAG_LATEST,
    TAG_V1,
    TAG_V2,
    WEB,
    image,
    seed,
    tag,
)


def listing(region="fr-par", status=200):
    """The two requests that list a region's namespaces and images, sent at the same time."""
    return [
        f"GET {region}/namespaces?page=1&page_size=100 -> {status}",
        f"GET {region}/images?page=1&page_size=100 -> {status}",
    ]


def tags_of(image_id, region="fr-par"):
    return f"GET {region}/images/{image_id}/tags?page=1&page_size=100 -> 200"


def delete(tag_id, status=200, force=False, region="fr-par"):
    return "DELETE {}/tags/{}{} -> {}".format(region, tag_id, "?force=true" if force else "", status)


def item(tag_name, digest, day, action, reason, image_name="app", namespace="team-web", region="fr-par"):
    """A plan item, as the module returns it, for a tag created on that day of January 2026 (seeds.tag)."""
    return {
        "region": region,
        "namespace": namespace,
        "image": image_name,
        "tag": tag_name,
        "digest": digest,
        "created_at": f"2026-01-{day:02d}T00:00:00.000000Z",
        "action": action,
        "reason": reason,
    }


WEB_IN_SCOPE = {"region": "fr-par", "id": NS_WEB, "name": "team-web"}
DATA_IN_SCOPE = {"region": "fr-par", "id": NS_DATA, "name": "team-data"}
LIST_FR_PAR = Concurrently(*listing())
APP_ONLY = {"namespaces": ["team-web"], "images": ["app"]}

# keep_last: 1 on team-web/app: latest is the newest; v2 shares its digest; v1 goes, alone with its digest.
KEEP_LAST_PLAN = [
    item("latest", DIGEST_2, 3, "keep", "keep_last: one of the 1 newest"),
    item("v2", DIGEST_2, 2, "keep", "digest: latest, which is kept, carries the same digest"),
    item("v1", DIGEST_1, 1, "delete", "not among the 1 newest"),
]
KEEP_LAST_DIFF = "\n".join(
    [
        "fr-par/team-web/app: delete 1, keep 2",
        "  latest  2026-01-03 00:00  222222222222  keep_last: one of the 1 newest",
        "  v2      2026-01-02 00:00  222222222222  digest: latest, which is kept, carries the same digest",
        "- v1      2026-01-01 00:00  111111111111  not among the 1 newest",
    ]
)
KEEP_LAST = Scenario(
    "deletes_the_tags_that_keep_last_does_not_hold_one_request_each",
    args=dict(APP_ONLY, keep_last=1),
    seed=EVERYTHING,
    requests=[LIST_FR_PAR, tags_of(IMG_APP), delete(TAG_V1)],
    result={
        "changed": True,
        "msg": "deleted 1 tag of 1 image, kept 2",
        "plan": KEEP_LAST_PLAN,
        "deleted": 1,
        "kept": 2,
        "freed_bytes": 0,
        "references_ignored": 0,
        "namespaces_in_scope": [WEB_IN_SCOPE],
        "diff": {"prepared": KEEP_LAST_DIFF},
    },
)

# keep_tags: v1 on team-web/app: latest and v2 share a digest and both go, so one forced delete takes them, after
# the image's tags are listed again to see that no push changed that digest's tags.
FORCED_PLAN = [
    item("latest", DIGEST_2, 3, "delete", "held by no keep rule"),
    item("v2", DIGEST_2, 2, "delete", "held by no keep rule"),
    item("v1", DIGEST_1, 1, "keep", "keep_tags: matches v1"),
]
FORCED = Scenario(
    "deletes_a_digest_group_once_with_force_after_listing_the_image_tags_again",
    args=dict(APP_ONLY, keep_tags=["v1"]),
    seed=EVERYTHING,
    diff=False,
    requests=[LIST_FR_PAR, tags_of(IMG_APP), tags_of(IMG_APP), delete(TAG_LATEST, force=True)],
    result={
        "changed": True,
        "msg": "deleted 2 tags of 1 image, kept 1",
        "plan": FORCED_PLAN,
        "deleted": 2,
        "kept": 1,
        "freed_bytes": 0,
        "references_ignored": 0,
        "namespaces_in_scope": [WEB_IN_SCOPE],
    },
)

# Everything of fr-par, with keep_last: 5: no image has more than three tags.
EVERY_TAG_KEPT = [
    item("nightly", "sha256:" + "4" * 64, 5, "keep", "keep_last: one of the 5 newest", "etl", "team-data"),
    item("latest", DIGEST_2, 3, "keep", "keep_last: one of the 5 newest"),
    item("v2", DIGEST_2, 2, "keep", "keep_last: one of the 5 newest"),
    item("v1", DIGEST_1, 1, "keep", "keep_last: one of the 5 newest"),
    item("1.0", DIGEST_3, 4, "keep", "keep_last: one of the 5 newest", "tools/cli"),
]
NOTHING_TO_DELETE = Scenario(
    "deletes_nothing_when_every_tag_is_kept_and_lists_each_image_tags_once",
    args={"keep_last": 5},
    seed=EVERYTHING,
    requests=[LIST_FR_PAR, Concurrently(tags_of(IMG_APP), tags_of(IMG_CLI), tags_of(IMG_ETL))],
    result={
        "changed": False,
        "msg": "nothing to delete, 5 tags of 3 images kept",
        "plan": EVERY_TAG_KEPT,
        "deleted": 0,
        "kept": 5,
        "freed_bytes": 0,
        "references_ignored": 0,
        "namespaces_in_scope": [DATA_IN_SCOPE, WEB_IN_SCOPE],
        "diff": {"prepared": "keep every tag: fr-par/team-data/etl, fr-par/team-web/app, fr-par/team-web/tools/cli"},
    },
)

# One image with a tag of 2020 and one of 2099: older_than can tell them apart whatever today is.
OLD_DIGEST, NEW_DIGEST = "sha256:" + "6" * 64, "sha256:" + "7" * 64
AGED = seed(
    WEB,
    image(
        IMG_APP,
        "team-web",
        "app",
        tags=[
            dict(tag(TAG_V1, "old", OLD_DIGEST, 1), created_at="2020-01-01T00:00:00Z"),
            dict(tag(TAG_V2, "new", NEW_DIGEST, 1), created_at="2099-01-01T00:00:00Z"),
        ],
    ),
)


def aged_item(tag_name, action, reason):
    year, digest = ("2020", OLD_DIGEST) if tag_name == "old" else ("2099", NEW_DIGEST)
    return dict(item(tag_name, digest, 1, action, reason), created_at=f"{year}-01-01T00:00:00.000000Z")


# A push between the listing and a single-tag delete: the API refuses it (412), and the tag is kept.
RACE = KEEP_LAST.variant(
    "keeps_a_tag_whose_digest_gained_a_tag_since_the_listing_when_the_api_refuses_its_delete",
    config={"pushes_before_tag_delete": 1},
    diff=False,
    requests=[LIST_FR_PAR, tags_of(IMG_APP), delete(TAG_V1, status=412)],
    result={
        "changed": False,
        "msg": "nothing deleted, 3 tags of 1 image kept (1 planned delete called off by a push since the listing)",
        "plan": [
            *KEEP_LAST_PLAN[:2],
            dict(KEEP_LAST_PLAN[2], action="keep", reason="digest: another tag carries it since the listing"),
        ],
        "deleted": 0,
        "kept": 3,
        "freed_bytes": 0,
        "references_ignored": 0,
        "namespaces_in_scope": [WEB_IN_SCOPE],
    },
)

# Cleanup of a namespace name that no namespace has: the listing shows the typo before any tag is listed.
TYPO = Scenario(
    "fails_on_a_namespace_name_that_matches_nothing_before_listing_any_tag",
    args={"namespaces": ["team-wbe"], "keep_last": 1},
    seed=EVERYTHING,
    requests=[LIST_FR_PAR],
    failed={"msg": "namespaces: 'team-wbe' matches no namespace in fr-par (closest: team-web); nothing was deleted"},
)

# keep_references: what a fleet runs is kept, and so is every tag that shares its digest.
APP = "rg.fr-par.scw.cloud/team-web/app"
OTHER_DIGEST = "sha256:" + "9" * 64
IN_USE = Scenario(
    "keeps_a_tag_that_a_reference_holds_and_counts_the_references_that_hold_nothing",
    args=dict(
        APP_ONLY,
        keep_last=1,
        keep_references=[f"{APP}:v1", "rg.nl-ams.scw.cloud/team-ams/app:v1", f"{APP}@{OTHER_DIGEST}"],
    ),
    seed=EVERYTHING,
    diff=False,
    requests=[LIST_FR_PAR, tags_of(IMG_APP)],
    result={
        "changed": False,
        "msg": "nothing to delete, 3 tags of 1 image kept",
        "plan": [
            item("latest", DIGEST_2, 3, "keep", "keep_last: one of the 1 newest"),
            item("v2", DIGEST_2, 2, "keep", "digest: latest, which is kept, carries the same digest"),
            item("v1", DIGEST_1, 1, "keep", f"in use: {APP}:v1"),
        ],
        "deleted": 0,
        "kept": 3,
        "freed_bytes": 0,
        "references_ignored": 2,
        "namespaces_in_scope": [WEB_IN_SCOPE],
    },
)


SCENARIOS = scenarios(
    # Nothing to do
    NOTHING_TO_DELETE,
    NOTHING_TO_DELETE.variant("deletes_nothing_in_check_mode_either", check_mode=True),
    Scenario(
        "plans_nothing_and_warns_when_a_namespace_glob_matches_nothing",
        args={"namespaces": ["nope-*"], "keep_last": 1},
        seed=EVERYTHING,
        diff=False,
        requests=[LIST_FR_PAR],
        warnings=["namespaces: 'nope-*' matches no namespace in fr-par"],
        result={
            "changed": False,
            "msg": "nothing to delete, 0 tags of 0 images kept",
            "plan": [],
            "deleted": 0,
            "kept": 0,
            "freed_bytes": 0,
            "references_ignored": 0,
            "namespaces_in_scope": [],
        },
    ),
    Scenario(
        "leaves_images_being_deleted_out_and_sends_no_tag_request_for_an_image_without_tags",
        args={"namespaces": ["team-web"], "keep_last": 1},
        seed=seed(
            WEB,
            image(IMG_APP, "team-web", "app", status="deleting", tags=[tag(TAG_V1, "v1", DIGEST_1, 1)]),
            image(IMG_CLI, "team-web", "tools/cli"),
        ),
        diff=False,
        requests=[LIST_FR_PAR],
        result={
            "changed": False,
            "msg": "nothing to delete, 0 tags of 0 images kept",
            "plan": [],
            "deleted": 0,
            "kept": 0,
            "freed_bytes": 0,
            "references_ignored": 0,
            "namespaces_in_scope": [WEB_IN_SCOPE],
        },
    ),
    Scenario(
        "takes_a_name_found_in_one_region_of_several_for_no_typo",
        args={"region": ["fr-par", "nl-ams"], "namespaces": ["team-ams"], "keep_last": 1},
        seed=seed(
            WEB, AMS, image(IMG_AMS_APP, "team-ams", "app", region="nl-ams", tags=[tag(TAG_V1, "v1", DIGEST_1, 6)])
        ),
        diff=False,
        requests=[Concurrently(*listing() + listing("nl-ams")), tags_of(IMG_AMS_APP, "nl-ams")],
        result={
            "changed": False,
            "msg": "nothing to delete, 1 tag of 1 image kept",
            "plan": [
                item("v1", DIGEST_1, 6, "keep", "keep_last: one of the 1 newest", namespace="team-ams", region="nl-ams")
            ],
            "deleted": 0,
            "kept": 1,
            "freed_bytes": 0,
            "references_ignored": 0,
            "namespaces_in_scope": [{"region": "nl-ams", "id": NS_AMS, "name": "team-ams"}],
        },
    ),
    # Deletes
    KEEP_LAST,
    KEEP_LAST.variant(
        "returns_no_diff_outside_diff_mode",
        diff=False,
        result={key: value for key, value in KEEP_LAST.result.items() if key != "diff"},
    ),
    Scenario(
        "deletes_only_the_tags_that_delete_tags_matches_and_counts_an_emptied_image_as_freed",
        args={"namespaces": ["team-web"], "delete_tags": [r"\d+\.\d+"], "allow_empty": True},
        seed=EVERYTHING,
        diff=False,
        requests=[LIST_FR_PAR, Concurrently(tags_of(IMG_APP), tags_of(IMG_CLI)), delete(TAG_CLI)],
        result={
            "changed": True,
            "msg": "deleted 1 tag of 1 image, kept 3, and emptied 1 image of 1000 B",
            "plan": [
                item("latest", DIGEST_2, 3, "keep", "delete_tags: matches none"),
                item("v2", DIGEST_2, 2, "keep", "delete_tags: matches none"),
                item("v1", DIGEST_1, 1, "keep", "delete_tags: matches none"),
                item("1.0", DIGEST_3, 4, "delete", "matches delete_tags", "tools/cli"),
            ],
            "deleted": 1,
            "kept": 3,
            "freed_bytes": 1000,
            "references_ignored": 0,
            "namespaces_in_scope": [WEB_IN_SCOPE],
        },
    ),
    Scenario(
        "deletes_in_every_region_and_image_concurrently_and_shows_each_image_that_loses_tags_in_the_diff",
        args={"region": ["fr-par", "nl-ams"], "namespaces": ["team-*"], "delete_tags": ["v1"], "allow_empty": True},
        seed=EVERYTHING,
        requests=[
            Concurrently(*listing() + listing("nl-ams")),
            Concurrently(tags_of(IMG_APP), tags_of(IMG_CLI), tags_of(IMG_ETL), tags_of(IMG_AMS_APP, "nl-ams")),
            Concurrently(delete(TAG_V1), delete(TAG_AMS_V1, region="nl-ams")),
        ],
        result={
            "changed": True,
            "msg": "deleted 2 tags of 2 images, kept 4, and emptied 1 image of 1000 B",
            "plan": [
                item("nightly", "sha256:" + "4" * 64, 5, "keep", "delete_tags: matches none", "etl", "team-data"),
                item("latest", DIGEST_2, 3, "keep", "delete_tags: matches none"),
                item("v2", DIGEST_2, 2, "keep", "delete_tags: matches none"),
                item("v1", DIGEST_1, 1, "delete", "matches delete_tags"),
                item("1.0", DIGEST_3, 4, "keep", "delete_tags: matches none", "tools/cli"),
                item("v1", DIGEST_1, 6, "delete", "matches delete_tags", namespace="team-ams", region="nl-ams"),
            ],
            "deleted": 2,
            "kept": 4,
            "freed_bytes": 1000,
            "references_ignored": 0,
            "namespaces_in_scope": [
                DATA_IN_SCOPE,
                WEB_IN_SCOPE,
                {"region": "nl-ams", "id": NS_AMS, "name": "team-ams"},
            ],
            "diff": {
                "prepared": "\n".join(
                    [
                        "fr-par/team-web/app: delete 1, keep 2",
                        "  latest  2026-01-03 00:00  222222222222  delete_tags: matches none",
                        "  v2      2026-01-02 00:00  222222222222  delete_tags: matches none",
                        "- v1      2026-01-01 00:00  111111111111  matches delete_tags",
                        "",
                        "nl-ams/team-ams/app: delete 1, keep 0",
                        "- v1  2026-01-06 00:00  111111111111  matches delete_tags",
                        "",
                        "keep every tag: fr-par/team-data/etl, fr-par/team-web/tools/cli",
                    ]
                )
            },
        },
    ),
    Scenario(
        "deletes_only_the_tags_older_than_the_duration",
        args={"namespaces": ["team-web"], "older_than": "30d"},
        seed=AGED,
        diff=False,
        requests=[LIST_FR_PAR, tags_of(IMG_APP), delete(TAG_V1)],
        result={
            "changed": True,
            "msg": "deleted 1 tag of 1 image, kept 1",
            "plan": [
                aged_item("new", "keep", "older_than: created less than 30d ago"),
                aged_item("old", "delete", "older than 30d"),
            ],
            "deleted": 1,
            "kept": 1,
            "freed_bytes": 0,
            "references_ignored": 0,
            "namespaces_in_scope": [WEB_IN_SCOPE],
        },
    ),
    FORCED,
    # Check mode
    KEEP_LAST.variant(
        "check_mode_plans_the_same_and_sends_no_delete",
        check_mode=True,
        requests=[LIST_FR_PAR, tags_of(IMG_APP)],
        result=dict(KEEP_LAST.result, msg="would delete 1 tag of 1 image, keep 2"),
    ),
    FORCED.variant(
        "check_mode_neither_lists_a_digest_group_again_nor_deletes_it",
        check_mode=True,
        requests=[LIST_FR_PAR, tags_of(IMG_APP)],
        result=dict(FORCED.result, msg="would delete 2 tags of 1 image, keep 1"),
    ),
    # Races
    RACE,
    # Guards
    KEEP_LAST.variant(
        "fails_before_any_delete_when_the_plan_deletes_more_than_max_delete",
        args=dict(APP_ONLY, keep_last=1, max_delete=0),
        requests=[LIST_FR_PAR, tags_of(IMG_APP)],
        result=None,
        failed={
            "msg": "the plan deletes 1 tag of 1 image, more than max_delete 0; nothing was deleted. It would delete"
            " fr-par/team-web/app: v1. Check the plan in the result, then raise max_delete or narrow the"
            " rules",
            "plan": KEEP_LAST_PLAN,
        },
    ),
    Scenario(
        "fails_before_any_delete_when_the_plan_empties_an_image_without_allow_empty",
        args={"namespaces": ["team-web"], "delete_tags": [r"\d+\.\d+"]},
        seed=EVERYTHING,
        requests=[LIST_FR_PAR, Concurrently(tags_of(IMG_APP), tags_of(IMG_CLI))],
        failed={
            "msg": "the plan deletes every tag of 1 image: fr-par/team-web/tools/cli (1 tag); keep some"
            " (keep_last: 1) or set allow_empty: true; nothing was deleted",
            "plan": [
                item("latest", DIGEST_2, 3, "keep", "delete_tags: matches none"),
                item("v2", DIGEST_2, 2, "keep", "delete_tags: matches none"),
                item("v1", DIGEST_1, 1, "keep", "delete_tags: matches none"),
                item("1.0", DIGEST_3, 4, "delete", "matches delete_tags", "tools/cli"),
            ],
        },
    ),
    # Scope
    refused_before_any_request(
        "refuses_an_empty_namespaces_list_before_any_request",
        {"namespaces": [], "keep_last": 1},
        "namespaces is an empty list (a template that came out empty?): give at least one, or leave namespaces out"
        " for every namespace",
    ),
    refused_before_any_request(
        "refuses_an_empty_images_list_before_any_request",
        {"images": [], "keep_last": 1},
        "images is an empty list (a template that came out empty?): give at least one, or leave images out for every"
        " image",
    ),
    TYPO,
    TYPO.variant("fails_on_a_namespace_name_that_matches_nothing_in_check_mode_too", check_mode=True),
    Scenario(
        "fails_on_an_image_name_that_matches_nothing_in_the_namespaces_in_scope",
        args={"namespaces": ["team-web"], "images": ["etl"], "keep_last": 1},
        seed=EVERYTHING,
        requests=[LIST_FR_PAR],
        failed={
            "msg": "images: 'etl' matches no image in the namespaces in scope, in fr-par (none is close; there are"
            " app, tools/cli); nothing was deleted"
        },
    ),
    # What something uses
    IN_USE,
    IN_USE.variant("keeps_what_is_in_use_in_check_mode_too", check_mode=True),
    Scenario(
        "keeps_every_tag_of_a_digest_in_use_whatever_the_other_rules",
        args=dict(APP_ONLY, delete_tags=["latest", "v2"], keep_references=[f"{APP}@{DIGEST_2}"]),
        seed=EVERYTHING,
        diff=False,
        requests=[LIST_FR_PAR, tags_of(IMG_APP)],
        result={
            "changed": False,
            "msg": "nothing to delete, 3 tags of 1 image kept",
            "plan": [
                item("latest", DIGEST_2, 3, "keep", f"in use: {APP}@{DIGEST_2}"),
                item("v2", DIGEST_2, 2, "keep", f"in use: {APP}@{DIGEST_2}"),
                item("v1", DIGEST_1, 1, "keep", "delete_tags: matches none"),
            ],
            "deleted": 0,
            "kept": 3,
            "freed_bytes": 0,
            "references_ignored": 0,
            "namespaces_in_scope": [WEB_IN_SCOPE],
        },
    ),
    Scenario(
        "a_bare_digest_holds_its_tags_in_every_image_in_scope",
        args={"namespaces": ["team-web"], "keep_last": 0, "keep_references": [DIGEST_1, DIGEST_3]},
        seed=EVERYTHING,
        diff=False,
        check_mode=True,
        requests=[LIST_FR_PAR, Concurrently(tags_of(IMG_APP), tags_of(IMG_CLI))],
        result={
            "changed": True,
            "msg": Like(r"^would delete 2 tags of 1 image, keep 2.*"),
            "plan": [
                item("latest", DIGEST_2, 3, "delete", "not among the 0 newest"),
                item("v2", DIGEST_2, 2, "delete", "not among the 0 newest"),
                item("v1", DIGEST_1, 1, "keep", f"in use: {DIGEST_1}"),
                item("1.0", DIGEST_3, 4, "keep", f"in use: {DIGEST_3}", "tools/cli"),
            ],
            "deleted": 2,
            "kept": 2,
            "freed_bytes": 0,
            "references_ignored": 0,
            "namespaces_in_scope": [WEB_IN_SCOPE],
        },
    ),
    refused_before_any_request(
        "refuses_a_malformed_reference_before_any_request",
        {"keep_last": 1, "keep_references": ["rg.fr-par.scw.cloud/Team-Web/app:v1"]},
        "keep_references: 'rg.fr-par.scw.cloud/Team-Web/app:v1' is not an image reference (a repository name is lower"
        " case); write host/namespace/image:tag, host/namespace/image@sha256:<64 hex characters> or"
        " sha256:<64 hex characters>",
    ),
    refused_before_any_request(
        "refuses_a_digest_that_is_not_sha256_before_any_request",
        {"keep_last": 1, "keep_references": [f"{APP}@sha512:{'a' * 128}"]},
        f"keep_references: '{APP}@sha512:{'a' * 128}' has the digest 'sha512:{'a' * 128}', which is not sha256:"
        " followed by 64 lower-case hex characters",
    ),
    # Rules and arguments
    refused_before_any_request(
        "refuses_an_ambiguous_duration_before_any_request",
        {"older_than": "3m"},
        "older_than 3m: minutes or months? write 3min, or 90d for about three months",
    ),
    refused_before_any_request(
        "refuses_a_cleanup_without_any_rule_before_any_request",
        {"namespaces": ["team-web"]},
        "one of the following is required: keep_last, keep_tags, delete_tags, older_than",
    ),
    refused_region({"keep_last": 1}, NOT_AN_INFO_REGION),
    # API errors
    Scenario(
        "reports_a_permission_refusal_of_the_listing_and_deletes_nothing",
        args={"keep_last": 1},
        seed=EVERYTHING,
        config={"faults": "403=1"},
        requests=[Concurrently(*[request + " (fault)" for request in listing(status=403)])],
        failed=denied("namespace"),
    ),
    Scenario(
        "stops_at_a_refused_delete_and_says_how_far_it_got",
        args=dict(APP_ONLY, keep_last=1),
        seed=seed(
            WEB,
            image(
                IMG_APP,
                "team-web",
                "app",
                tags=[
                    tag(TAG_V1, "v1", DIGEST_1, 1, status="locked"),
                    tag(TAG_V2, "v2", DIGEST_2, 2),
                    tag(TAG_LATEST, "latest", DIGEST_2, 3),
                ],
            ),
        ),
        requests=[LIST_FR_PAR, tags_of(IMG_APP), delete(TAG_V1, status=403)],
        failed={
            "msg": Msg(
                "0 tags deleted, then a request failed: resource is locked (HTTP 403, locked, request"
                " id {id}); run the task again to finish"
            ),
            "plan": [
                *KEEP_LAST_PLAN[:2],
                item("v1", DIGEST_1, 1, "keep", "not deleted: the run stopped at a failed request"),
            ],
            "deleted": 0,
        },
    ),
)


def tags_of_app(emulator):
    """(name, digest) of every tag of team-web/app left in the emulator, by name."""
    return sorted(
        (row["name"], row["digest"])
        for row in emulator.state()["tags"]
        if row["image_id"] == IMG_APP and row["status"] != "deleting"
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_cleanup(emulator, scenario):
    run_scenario(emulator, cleanup.main, scenario)


def test_a_forced_delete_leaves_the_kept_tag_and_removes_the_whole_digest_group(emulator):
    run_scenario(emulator, cleanup.main, FORCED)
    assert tags_of_app(emulator) == [("v1", DIGEST_1)]


def test_after_the_412_race_the_planned_tag_and_the_tag_pushed_meanwhile_both_remain(emulator):
    run_scenario(emulator, cleanup.main, RACE)
    assert tags_of_app(emulator) == [
        ("latest", DIGEST_2),
        ("pushed-during-delete-of-v1", DIGEST_1),
        ("v1", DIGEST_1),
        ("v2", DIGEST_2),
    ]


def test_a_push_between_the_second_listing_and_a_forced_delete_goes_with_the_group_as_documented(emulator):
    run_scenario(
        emulator,
        cleanup.main,
        FORCED.variant("forced_delete_races_with_a_push", config={"pushes_before_tag_delete": 1}),
    )
    assert tags_of_app(emulator) == [("v1", DIGEST_1)]
