"""The official Python SDK (scaleway) works against the emulator as against api.scaleway.com."""

from datetime import datetime, timedelta, timezone

import pytest
from emulator_harness import DIGEST_A, DIGEST_B, EXTRA_PROJECT, KEY, ORG
from scaleway import Client
from scaleway.iam.v1alpha1 import BearerType, IamV1Alpha1API, PermissionSetScopeType, RuleSpecs
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


def test_the_sdk_iam_client_makes_an_application_key_that_expires_and_is_deleted(emu):
    client = Client(
        access_key=ACCESS_KEY,
        secret_key=KEY,
        api_url=emu.url,
        default_region="fr-par",
        default_project_id=ORG,
        default_organization_id=ORG,
    )
    iam = IamV1Alpha1API(client)
    registry = RegistryV1API(client)
    namespace = registry.create_namespace(name="sdk-iam", description="", is_public=False, project_id=EXTRA_PROJECT)

    application = iam.create_application(name="fleet", description="hosts that pull", tags=["fleet"])
    assert (application.organization_id, application.nb_api_keys, application.tags) == (ORG, 0, ["fleet"])
    policy = iam.create_policy(
        name="fleet-pull",
        description="",
        application_id=application.id,
        rules=[
            RuleSpecs(permission_set_names=["ContainerRegistryReadOnly"], condition="", project_ids=[EXTRA_PROJECT])
        ],
    )
    assert policy.application_id == application.id
    (rule,) = iam.list_rules(policy_id=policy.id).rules
    assert (rule.permission_set_names, rule.project_ids, rule.permission_sets_scope_type) == (
        ["ContainerRegistryReadOnly"],
        [EXTRA_PROJECT],
        PermissionSetScopeType.PROJECTS,
    )
    expires_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    key = iam.create_api_key(application_id=application.id, description="host=web1", expires_at=expires_at)
    assert key.secret_key and key.expires_at == expires_at and key.application_id == application.id

    assert [a.name for a in iam.list_applications_all(name="fleet")] == ["fleet"]
    assert [p.id for p in iam.list_policies_all(application_ids=[application.id])] == [policy.id]
    listed = iam.list_api_keys_all(bearer_type=BearerType.APPLICATION, bearer_id=application.id, expired=False)
    assert [k.access_key for k in listed] == [key.access_key]
    fetched = iam.get_api_key(access_key=key.access_key)
    assert fetched.secret_key is None and fetched.description == "host=web1"
    assert iam.get_application(application_id=application.id).nb_api_keys == 1

    # The key reads the registry of its project with the SDK...
    as_key = RegistryV1API(
        Client(access_key=key.access_key, secret_key=key.secret_key, api_url=emu.url, default_region="fr-par")
    )
    assert [n.id for n in as_key.list_namespaces(project_id=EXTRA_PROJECT).namespaces] == [namespace.id]
    with pytest.raises(ScalewayException) as raised:
        as_key.update_namespace(namespace_id=namespace.id, is_public=True)
    assert raised.value.status_code == 403
    # ...until the clock passes its expiry.
    emu.admin("PATCH", "config", json={"clock_offset": 2 * 86400})
    with pytest.raises(ScalewayException) as raised:
        as_key.get_namespace(namespace_id=namespace.id)
    assert raised.value.status_code == 401
    assert [k.access_key for k in iam.list_api_keys_all(application_id=application.id, expired=True)] == [
        key.access_key
    ]

    iam.delete_api_key(access_key=key.access_key)
    iam.delete_policy(policy_id=policy.id)
    iam.delete_application(application_id=application.id)
    with pytest.raises(ScalewayException) as raised:
        iam.get_application(application_id=application.id)
    assert raised.value.status_code == 404
    assert iam.list_api_keys_all(application_id=application.id) == []
