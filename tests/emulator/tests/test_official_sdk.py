"""The official Python SDK (scaleway) works against the emulator as against api.scaleway.com."""

from datetime import datetime

import pytest
from emulator_harness import DIGEST_A, DIGEST_B, KEY, ORG
from scaleway import Client
from scaleway.registry.v1 import ImageVisibility, ListNamespacesRequestOrderBy, NamespaceStatus, RegistryV1API
from scaleway_core.api import ScalewayException

ACCESS_KEY = "SCWEMULATOR000000000"  # the SDK checks the shape: SCW and 17 [A-Z0-9]


@pytest.fixture
def api(emu):
    client = Client(
        access_key=ACCESS_KEY,
        secret_key=KEY,
        api_url=emu.url,
        default_region="fr-par",
        default_project_id=ORG,
        default_organization_id=ORG,
    )
    return RegistryV1API(client)


def test_the_sdk_creates_lists_pages_gets_updates_and_deletes_namespaces(emu, api):
    names = [f"sdk-namespace-{i}" for i in range(7)]
    created = [api.create_namespace(name=name, description="made by the sdk", is_public=False) for name in names]
    assert all(n.status == NamespaceStatus.READY and n.project_id == ORG for n in created)
    assert isinstance(created[0].created_at, datetime)
    assert created[0].endpoint == "rg.fr-par.scw.cloud/sdk-namespace-0"

    emu.admin("DELETE", "requests")
    listed = api.list_namespaces_all(page_size=3)
    assert [n.name for n in listed] == names
    # 3 + 3 + 1: the SDK stops at the short page.
    assert [e["query"] for e in emu.request_log()] == [
        f"organization_id={ORG}&page={page}&page_size=3&project_id={ORG}" for page in (1, 2, 3)
    ]
    page = api.list_namespaces(page=2, page_size=5, order_by=ListNamespacesRequestOrderBy.NAME_DESC)
    assert (page.total_count, [n.name for n in page.namespaces]) == (7, names[1::-1])
    assert [n.id for n in api.list_namespaces(name="sdk-namespace-3").namespaces] == [created[3].id]

    fetched = api.get_namespace(namespace_id=created[0].id)
    assert (fetched.name, fetched.description, fetched.is_public) == ("sdk-namespace-0", "made by the sdk", False)
    updated = api.update_namespace(namespace_id=created[0].id, is_public=True)
    assert (updated.description, updated.is_public) == ("made by the sdk", True)
    assert updated.updated_at > fetched.updated_at

    deleted = api.delete_namespace(namespace_id=created[0].id)
    assert deleted.status == NamespaceStatus.DELETING
    with pytest.raises(ScalewayException) as raised:
        api.get_namespace(namespace_id=created[0].id)
    assert raised.value.status_code == 404
    assert {e["status"] for e in emu.request_log()} == {200, 404}


def test_the_sdk_lists_gets_updates_and_deletes_images_and_tags(emu, api):
    namespace = api.create_namespace(name="sdk-images", description="", is_public=False)
    seeded = emu.seed(
        {
            "images": [
                {
                    "namespace": "sdk-images",
                    "name": "team/app",
                    "tags": [
                        {"name": "latest", "digest": DIGEST_A, "size": 100},
                        {"name": "v1", "digest": DIGEST_A, "size": 100},
                        {"name": "v2", "digest": DIGEST_B, "size": 40},
                    ],
                },
                {
                    "namespace": "sdk-images",
                    "name": "other",
                    "tags": [{"name": "latest", "digest": DIGEST_B, "size": 40}],
                },
            ]
        }
    )
    app_id, other_id = seeded["images"]

    images = api.list_images_all(namespace_id=namespace.id, page_size=1)
    assert [i.name for i in images] == ["team/app", "other"]
    (app,) = api.list_images(name="team/app").images
    assert (app.id, app.size, app.tags, app.visibility) == (
        app_id,
        140,
        ["latest", "v1", "v2"],
        ImageVisibility.INHERIT,
    )
    assert api.get_image(image_id=other_id).namespace_id == namespace.id
    assert api.update_image(image_id=app_id, visibility=ImageVisibility.PUBLIC).visibility == ImageVisibility.PUBLIC
    assert api.get_image(image_id=app_id).visibility == ImageVisibility.PUBLIC

    tags = {t.name: t for t in api.list_tags_all(image_id=app_id)}
    assert sorted(tags) == ["latest", "v1", "v2"] and tags["v1"].digest == DIGEST_A
    assert api.get_tag(tag_id=tags["v2"].id).image_id == app_id
    with pytest.raises(ScalewayException) as raised:
        api.delete_tag(tag_id=tags["latest"].id)
    assert raised.value.status_code == 412
    # The SDK sends force=True (Python's spelling): it is understood.
    assert api.delete_tag(tag_id=tags["latest"].id, force=True).status == "deleting"
    assert [t.name for t in api.list_tags(image_id=app_id).tags] == ["v2"]

    assert api.delete_image(image_id=other_id).status == "deleting"
    assert api.get_namespace(namespace_id=namespace.id).image_count == 2  # 'other' is still deleting


def test_the_sdk_gets_the_real_api_errors_for_a_duplicate_name_and_an_unknown_id(api):
    api.create_namespace(name="sdk-duplicate", description="", is_public=False)
    with pytest.raises(ScalewayException) as raised:
        api.create_namespace(name="sdk-duplicate", description="", is_public=True)
    assert raised.value.status_code == 400
    assert raised.value.response.json() == {"message": "Namespace already exist"}

    with pytest.raises(ScalewayException) as raised:
        api.get_namespace(namespace_id="6f2a8a8e-5c1b-4d39-9d3e-2f4f0b1c9a77")
    assert raised.value.status_code == 404
    assert raised.value.response.json() == {"message": "Namespace was not found"}
