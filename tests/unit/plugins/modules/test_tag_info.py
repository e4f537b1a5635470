# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.tag_info, run in-process against the emulator: results and the exact requests."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.modules import tag_info
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    Fields,
    Scenario,
    refused_as_another_organizations,
    refused_before_any_request,
    refused_by_permissions,
    run_scenario,
    scenarios,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    AMS,
    AMS_APP,
    DIGEST_1,
    DIGEST_2,
    EVERYTHING,
    FIND_APP,
    FIND_GONE,
    FIND_NOPE,
    FIND_WEB,
    IMG_AMS_APP,
    IMG_APP,
    IMG_SECRET,
    LOOK_UP_WEB,
    MISSING_ID,
    NS_AMS,
    TAG_AMS_V1,
    TAG_LATEST,
    TAG_V1,
    TAG_V2,
    WEB,
    image,
    seed,
    tag,
)


def list_tags(image_id=IMG_APP, region="fr-par", status=200, **filters):
    """The request listing an image's tags: every page of 100, with the filters given, answered with that status
    (None: the request alone)."""
    query = dict(
        filters, order_by=filters.get("order_by", "created_at_asc"), page=filters.get("page", 1), page_size=100
    )
    request = "GET {}/images/{}/tags?{}".format(
        region,
        image_id,
        "&".join("{}={}".format(*item) for item in sorted(query.items())),
    )
    return request if status is None else f"{request} -> {status}"


APP_BY_NAME = {"namespace": "team-web", "image": "app"}
V1 = Fields(
    id=TAG_V1,
    name="v1",
    image_id=IMG_APP,
    status="ready",
    digest=DIGEST_1,
    created_at="2026-01-01T00:00:00.000000Z",
    region="fr-par",
)
V2 = Fields(id=TAG_V2, name="v2", image_id=IMG_APP, digest=DIGEST_2, region="fr-par")
LATEST = Fields(id=TAG_LATEST, name="latest", image_id=IMG_APP, digest=DIGEST_2, region="fr-par")
# An image with 101 tags: two pages.
MANY = seed(
    WEB,
    image(
        IMG_APP,
        "team-web",
        "app",
        tags=[tag(f"f0000000-0000-4000-8000-{number:012d}", f"t{number:03d}", DIGEST_1, 1) for number in range(101)],
    ),
)
LISTING = Scenario(
    "lists_the_tags_of_an_image_given_by_name_oldest_first",
    args=APP_BY_NAME,
    seed=EVERYTHING,
    requests=[FIND_WEB, FIND_APP, list_tags()],
    result={"changed": False, "tags": [V1, V2, LATEST]},
)

SCENARIOS = scenarios(
    # Listings
    LISTING,
    LISTING.variant("lists_the_same_in_check_mode", check_mode=True),
    Scenario(
        "lists_the_tags_of_an_image_given_by_id_with_one_request",
        args={"image": IMG_APP},
        seed=EVERYTHING,
        requests=[list_tags()],
        result={"changed": False, "tags": [V1, V2, LATEST]},
    ),
    Scenario(
        "lists_the_tags_of_an_image_in_the_region_given",
        args={"namespace": "team-ams", "image": "app", "region": "nl-ams"},
        seed=seed(AMS, AMS_APP),
        requests=[
            "GET nl-ams/namespaces?name=team-ams -> 200",
            f"GET nl-ams/images?name=app&namespace_id={NS_AMS} -> 200",
            list_tags(IMG_AMS_APP, "nl-ams"),
        ],
        result={"changed": False, "tags": [Fields(id=TAG_AMS_V1, name="v1", region="nl-ams")]},
    ),
    Scenario(
        "reads_every_page_of_a_long_listing",
        args={"image": IMG_APP},
        seed=MANY,
        requests=[list_tags(), list_tags(page=2)],
        result={"changed": False, "tags": [Fields(name=f"t{number:03d}") for number in range(101)]},
    ),
    # Filters
    Scenario(
        "filters_by_name",
        args=dict(APP_BY_NAME, name="v2"),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, list_tags(name="v2")],
        result={"changed": False, "tags": [V2]},
    ),
    Scenario(
        "sorts_as_asked",
        args=dict(APP_BY_NAME, order_by="created_at_desc"),
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_APP, list_tags(order_by="created_at_desc")],
        result={"changed": False, "tags": [LATEST, V2, V1]},
    ),
    Scenario(
        "gets_one_tag_by_id",
        args={"id": TAG_V2},
        seed=EVERYTHING,
        requests=[f"GET fr-par/tags/{TAG_V2} -> 200"],
        result={"changed": False, "tags": [V2]},
    ),
    Scenario(
        "lists_nothing_for_a_tag_id_whose_name_is_not_the_one_given",
        args={"id": TAG_V2, "name": "v1"},
        seed=EVERYTHING,
        requests=[f"GET fr-par/tags/{TAG_V2} -> 200"],
        result={"changed": False, "tags": []},
    ),
    # Missing objects
    Scenario(
        "lists_nothing_for_a_missing_tag_id",
        args={"id": MISSING_ID},
        seed=EVERYTHING,
        requests=[f"GET fr-par/tags/{MISSING_ID} -> 404"],
        result={"changed": False, "tags": []},
    ),
    Scenario(
        "lists_nothing_for_a_missing_image",
        args={"namespace": "team-web", "image": "nope"},
        seed=EVERYTHING,
        requests=[FIND_WEB, FIND_NOPE],
        result={"changed": False, "tags": []},
    ),
    Scenario(
        "lists_nothing_for_a_missing_image_id",
        args={"image": MISSING_ID},
        seed=EVERYTHING,
        requests=[list_tags(MISSING_ID, status=404)],
        result={"changed": False, "tags": []},
    ),
    Scenario(
        "lists_nothing_for_a_missing_namespace_with_one_request",
        args={"namespace": "team-gone", "image": "app"},
        seed=EVERYTHING,
        requests=[FIND_GONE],
        result={"changed": False, "tags": []},
    ),
    # Errors
    refused_as_another_organizations(
        "fails_on_the_image_of_another_organization",
        {"image": IMG_SECRET},
        EVERYTHING,
        list_tags(IMG_SECRET, status=None),
        "image",
    ),
    refused_by_permissions(APP_BY_NAME, EVERYTHING, LOOK_UP_WEB, "namespace"),
    refused_before_any_request(
        "refuses_an_image_name_without_its_namespace_before_any_request",
        {"image": "app"},
        "image app is a name: give its namespace too, or give the image's ID",
    ),
    refused_before_any_request(
        "refuses_neither_id_nor_image_before_any_request", {"name": "v1"}, "one of the following is required: id, image"
    ),
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tag_info(emulator, scenario):
    run_scenario(emulator, tag_info.main, scenario)
