# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the images inventory makes of a listing: host names, groups, host variables and the constructed options.

populate() and host_variables() run on plain records, as fetch() or the cache gives them, into a real InventoryData.
"""

from __future__ import annotations

import sys

import pytest
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.scaleway.registry.plugins.inventory.images import InventoryModule

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core 2.17 and 2.18 template any string of an inventory's options

    def trust_as_template(value):
        return value


NS_WEB, NS_DATA = "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
PROJECT_ID = "11111111-1111-4111-8111-111111111111"


def record(
    image="app",
    namespace="team-web",
    region="fr-par",
    visibility="inherit",
    namespace_public=False,
    tags=("v1", "latest"),
    tag_details=None,
    image_id="bbbbbbbb-0000-4000-8000-000000000001",
    size=1000,
):
    """One record of the listing, as fetch() returns it (and a cache keeps it)."""
    namespace_id = NS_DATA if namespace == "team-data" else NS_WEB
    return {
        "region": region,
        "tag_details": tag_details,
        "namespace": {
            "id": namespace_id,
            "name": namespace,
            "is_public": namespace_public,
            "endpoint": f"rg.{region}.scw.cloud/{namespace}",
            "project_id": PROJECT_ID,
            "organization_id": PROJECT_ID,
        },
        "image": {
            "id": image_id,
            "name": image,
            "namespace_id": namespace_id,
            "status": "ready",
            "status_message": "",
            "visibility": visibility,
            "size": size,
            "tags": list(tags),
            "created_at": "2026-01-01T00:00:00.000000Z",
            "updated_at": "2026-01-02T00:00:00.000000Z",
        },
    }


def populate(records, **options):
    """The InventoryData that populate() fills from records, with the plugin's options as a task would set them,
    and the warnings it gave."""
    plugin = InventoryModule()
    plugin.inventory = InventoryData()
    plugin.templar = Templar(loader=DataLoader())
    settings = {
        "strict": True,
        "local_connection": True,
        "default_groups": True,
        "compose": {},
        "groups": {},
        "keyed_groups": [],
    }
    settings.update(options)
    warnings = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plugin, "get_option", settings.__getitem__)
        patch.setattr(plugin.display, "warning", warnings.append)
        plugin.populate(records)
    assert warnings == []
    return plugin.inventory


def members(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def variables(inventory, host):
    return inventory.get_host(host).vars


# Host names


def test_a_host_is_named_namespace_slash_image():
    inventory = populate([record(), record(image="tools/cli", image_id="bbbbbbbb-0000-4000-8000-000000000002")])
    assert sorted(inventory.hosts) == ["team-web/app", "team-web/tools/cli"]


def test_only_a_name_found_in_several_regions_gets_the_region_suffix():
    records = [
        record(),
        record(region="nl-ams", image_id="bbbbbbbb-0000-4000-8000-000000000004"),
        record(image="etl", namespace="team-data", image_id="bbbbbbbb-0000-4000-8000-000000000003"),
    ]
    inventory = populate(records)
    assert sorted(inventory.hosts) == ["team-data/etl", "team-web/app@fr-par", "team-web/app@nl-ams"]
    assert variables(inventory, "team-web/app@nl-ams")["registry_id"] == "bbbbbbbb-0000-4000-8000-000000000004"
    assert sorted(populate(records[::-1]).hosts) == sorted(inventory.hosts)


# Groups


def test_default_groups_are_the_region_the_namespace_and_the_effective_visibility_with_dashes_replaced():
    inventory = populate(
        [
            record(),
            record(
                image="site",
                namespace="team-data",
                namespace_public=True,
                image_id="bbbbbbbb-0000-4000-8000-000000000003",
            ),
        ]
    )
    assert sorted(inventory.groups) == [
        "all",
        "scaleway_namespace_team_data",
        "scaleway_namespace_team_web",
        "scaleway_region_fr_par",
        "scaleway_visibility_private",
        "scaleway_visibility_public",
        "ungrouped",
    ]
    assert members(inventory, "scaleway_region_fr_par") == ["team-data/site", "team-web/app"]
    assert members(inventory, "scaleway_namespace_team_web") == ["team-web/app"]
    assert members(inventory, "scaleway_visibility_private") == ["team-web/app"]
    assert members(inventory, "scaleway_visibility_public") == ["team-data/site"]


def test_no_default_group_when_they_are_turned_off():
    inventory = populate([record()], default_groups=False)
    assert sorted(inventory.groups) == ["all", "ungrouped"]


def test_keyed_groups_compose_and_groups_use_the_host_variables():
    inventory = populate(
        [
            record(),
            record(
                image="tiny", size=10, visibility="public", tags=(), image_id="bbbbbbbb-0000-4000-8000-000000000002"
            ),
        ],
        keyed_groups=[
            {"key": trust_as_template("registry_namespace"), "prefix": "ns"},
            {"key": trust_as_template("registry_tags"), "prefix": "tag"},
        ],
        compose={
            "big": trust_as_template("registry_size > 100"),
            "image_ref": trust_as_template("registry_repository ~ ':latest'"),
        },
        groups={"published": trust_as_template("registry_effective_visibility == 'public'")},
    )
    assert members(inventory, "ns_team_web") == ["team-web/app", "team-web/tiny"]
    assert members(inventory, "tag_v1") == ["team-web/app"]
    assert members(inventory, "tag_latest") == ["team-web/app"]
    assert members(inventory, "published") == ["team-web/tiny"]
    assert variables(inventory, "team-web/app")["big"] is True
    assert variables(inventory, "team-web/tiny")["big"] is False
    assert variables(inventory, "team-web/app")["image_ref"] == "rg.fr-par.scw.cloud/team-web/app:latest"


# Host variables


def test_hosts_run_their_tasks_on_the_controller_with_local_connection():
    inventory = populate([record()])
    assert variables(inventory, "team-web/app")["ansible_connection"] == "local"
    assert variables(inventory, "team-web/app")["ansible_python_interpreter"] == sys.executable


def test_hosts_get_no_connection_variables_without_local_connection():
    host_vars = variables(populate([record()], local_connection=False), "team-web/app")
    assert "ansible_connection" not in host_vars
    assert "ansible_python_interpreter" not in host_vars


def test_host_variables_are_the_image_and_its_namespace_prefixed_with_registry():
    assert InventoryModule.host_variables(record()) == {
        "registry_id": "bbbbbbbb-0000-4000-8000-000000000001",
        "registry_name": "app",
        "registry_namespace": "team-web",
        "registry_namespace_id": NS_WEB,
        "registry_project_id": PROJECT_ID,
        "registry_region": "fr-par",
        "registry_visibility": "inherit",
        "registry_effective_visibility": "private",
        "registry_status": "ready",
        "registry_size": 1000,
        "registry_tags": ["v1", "latest"],
        "registry_created_at": "2026-01-01T00:00:00.000000Z",
        "registry_updated_at": "2026-01-02T00:00:00.000000Z",
        "registry_repository": "rg.fr-par.scw.cloud/team-web/app",
        "registry_references": ["rg.fr-par.scw.cloud/team-web/app:v1", "rg.fr-par.scw.cloud/team-web/app:latest"],
    }


def test_populate_sets_exactly_the_host_variables_and_the_connection():
    host_vars = dict(variables(populate([record()]), "team-web/app"))
    expected = dict(
        InventoryModule.host_variables(record()), ansible_connection="local", ansible_python_interpreter=sys.executable
    )
    assert {key: value for key, value in host_vars.items() if key in expected} == expected
    assert sorted(key for key in host_vars if key not in expected and not key.startswith("inventory_")) == []


def test_tag_details_are_a_host_variable_only_when_the_tags_were_fetched():
    details = [{"name": "v1", "digest": "sha256:" + "1" * 64, "created_at": "2026-01-01T00:00:00.000000Z"}]
    assert "registry_tag_details" not in InventoryModule.host_variables(record())
    assert InventoryModule.host_variables(record(tag_details=details))["registry_tag_details"] == details
    # Fetched for an image without tags: an empty list, not nothing.
    assert InventoryModule.host_variables(record(tags=(), tag_details=[]))["registry_tag_details"] == []


@pytest.mark.parametrize(
    "visibility, namespace_public, effective",
    [
        ("inherit", False, "private"),
        ("inherit", True, "public"),
        ("public", False, "public"),
        ("private", True, "private"),
    ],
)
def test_the_effective_visibility_of_an_image_that_inherits_is_its_namespace(visibility, namespace_public, effective):
    host_vars = InventoryModule.host_variables(record(visibility=visibility, namespace_public=namespace_public))
    assert host_vars["registry_visibility"] == visibility
    assert host_vars["registry_effective_visibility"] == effective
