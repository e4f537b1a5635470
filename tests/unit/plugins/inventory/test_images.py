"""Which names from the API the images inventory makes hosts of; the others are skipped with one warning each."""

from __future__ import annotations

import pytest
from ansible.inventory.data import InventoryData

from ansible_collections.scaleway.registry.plugins.inventory.images import InventoryModule, name_problem

IMAGE_ID = "10000000-0000-4000-8000-000000000001"


def record(image="app", namespace="team-web", region="fr-par", visibility="inherit", image_id=IMAGE_ID):
    return {
        "region": region,
        "tag_details": None,
        "namespace": {
            "id": "00000000-0000-4000-8000-000000000001",
            "name": namespace,
            "is_public": False,
            "endpoint": f"rg.{region}.scw.cloud/{namespace}",
            "project_id": "p",
            "organization_id": "o",
        },
        "image": {
            "id": image_id,
            "name": image,
            "namespace_id": "00000000-0000-4000-8000-000000000001",
            "status": "ready",
            "visibility": visibility,
            "size": 1,
            "tags": ["v1"],
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    }


@pytest.mark.parametrize("image", ["app", "web/frontend", "a/b/c", "visibility_public", "a.b", "a__b", "a--b", "0"])
def test_docker_repository_names_are_kept(image):
    assert name_problem(record(image=image)) is None


@pytest.mark.parametrize(
    "image",
    [
        "{{ lookup('pipe', 'id') }}",
        "{%raw%}",
        "{#x#}",
        "App",
        "a_",
        "-a",
        "a___b",
        "a//b",
        "a/",
        "/a",
        "a b",
        "a\n",
        "",
        None,
        1,
        ["app"],
    ],
)
def test_other_image_names_are_refused(image):
    assert name_problem(record(image=image)) == "its name is not a Docker repository name"


@pytest.mark.parametrize("namespace", ["{{ lookup('pipe', 'id') }}", "team/web", "Team", "team-", ""])
def test_other_namespace_names_are_refused(namespace):
    assert name_problem(record(namespace=namespace)) == "the name of its namespace is not a Docker repository name"


def test_an_unknown_region_or_visibility_is_refused():
    assert name_problem(record(region="{{ x }}")) == "its region is not a Scaleway Container Registry region"
    assert name_problem(record(visibility="{{ x }}")) == "its visibility is not one of inherit, public, private"


def populate(records, monkeypatch):
    plugin = InventoryModule()
    plugin.inventory = InventoryData()
    options = {
        "strict": False,
        "local_connection": False,
        "default_groups": True,
        "compose": {},
        "groups": {},
        "keyed_groups": [],
    }
    monkeypatch.setattr(plugin, "get_option", options.__getitem__)
    warnings = []
    monkeypatch.setattr(plugin.display, "warning", warnings.append)
    plugin.populate(records)
    return plugin.inventory, warnings


def test_a_listing_from_the_cache_is_checked_too_and_skipped_images_take_no_name(monkeypatch):
    # A cached record of another region with the same name would have given team-web/app@fr-par.
    inventory, warnings = populate(
        [record(), record(region="{{ x }}", image_id="{{ y }}"), record(image="{{ z }}", region="nl-ams")], monkeypatch
    )
    assert sorted(inventory.hosts) == ["team-web/app"]
    assert sorted(inventory.groups) == [
        "all",
        "scaleway_namespace_team_web",
        "scaleway_region_fr_par",
        "scaleway_visibility_private",
        "ungrouped",
    ]
    assert warnings == [
        "scaleway.registry.images inventory: skipped image (invalid ID) in an unknown region: "
        "its region is not a Scaleway Container Registry region",
        f"scaleway.registry.images inventory: skipped image {IMAGE_ID} in nl-ams:"
        " its name is not a Docker repository name",
    ]
