# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.namespace_info, run in-process against the emulator: results and the exact requests."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.modules import namespace_info
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import (
    NOT_AN_INFO_REGION,
    Fields,
    Scenario,
    refused_as_another_organizations,
    refused_by_permissions,
    refused_not_a_uuid,
    refused_region,
    run_scenario,
    scenarios,
)
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.seeds import (
    EVERYTHING,
    MISSING_ID,
    NS_AMS,
    NS_DATA,
    NS_THEIRS,
    NS_WEB,
    ORGANIZATION_ID,
    PROJECT_ID,
    SECOND_PROJECT_ID,
    namespace,
    seed,
)


def list_namespaces(region="fr-par", **filters):
    """The request listing a region's namespaces: every page of 100, with the filters given."""
    query = dict(
        filters, order_by=filters.get("order_by", "created_at_asc"), page=filters.get("page", 1), page_size=100
    )
    return "GET {}/namespaces?{} -> 200".format(
        region, "&".join("{}={}".format(*item) for item in sorted(query.items()))
    )


WEB = Fields(
    id=NS_WEB,
    name="team-web",
    description="Web team",
    project_id=PROJECT_ID,
    organization_id=ORGANIZATION_ID,
    is_public=False,
    status="ready",
    endpoint="rg.fr-par.scw.cloud/team-web",
    image_count=2,
    region="fr-par",
)
DATA = Fields(
    id=NS_DATA, name="team-data", project_id=SECOND_PROJECT_ID, is_public=True, image_count=1, region="fr-par"
)
AMS = Fields(id=NS_AMS, name="team-ams", region="nl-ams", endpoint="rg.nl-ams.scw.cloud/team-ams")
# 101 namespaces: two pages.
MANY = seed(*[namespace(f"e0000000-0000-4000-8000-{number:012d}", f"ns-{number:03d}") for number in range(101)])
LISTING = Scenario(
    "lists_the_namespaces_of_the_region_oldest_first_and_not_those_of_other_organizations",
    args={},
    seed=EVERYTHING,
    requests=[list_namespaces()],
    result={"changed": False, "namespaces": [WEB, DATA]},
)

SCENARIOS = scenarios(
    # Listings
    LISTING,
    LISTING.variant("lists_the_same_in_check_mode", check_mode=True),
    Scenario(
        "lists_every_region_concurrently_and_returns_them_in_region_order",
        args={"region": "all"},
        seed=EVERYTHING,
        any_order=True,
        requests=[list_namespaces(), list_namespaces("nl-ams"), list_namespaces("pl-waw")],
        result={"changed": False, "namespaces": [WEB, DATA, AMS]},
    ),
    Scenario(
        "reads_every_page_of_a_long_listing",
        args={},
        seed=MANY,
        requests=[list_namespaces(), list_namespaces(page=2)],
        result={"changed": False, "namespaces": [Fields(name=f"ns-{number:03d}") for number in range(101)]},
    ),
    # Filters
    Scenario(
        "filters_by_name",
        args={"name": "team-data"},
        seed=EVERYTHING,
        requests=[list_namespaces(name="team-data")],
        result={"changed": False, "namespaces": [DATA]},
    ),
    Scenario(
        "lists_nothing_for_a_missing_name",
        args={"name": "team-gone"},
        seed=EVERYTHING,
        requests=[list_namespaces(name="team-gone")],
        result={"changed": False, "namespaces": []},
    ),
    Scenario(
        "filters_by_project",
        args={"project_id": PROJECT_ID, "region": "all"},
        seed=EVERYTHING,
        any_order=True,
        requests=[
            list_namespaces(project_id=PROJECT_ID),
            list_namespaces("nl-ams", project_id=PROJECT_ID),
            list_namespaces("pl-waw", project_id=PROJECT_ID),
        ],
        result={"changed": False, "namespaces": [WEB, AMS]},
    ),
    Scenario(
        "filters_by_organization",
        args={"organization_id": ORGANIZATION_ID},
        seed=EVERYTHING,
        requests=[list_namespaces(organization_id=ORGANIZATION_ID)],
        result={"changed": False, "namespaces": [WEB, DATA]},
    ),
    Scenario(
        "sorts_as_asked",
        args={"order_by": "name_asc"},
        seed=EVERYTHING,
        requests=[list_namespaces(order_by="name_asc")],
        result={"changed": False, "namespaces": [DATA, WEB]},
    ),
    # One namespace by ID
    Scenario(
        "gets_one_namespace_by_id_with_one_request",
        args={"namespace_id": NS_DATA},
        seed=EVERYTHING,
        requests=[f"GET fr-par/namespaces/{NS_DATA} -> 200"],
        result={"changed": False, "namespaces": [DATA]},
    ),
    Scenario(
        "lists_nothing_for_a_missing_namespace_id",
        args={"namespace_id": MISSING_ID},
        seed=EVERYTHING,
        requests=[f"GET fr-par/namespaces/{MISSING_ID} -> 404"],
        result={"changed": False, "namespaces": []},
    ),
    Scenario(
        "lists_nothing_for_a_namespace_id_that_the_other_filters_exclude",
        args={"namespace_id": NS_DATA, "project_id": PROJECT_ID},
        seed=EVERYTHING,
        requests=[f"GET fr-par/namespaces/{NS_DATA} -> 200"],
        result={"changed": False, "namespaces": []},
    ),
    # Errors
    refused_as_another_organizations(
        "fails_on_the_namespace_id_of_another_organization",
        {"namespace_id": NS_THEIRS},
        EVERYTHING,
        f"GET fr-par/namespaces/{NS_THEIRS}",
        "namespace",
    ),
    refused_by_permissions(
        {}, EVERYTHING, "GET fr-par/namespaces?order_by=created_at_asc&page=1&page_size=100", "namespace"
    ),
    refused_not_a_uuid("refuses_a_namespace_id_that_is_not_a_uuid_before_any_request", "namespace_id", "team-web"),
    refused_region({}, NOT_AN_INFO_REGION),
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_namespace_info(emulator, scenario):
    run_scenario(emulator, namespace_info.main, scenario)
