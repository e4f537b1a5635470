# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.image_info, run in-process against the emulator: results and the exact requests."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.modules import image_info
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    ABSENT,
    NOT_AN_INFO_REGION,
    Fields,
    Scenario,
    refused_by_permissions,
    refused_region,
    run_scenario,
    scenarios,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    DIGEST_1,
    DIGEST_2,
    DIGEST_3,
    EVERYTHING,
    FIND_GONE,
    FIND_WEB,
    IMG_AMS_APP,
    IMG_APP,
    IMG_CLI,
    IMG_ETL,
    LOOK_UP_WEB,
    MISSING_ID,
    NS_DATA,
    NS_WEB,
    SECOND_PROJECT_ID,
    TAG_CLI,
    TAG_LATEST,
    TAG_V1,
    TAG_V2,
)


def list_images(region="fr-par", **filters):
    """The request listing a region's images: every page of 100, with the filters given."""
    query = dict(filters, order_by=filters.get("order_by", "created_at_asc"), page=1, page_size=100)
    return "GET {}/images?{} -> 200".format(region, "&".join("{}={}".format(*item) for item in sorted(query.items())))


def list_namespaces(region="fr-par", **filters):
    """The request listing a region's namespaces, for their names, with the filters given."""
    query = dict(filters, page=1, page_size=100)
    return "GET {}/namespaces?{} -> 200".format(
        region, "&".join("{}={}".format(*item) for item in sorted(query.items()))
    )


APP = Fields(
    id=IMG_APP,
    name="app",
    namespace_id=NS_WEB,
    namespace="team-web",
    region="fr-par",
    visibility="inherit",
    status="ready",
    tags=["latest", "v1", "v2"],
    tag_details=ABSENT,
)
CLI = Fields(
    id=IMG_CLI,
    name="tools/cli",
    namespace_id=NS_WEB,
    namespace="team-web",
    region="fr-par",
    visibility="public",
    tag_details=ABSENT,
)
ETL = Fields(
    id=IMG_ETL,
    name="etl",
    namespace_id=NS_DATA,
    namespace="team-data",
    region="fr-par",
    visibility="private",
    tag_details=ABSENT,
)
AMS_APP = Fields(id=IMG_AMS_APP, name="app", namespace="team-ams", region="nl-ams")
LISTING = Scenario(
    "lists_the_images_of_the_region_with_their_namespace_names_in_two_concurrent_requests",
    args={},
    seed=EVERYTHING,
    any_order=True,
    requests=[list_images(), list_namespaces()],
    result={"changed": False, "images": [APP, CLI, ETL]},
)

SCENARIOS = scenarios(
    # Listings
    LISTING,
    LISTING.variant("lists_the_same_in_check_mode", check_mode=True),
    Scenario(
        "lists_nothing_in_an_empty_region",
        args={"region": "pl-waw"},
        seed=EVERYTHING,
        any_order=True,
        requests=[list_images("pl-waw"), list_namespaces("pl-waw")],
        result={"changed": False, "images": []},
    ),
    Scenario(
        "lists_every_region_one_after_the_other_with_region_all",
        args={"region": "all"},
        seed=EVERYTHING,
        any_order=True,
        requests=[
            list_images(),
            list_namespaces(),
            list_images("nl-ams"),
            list_namespaces("nl-ams"),
            list_images("pl-waw"),
            list_namespaces("pl-waw"),
        ],
        result={"changed": False, "images": [APP, CLI, ETL, AMS_APP]},
    ),
    # Filters
    Scenario(
        "lists_the_images_of_a_namespace_given_by_name_without_listing_the_namespaces",
        args={"namespace": "team-web"},
        seed=EVERYTHING,
        requests=[FIND_WEB, list_images(namespace_id=NS_WEB)],
        result={"changed": False, "images": [APP, CLI]},
    ),
    Scenario(
        "lists_the_images_of_a_namespace_given_by_id",
        args={"namespace": NS_DATA},
        seed=EVERYTHING,
        requests=[f"GET fr-par/namespaces/{NS_DATA} -> 200", list_images(namespace_id=NS_DATA)],
        result={"changed": False, "images": [ETL]},
    ),
    Scenario(
        "lists_nothing_for_a_missing_namespace_with_one_request",
        args={"namespace": "team-gone"},
        seed=EVERYTHING,
        requests=[FIND_GONE],
        result={"changed": False, "images": []},
    ),
    Scenario(
        "filters_by_a_name_that_holds_a_slash",
        args={"name": "tools/cli"},
        seed=EVERYTHING,
        any_order=True,
        requests=[list_images(name="tools%2Fcli"), list_namespaces()],
        result={"changed": False, "images": [CLI]},
    ),
    Scenario(
        "filters_by_project",
        args={"project_id": SECOND_PROJECT_ID},
        seed=EVERYTHING,
        any_order=True,
        requests=[list_images(project_id=SECOND_PROJECT_ID), list_namespaces(project_id=SECOND_PROJECT_ID)],
        result={"changed": False, "images": [ETL]},
    ),
    Scenario(
        "sorts_as_asked",
        args={"order_by": "name_desc"},
        seed=EVERYTHING,
        any_order=True,
        requests=[list_images(order_by="name_desc"), list_namespaces()],
        result={"changed": False, "images": [CLI, ETL, APP]},
    ),
    # One image by ID
    Scenario(
        "gets_one_image_by_id_and_its_namespace_for_the_name",
        args={"image_id": IMG_ETL},
        seed=EVERYTHING,
        requests=[f"GET fr-par/images/{IMG_ETL} -> 200", f"GET fr-par/namespaces/{NS_DATA} -> 200"],
        result={"changed": False, "images": [ETL]},
    ),
    Scenario(
        "lists_nothing_for_a_missing_image_id",
        args={"image_id": MISSING_ID},
        seed=EVERYTHING,
        requests=[f"GET fr-par/images/{MISSING_ID} -> 404"],
        result={"changed": False, "images": []},
    ),
    Scenario(
        "lists_nothing_for_an_image_id_outside_the_namespace_given",
        args={"image_id": IMG_ETL, "namespace": "team-web"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/images/{IMG_ETL} -> 200", f"GET fr-par/namespaces/{NS_DATA} -> 200"],
        result={"changed": False, "images": []},
    ),
    Scenario(
        "lists_nothing_for_an_image_id_whose_name_is_not_the_one_given",
        args={"image_id": IMG_ETL, "name": "app"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/images/{IMG_ETL} -> 200", f"GET fr-par/namespaces/{NS_DATA} -> 200"],
        result={"changed": False, "images": []},
    ),
    # Tags
    Scenario(
        "adds_the_tags_of_each_image_with_one_request_per_image",
        args={"namespace": "team-web", "include_tags": True},
        seed=EVERYTHING,
        any_order=True,
        requests=[
            FIND_WEB,
            list_images(namespace_id=NS_WEB),
            f"GET fr-par/images/{IMG_APP}/tags?page=1&page_size=100 -> 200",
            f"GET fr-par/images/{IMG_CLI}/tags?page=1&page_size=100 -> 200",
        ],
        result={
            "changed": False,
            "images": [
                Fields(
                    id=IMG_APP,
                    tag_details=[
                        Fields(
                            id=TAG_V1,
                            name="v1",
                            image_id=IMG_APP,
                            status="ready",
                            digest=DIGEST_1,
                            created_at="2026-01-01T00:00:00.000000Z",
                        ),
                        Fields(id=TAG_V2, name="v2", digest=DIGEST_2),
                        Fields(id=TAG_LATEST, name="latest", digest=DIGEST_2),
                    ],
                ),
                Fields(id=IMG_CLI, tag_details=[Fields(id=TAG_CLI, name="1.0", digest=DIGEST_3)]),
            ],
        },
    ),
    Scenario(
        "sends_no_tag_request_when_no_image_matches",
        args={"name": "nope", "include_tags": True},
        seed=EVERYTHING,
        any_order=True,
        requests=[list_images(name="nope"), list_namespaces()],
        result={"changed": False, "images": []},
    ),
    # Errors
    refused_by_permissions({"namespace": "team-web"}, EVERYTHING, LOOK_UP_WEB, "namespace"),
    refused_region({}, NOT_AN_INFO_REGION),
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_image_info(emulator, scenario):
    run_scenario(emulator, image_info.main, scenario)
