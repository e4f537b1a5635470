"""The emulator's API behaviour, checked over HTTP against the contract in ../README.md."""

import re
import uuid

import pytest
import requests
from emulator_harness import DIGEST_A, DIGEST_B, EXTRA_PROJECT, KEY, ORG, OTHER_KEY, OTHER_ORG, namespace_payload

NAMESPACE_FIELDS = [
    "id",
    "name",
    "description",
    "organization_id",
    "project_id",
    "status",
    "status_message",
    "endpoint",
    "is_public",
    "size",
    "created_at",
    "updated_at",
    "image_count",
    "region",
]
IMAGE_FIELDS = [
    "id",
    "name",
    "namespace_id",
    "status",
    "status_message",
    "visibility",
    "size",
    "created_at",
    "updated_at",
    "tags",
]
TAG_FIELDS = ["id", "name", "image_id", "status", "digest", "created_at", "updated_at"]
DENIED_BODY = {
    "message": "authentication is denied",
    "method": "api_key",
    "reason": "not_found",
    "type": "denied_authentication",
}
ALREADY_EXIST = {"message": "Namespace already exist"}
MICROS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
NANOS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")


def create(emu, name, key=KEY, region="fr-par", **extra):
    response = emu.session(key).post(emu.api_url("namespaces", region), json=namespace_payload(name, **extra))
    assert response.status_code == 200, response.text
    return response.json()


def get(emu, path, key=KEY, **kwargs):
    return emu.session(key).get(emu.api_url(path), **kwargs)


def push(emu, namespace, image, *tags, region="fr-par"):
    """Seeds an image with tags given as (name, digest, size)."""
    created = emu.seed(
        {
            "images": [
                {
                    "region": region,
                    "namespace": namespace,
                    "name": image,
                    "tags": [{"name": n, "digest": d, "size": s} for n, d, s in tags],
                }
            ]
        }
    )
    return created["images"][0], created["tags"]


def invalid(argument, reason):
    return lambda body: (
        body["type"] == "invalid_arguments"
        and body["message"] == "invalid argument(s)"
        and [(d["argument_name"], d["reason"]) for d in body["details"]] == [(argument, reason)]
        and all(isinstance(d["help_message"], str) for d in body["details"])
    )


# ---- authentication ----------------------------------------------------------


def test_a_missing_or_unknown_key_gets_401_denied_authentication(emu):
    for key in (None, str(uuid.uuid4()), "not-a-uuid"):
        response = emu.session(key).get(emu.api_url("namespaces"))
        assert response.status_code == 401
        assert response.json() == DENIED_BODY
    # Header names are case-insensitive: the Python SDK sends x-auth-token.
    assert requests.get(emu.api_url("namespaces"), headers={"x-auth-token": KEY}).status_code == 200


# ---- objects -------------------------------------------------------------------


def test_every_object_has_every_field_in_the_server_order(emu):
    created = create(emu, "field-order")
    image_id, (tag_id,) = push(emu, "field-order", "app", ("v1", DIGEST_A, 10))
    namespace = get(emu, f"namespaces/{created['id']}").json()
    image = get(emu, f"images/{image_id}").json()
    tag = get(emu, f"tags/{tag_id}").json()
    assert list(created) == NAMESPACE_FIELDS and list(namespace) == NAMESPACE_FIELDS
    assert list(image) == IMAGE_FIELDS and list(tag) == TAG_FIELDS
    assert list(get(emu, "namespaces").json()["namespaces"][0]) == NAMESPACE_FIELDS
    assert list(get(emu, "images").json()["images"][0]) == IMAGE_FIELDS
    assert list(get(emu, f"images/{image_id}/tags").json()["tags"][0]) == TAG_FIELDS
    assert namespace["status_message"] == "" and namespace["description"] == "" and namespace["is_public"] is False
    assert image == {
        **image,
        "status": "ready",
        "status_message": "",
        "visibility": "inherit",
        "size": 10,
        "tags": ["v1"],
        "namespace_id": created["id"],
    }
    assert tag == {**tag, "name": "v1", "image_id": image_id, "status": "ready", "digest": DIGEST_A}


def test_a_created_namespace_is_ready_at_once_with_its_endpoint_and_region(emu):
    created = create(emu, "ready-now", region="nl-ams", description="hello", is_public=True)
    assert created["status"] == "ready"
    assert created["endpoint"] == "rg.nl-ams.scw.cloud/ready-now"
    assert created["region"] == "nl-ams"
    assert (created["organization_id"], created["project_id"]) == (ORG, ORG)
    assert (created["description"], created["is_public"], created["size"], created["image_count"]) == (
        "hello",
        True,
        0,
        0,
    )
    read = emu.session().get(emu.api_url(f"namespaces/{created['id']}", "nl-ams")).json()
    assert read["status"] == "ready"
    # Ids are regional: the same id is unknown in another region.
    assert get(emu, f"namespaces/{created['id']}").status_code == 404


# ---- names -----------------------------------------------------------------------


def test_namespace_names_are_unique_per_region_across_organizations(emu):
    create(emu, "taken-name")
    response = emu.session(OTHER_KEY).post(emu.api_url("namespaces"), json=namespace_payload("taken-name", OTHER_ORG))
    assert (response.status_code, response.json()) == (400, ALREADY_EXIST)
    assert create(emu, "taken-name", key=OTHER_KEY, region="pl-waw", project_id=OTHER_ORG)["region"] == "pl-waw"


@pytest.mark.parametrize(
    "name", ["my_namespace", "Upper-case", "abc", "a" * 55, "-lead", "trail-", "dou--ble", "with space", "dot.ted"]
)
def test_an_invalid_namespace_name_gets_the_same_400_as_a_duplicate(emu, name):
    response = emu.session().post(emu.api_url("namespaces"), json=namespace_payload(name))
    assert (response.status_code, response.json()) == (400, ALREADY_EXIST)


@pytest.mark.parametrize("name", ["abcd", "a" * 54, "a-1-b", "0000"])
def test_names_of_4_to_54_lower_case_alphanumerics_and_single_hyphens_are_valid(emu, name):
    assert create(emu, name)["name"] == name


# ---- create body -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, check",
    [
        ({"project_id": ORG}, invalid("name", "required")),
        ({"name": "no-project"}, invalid("project_id", "required")),
        ({"name": "both-ids", "project_id": ORG, "organization_id": ORG}, invalid("project_id", "constraint")),
        ({"name": "bad-project", "project_id": "123"}, invalid("project_id", "format")),
        ({"name": "bad-org", "organization_id": "123"}, invalid("organization_id", "format")),
        ({"name": "bad-description", "project_id": ORG, "description": 5}, invalid("description", "format")),
        ({"name": "bad-public", "project_id": ORG, "is_public": "yes"}, invalid("is_public", "format")),
        ("[1, 2]", invalid("body", "format")),
        ("{not json", invalid("body", "format")),
    ],
)
def test_malformed_create_bodies_get_400_invalid_arguments(emu, body, check):
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    response = emu.session().post(emu.api_url("namespaces"), **kwargs)
    assert response.status_code == 400
    assert check(response.json()), response.json()
    assert get(emu, "namespaces").json()["total_count"] == 0


def test_create_defaults_and_organization_id_standing_for_its_default_project(emu):
    response = emu.session().post(emu.api_url("namespaces"), json={"name": "by-org", "organization_id": ORG})
    assert response.status_code == 200
    created = response.json()
    assert (created["project_id"], created["organization_id"]) == (ORG, ORG)
    assert (created["description"], created["is_public"]) == ("", False)


def test_creating_in_a_project_the_key_does_not_own_is_not_authorized(emu):
    for field, value in (("project_id", OTHER_ORG), ("organization_id", OTHER_ORG), ("project_id", str(uuid.uuid4()))):
        response = emu.session().post(emu.api_url("namespaces"), json={"name": "not-mine", field: value})
        assert (response.status_code, response.json()) == (403, {"message": "Not authorized"})
    created = create(emu, "second-project", project_id=EXTRA_PROJECT)
    assert (created["project_id"], created["organization_id"]) == (EXTRA_PROJECT, ORG)


# ---- organizations -----------------------------------------------------------------


def test_another_organization_gets_403_by_id_and_sees_nothing_in_lists(emu):
    namespace = create(emu, "private-to-org")
    image_id, (tag_id,) = push(emu, "private-to-org", "app", ("v1", DIGEST_A, 1))
    other = emu.session(OTHER_KEY)

    def denied(resource, action):
        return {
            "details": [{"action": action, "resource": resource}],
            "message": "insufficient permissions",
            "type": "permissions_denied",
        }

    for method, path, resource, action in [
        ("GET", f"namespaces/{namespace['id']}", "namespace", "read"),
        ("PATCH", f"namespaces/{namespace['id']}", "namespace", "write"),
        ("DELETE", f"namespaces/{namespace['id']}", "namespace", "delete"),
        ("GET", f"images/{image_id}", "image", "read"),
        ("PATCH", f"images/{image_id}", "image", "write"),
        ("DELETE", f"images/{image_id}", "image", "delete"),
        ("GET", f"images/{image_id}/tags", "image", "read"),
        ("GET", f"tags/{tag_id}", "tag", "read"),
        ("DELETE", f"tags/{tag_id}", "tag", "delete"),
    ]:
        response = other.request(method, emu.api_url(path), json={"description": "x", "visibility": "public"})
        assert (response.status_code, response.json()) == (403, denied(resource, action)), (method, path)
    for path, key in (("namespaces", "namespaces"), ("images", "images")):
        assert other.get(emu.api_url(path)).json() == {key: [], "total_count": 0}
        assert other.get(emu.api_url(path), params={"organization_id": ORG}).json() == {key: [], "total_count": 0}
    # Nothing the other organization tried changed anything.
    assert get(emu, f"namespaces/{namespace['id']}").json()["description"] == ""
    assert get(emu, f"images/{image_id}").json()["tags"] == ["v1"]


def test_unknown_ids_get_404_with_the_resource_message(emu):
    missing = str(uuid.uuid4())
    for method, path, message in [
        ("GET", f"namespaces/{missing}", "Namespace was not found"),
        ("PATCH", f"namespaces/{missing}", "Namespace was not found"),
        ("DELETE", f"namespaces/{missing}", "Namespace was not found"),
        ("GET", f"images/{missing}", "Image was not found"),
        ("DELETE", f"images/{missing}", "Image was not found"),
        ("GET", f"images/{missing}/tags", "Image was not found"),
        ("GET", f"tags/{missing}", "Tag was not found"),
        ("DELETE", f"tags/{missing}", "Tag was not found"),
    ]:
        response = emu.session().request(method, emu.api_url(path), json={})
        assert (response.status_code, response.json()) == (404, {"message": message}), (method, path)


def test_malformed_ids_and_filters_get_400_invalid_arguments(emu):
    assert invalid("namespace_id", "format")(get(emu, "namespaces/not-a-uuid").json())
    assert invalid("image_id", "format")(get(emu, "images/123/tags").json())
    assert invalid("tag_id", "format")(emu.session().delete(emu.api_url("tags/x")).json())
    assert invalid("project_id", "format")(get(emu, "namespaces", params={"project_id": "p"}).json())
    assert invalid("namespace_id", "format")(get(emu, "images", params={"namespace_id": "n"}).json())
    assert invalid("force", "format")(
        emu.session().delete(emu.api_url(f"tags/{uuid.uuid4()}"), params={"force": "maybe"}).json()
    )


def test_an_unknown_region_gets_404(emu):
    response = emu.session().get(emu.api_url("namespaces", region="it-mil"))
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Region it-mil is not available for this product"},
    )


# ---- lists -------------------------------------------------------------------------


def test_lists_page_with_a_total_count_of_every_match(emu):
    names = [f"page-{i:02d}" for i in range(25)]
    for name in names:
        create(emu, name)
    first = get(emu, "namespaces").json()
    assert (len(first["namespaces"]), first["total_count"]) == (20, 25)
    assert [n["name"] for n in first["namespaces"]] == names[:20]
    assert [n["name"] for n in get(emu, "namespaces", params={"page": 2}).json()["namespaces"]] == names[20:]
    assert get(emu, "namespaces", params={"page": 3}).json() == {"namespaces": [], "total_count": 25}
    assert len(get(emu, "namespaces", params={"page_size": 100}).json()["namespaces"]) == 25
    pages = [get(emu, "namespaces", params={"page": p, "page_size": 7}).json() for p in (1, 2, 3, 4)]
    assert [n["name"] for page in pages for n in page["namespaces"]] == names
    assert {page["total_count"] for page in pages} == {25}
    for params, argument in [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
    ]:
        response = get(emu, "namespaces", params=params)
        assert response.status_code == 400
        assert response.json()["details"][0]["argument_name"] == argument


def test_an_empty_list_is_an_empty_envelope(emu):
    assert get(emu, "namespaces").json() == {"namespaces": [], "total_count": 0}
    assert get(emu, "images").json() == {"images": [], "total_count": 0}


def test_order_by_sorts_each_resource_with_ties_broken_by_id(emu):
    created = [
        create(emu, name, description=desc)
        for name, desc in [("charlie", "same"), ("alpha", "same"), ("bravo", "first")]
    ]

    def names(**params):
        return [n["name"] for n in get(emu, "namespaces", params=params).json()["namespaces"]]

    assert names() == names(order_by="created_at_asc") == ["charlie", "alpha", "bravo"]
    assert names(order_by="created_at_desc") == ["bravo", "alpha", "charlie"]
    assert names(order_by="name_asc") == ["alpha", "bravo", "charlie"]
    assert names(order_by="name_desc") == ["charlie", "bravo", "alpha"]
    tied = [n["name"] for n in sorted(created[:2], key=lambda n: n["id"])]
    assert names(order_by="description_asc") == ["bravo", *tied]
    assert names(order_by="description_desc") == [*tied[::-1], "bravo"]
    assert get(emu, "namespaces", params={"order_by": "status_asc"}).status_code == 400

    for image in ("zeta", "eta", "theta"):
        push(emu, "alpha", image, ("v1", DIGEST_A, 1))
    images = get(emu, "images", params={"order_by": "name_desc"}).json()["images"]
    assert [i["name"] for i in images] == ["zeta", "theta", "eta"]
    assert get(emu, "images", params={"order_by": "description_asc"}).status_code == 400


def test_filters_are_exact_and_combined(emu):
    create(emu, "filter-one")
    create(emu, "filter-one-more")
    create(emu, "filter-extra", project_id=EXTRA_PROJECT)

    def names(path="namespaces", **params):
        return sorted(item["name"] for item in get(emu, path, params=params).json()[path])

    assert names(name="filter-one") == ["filter-one"]
    assert names(name="filter") == []
    assert names(project_id=EXTRA_PROJECT) == ["filter-extra"]
    assert names(project_id=ORG) == ["filter-one", "filter-one-more"]
    assert names(organization_id=ORG) == ["filter-extra", "filter-one", "filter-one-more"]
    assert names(name="filter-extra", project_id=ORG) == []
    assert names(name="", project_id="") == ["filter-extra", "filter-one", "filter-one-more"]

    app_id = push(emu, "filter-one", "app", ("v1", DIGEST_A, 1))[0]
    push(emu, "filter-extra", "app", ("v1", DIGEST_A, 1))
    one = get(emu, f"images/{app_id}").json()["namespace_id"]
    assert names("images", name="app") == ["app", "app"]
    assert [i["namespace_id"] for i in get(emu, "images", params={"namespace_id": one}).json()["images"]] == [one]
    assert len(get(emu, "images", params={"project_id": EXTRA_PROJECT}).json()["images"]) == 1
    image_id = push(emu, "filter-one", "two-tags", ("v1", DIGEST_A, 1), ("v2", DIGEST_B, 1))[0]
    tags = get(emu, f"images/{image_id}/tags", params={"name": "v2"}).json()
    assert [t["name"] for t in tags["tags"]] == ["v2"] and tags["total_count"] == 1


def test_image_names_with_a_slash_are_found_by_the_url_encoded_name_filter(emu):
    create(emu, "slashes")
    image_id = push(emu, "slashes", "team/app", ("latest", DIGEST_A, 5))[0]
    push(emu, "slashes", "team", ("latest", DIGEST_A, 5))
    emu.admin("DELETE", "requests")
    response = get(emu, "images", params={"name": "team/app"})
    assert [(i["id"], i["name"]) for i in response.json()["images"]] == [(image_id, "team/app")]
    assert emu.request_log()[0]["query"] == "name=team%2Fapp"


# ---- requests and answers ----------------------------------------------------------


def test_get_and_delete_accept_and_ignore_a_json_body_on_a_kept_alive_connection(emu):
    session = emu.session()
    session.headers.update({"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"})
    created = session.post(emu.api_url("namespaces"), data=f'{{"name":"with-body","project_id":"{ORG}"}}').json()
    assert session.get(emu.api_url("namespaces"), data="{}").json()["total_count"] == 1
    assert session.get(emu.api_url(f"namespaces/{created['id']}"), data="{}").json()["name"] == "with-body"
    assert session.delete(emu.api_url(f"namespaces/{created['id']}"), data="{}").json()["status"] == "deleting"
    assert session.get(emu.api_url(f"namespaces/{created['id']}"), data="{}").status_code == 404
    assert [e["status"] for e in emu.request_log()] == [200, 200, 200, 200, 404]


def test_answers_carry_json_content_type_a_request_id_and_the_gateway_headers(emu):
    responses = [
        get(emu, "namespaces"),
        get(emu, f"namespaces/{uuid.uuid4()}"),
        emu.session(None).get(emu.api_url("namespaces")),
    ]
    request_ids = set()
    for response in responses:
        headers = response.headers
        assert headers["Content-Type"] == "application/json"
        assert int(headers["Content-Length"]) == len(response.content)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Strict-Transport-Security"] == "max-age=63072000"
        assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert uuid.UUID(headers["X-Request-Id"])
        request_ids.add(headers["X-Request-Id"])
    assert len(request_ids) == len(responses)


def _to_micros(nanos_text):
    whole, fraction = nanos_text[:-1].split(".")
    micros = (int(fraction) + 500) // 1000
    return whole, micros


def test_mutations_show_nanoseconds_and_reads_show_the_stored_microseconds(emu):
    created = create(emu, "timestamps")
    assert NANOS_RE.match(created["created_at"]) and created["created_at"] == created["updated_at"]
    read = get(emu, f"namespaces/{created['id']}").json()
    assert MICROS_RE.match(read["created_at"]) and MICROS_RE.match(read["updated_at"])
    whole, micros = _to_micros(created["created_at"])
    if micros < 1_000_000:  # rounding up into the next second is a case not worth the arithmetic here
        assert read["created_at"] == f"{whole}.{micros:06d}Z"
    patched = emu.session().patch(emu.api_url(f"namespaces/{created['id']}"), json={"description": "d"}).json()
    assert MICROS_RE.match(patched["created_at"]) and NANOS_RE.match(patched["updated_at"])
    assert patched["created_at"] == read["created_at"] and patched["updated_at"] > read["updated_at"]
    listed = get(emu, "namespaces").json()["namespaces"][0]
    assert MICROS_RE.match(listed["updated_at"])
    deleted = emu.session().delete(emu.api_url(f"namespaces/{created['id']}")).json()
    assert MICROS_RE.match(deleted["created_at"]) and NANOS_RE.match(deleted["updated_at"])


def test_patch_applies_only_the_fields_present_and_the_name_cannot_change(emu):
    created = create(emu, "patch-me", description="before", is_public=True)
    url = emu.api_url(f"namespaces/{created['id']}")
    after = emu.session().patch(url, json={"description": "after"}).json()
    assert (after["description"], after["is_public"], after["name"]) == ("after", True, "patch-me")
    after = emu.session().patch(url, json={"is_public": False, "name": "renamed"}).json()
    assert (after["description"], after["is_public"], after["name"]) == ("after", False, "patch-me")
    assert emu.session().patch(url, json={"is_public": "no"}).status_code == 400
    assert get(emu, f"namespaces/{created['id']}").json()["is_public"] is False


def test_image_visibility_can_be_public_private_or_inherit(emu):
    create(emu, "visibility")
    image_id = push(emu, "visibility", "app", ("v1", DIGEST_A, 1))[0]
    url = emu.api_url(f"images/{image_id}")
    for visibility in ("public", "private", "inherit"):
        response = emu.session().patch(url, json={"visibility": visibility})
        assert response.json()["visibility"] == visibility
        assert NANOS_RE.match(response.json()["updated_at"])
    emu.session().patch(url, json={"visibility": "public"})
    # The Go SDK always sends the field; its zero value leaves the image as it is.
    assert emu.session().patch(url, json={"visibility": "visibility_unknown"}).json()["visibility"] == "public"
    assert emu.session().patch(url, json={}).json()["visibility"] == "public"
    response = emu.session().patch(url, json={"visibility": "secret"})
    assert invalid("visibility", "format")(response.json())


# ---- deleting ----------------------------------------------------------------------


def test_deleting_an_empty_namespace_makes_the_next_get_404(emu):
    created = create(emu, "empty-one")
    deleted = emu.session().delete(emu.api_url(f"namespaces/{created['id']}")).json()
    assert deleted["status"] == "deleting" and deleted["id"] == created["id"]
    response = get(emu, f"namespaces/{created['id']}")
    assert (response.status_code, response.json()) == (404, {"message": "Namespace was not found"})
    response = emu.session().delete(emu.api_url(f"namespaces/{created['id']}"))
    assert (response.status_code, response.json()) == (404, {"message": "Namespace was not found"})
    assert create(emu, "empty-one")["status"] == "ready"


def test_deleting_a_namespace_with_images_stays_deleting_for_the_configured_polls(emu):
    created = create(emu, "with-images")
    image_id, (tag_id,) = push(emu, "with-images", "app", ("v1", DIGEST_A, 7))
    url = emu.api_url(f"namespaces/{created['id']}")
    deleted = emu.session().delete(url).json()
    assert (deleted["status"], deleted["image_count"], deleted["size"]) == ("deleting", 1, 7)
    # The shared emulator keeps a namespace with images 'deleting' for 2 reads.
    assert get(emu, f"namespaces/{created['id']}").json()["status"] == "deleting"
    again = emu.session().delete(url)  # a DELETE while deleting changes nothing and is no read
    assert (again.status_code, again.json()["status"]) == (200, "deleting")
    listed = get(emu, "namespaces", params={"name": "with-images"}).json()
    assert [n["status"] for n in listed["namespaces"]] == ["deleting"]
    assert emu.session().post(emu.api_url("namespaces"), json=namespace_payload("with-images")).json() == ALREADY_EXIST
    assert get(emu, f"namespaces/{created['id']}").status_code == 404
    assert get(emu, "namespaces").json() == {"namespaces": [], "total_count": 0}
    assert get(emu, f"images/{image_id}").status_code == 404
    assert get(emu, f"tags/{tag_id}").status_code == 404
    assert create(emu, "with-images")["status"] == "ready"


def test_a_namespace_being_deleted_cannot_be_changed_and_its_images_are_deleting(emu):
    created = create(emu, "going-away")
    image_id = push(emu, "going-away", "app", ("v1", DIGEST_A, 1))[0]
    emu.session().delete(emu.api_url(f"namespaces/{created['id']}"))
    response = emu.session().patch(emu.api_url(f"namespaces/{created['id']}"), json={"description": "x"})
    assert (response.status_code, response.json()) == (
        409,
        {
            "current_state": "deleting",
            "message": "resource is in a transient state",
            "resource": "namespace",
            "resource_id": created["id"],
            "type": "transient_state",
        },
    )
    assert get(emu, f"images/{image_id}").json()["status"] == "deleting"


def test_deleting_polls_zero_makes_every_delete_immediate(emu):
    emu.admin("PATCH", "config", json={"deleting_polls": 0})
    created = create(emu, "no-wait")
    push(emu, "no-wait", "app", ("v1", DIGEST_A, 1))
    assert emu.session().delete(emu.api_url(f"namespaces/{created['id']}")).json()["status"] == "deleting"
    assert get(emu, f"namespaces/{created['id']}").status_code == 404


def test_a_deleted_image_with_tags_stays_deleting_then_goes_with_its_tags(emu):
    created = create(emu, "image-delete")
    image_id, (tag_id,) = push(emu, "image-delete", "app", ("v1", DIGEST_A, 3))
    deleted = emu.session().delete(emu.api_url(f"images/{image_id}")).json()
    assert list(deleted) == IMAGE_FIELDS
    assert (deleted["status"], deleted["tags"], deleted["size"]) == ("deleting", ["v1"], 3)
    assert NANOS_RE.match(deleted["updated_at"])
    assert get(emu, "images").json()["images"][0]["status"] == "deleting"
    # While it is deleting, the namespace still counts it (as recorded).
    assert get(emu, f"namespaces/{created['id']}").json()["image_count"] == 1
    assert get(emu, f"images/{image_id}").json()["status"] == "deleting"
    assert get(emu, f"images/{image_id}").status_code == 404
    assert get(emu, f"tags/{tag_id}").status_code == 404
    namespace = get(emu, f"namespaces/{created['id']}").json()
    assert (namespace["image_count"], namespace["size"]) == (0, 0)


def test_deleting_an_image_without_tags_is_immediate(emu):
    create(emu, "bare-image")
    image_id = push(emu, "bare-image", "app")[0]
    assert emu.session().delete(emu.api_url(f"images/{image_id}")).json()["status"] == "deleting"
    assert get(emu, f"images/{image_id}").status_code == 404


def test_deleting_a_tag_whose_digest_is_shared_needs_force(emu):
    create(emu, "tag-delete")
    image_id, (latest, v1, v2) = push(
        emu, "tag-delete", "app", ("latest", DIGEST_A, 100), ("v1", DIGEST_A, 100), ("v2", DIGEST_B, 30)
    )
    assert get(emu, f"images/{image_id}").json()["size"] == 130
    for params in ({}, {"force": "false"}):
        response = emu.session().delete(emu.api_url(f"tags/{latest}"), params=params)
        assert (response.status_code, response.json()) == (
            412,
            {
                "help_message": f"tags latest, v1 share digest {DIGEST_A}; set force=true to delete them all",
                "message": "precondition is not respected",
                "precondition": "resource_still_in_use",
                "type": "precondition_failed",
            },
        )
    assert get(emu, f"images/{image_id}").json()["tags"] == ["latest", "v1", "v2"]
    response = emu.session().delete(emu.api_url(f"tags/{latest}"), params={"force": "true"})
    assert response.status_code == 200
    tag = response.json()
    assert list(tag) == TAG_FIELDS
    assert (tag["id"], tag["name"], tag["status"], tag["digest"]) == (latest, "latest", "deleting", DIGEST_A)
    assert NANOS_RE.match(tag["updated_at"]) and MICROS_RE.match(tag["created_at"])
    assert get(emu, f"tags/{latest}").status_code == 404
    assert get(emu, f"tags/{v1}").status_code == 404
    image = get(emu, f"images/{image_id}").json()
    assert (image["tags"], image["size"]) == (["v2"], 30)
    # A digest no other tag shares needs no force.
    assert emu.session().delete(emu.api_url(f"tags/{v2}")).status_code == 200


def test_a_push_before_a_tag_delete_makes_it_a_race_that_needs_force(emu):
    # As if someone pushed the digest under another tag between a client's listing and its delete.
    create(emu, "tag-race")
    image_id, (v1, v2) = push(emu, "tag-race", "app", ("v1", DIGEST_A, 100), ("v2", DIGEST_B, 30))
    emu.admin("PATCH", "config", json={"pushes_before_tag_delete": 1})
    response = emu.session().delete(emu.api_url(f"tags/{v1}"))
    raced = "pushed-during-delete-of-v1"
    assert (response.status_code, response.json()["help_message"]) == (
        412,
        f"tags {raced}, v1 share digest {DIGEST_A}; set force=true to delete them all",
    )
    assert get(emu, f"images/{image_id}").json()["tags"] == [raced, "v1", "v2"]
    # Only the next delete races.
    assert emu.admin("GET", "config")["pushes_before_tag_delete"] == 0
    assert emu.session().delete(emu.api_url(f"tags/{v2}")).status_code == 200
    assert get(emu, f"images/{image_id}").json()["tags"] == [raced, "v1"]


@pytest.mark.parametrize("value", [-1, "1", True, 1.5])
def test_pushes_before_tag_delete_must_be_a_count(emu, value):
    response = emu.session().patch(f"{emu.url}/_emulator/config", json={"pushes_before_tag_delete": value})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "pushes_before_tag_delete must be a non-negative integer"},
    )
    assert emu.admin("GET", "config")["pushes_before_tag_delete"] == 0


def test_deleting_the_last_tag_leaves_the_image_with_size_zero(emu):
    created = create(emu, "last-tag")
    image_id, (tag_id,) = push(emu, "last-tag", "app", ("latest", DIGEST_A, 2927))
    assert emu.session().delete(emu.api_url(f"tags/{tag_id}")).json()["status"] == "deleting"
    image = get(emu, f"images/{image_id}").json()
    assert (image["status"], image["tags"], image["size"]) == ("ready", [], 0)
    namespace = get(emu, f"namespaces/{created['id']}").json()
    assert (namespace["image_count"], namespace["size"]) == (1, 0)


def test_namespace_size_and_image_count_are_derived_from_the_tags(emu):
    created = create(emu, "sizes")
    push(emu, "sizes", "one", ("a", DIGEST_A, 100), ("b", DIGEST_B, 50), ("a-again", DIGEST_A, 100))
    push(emu, "sizes", "two", ("a", DIGEST_A, 100))
    namespace = get(emu, f"namespaces/{created['id']}").json()
    # A digest counts once in an image, and once in each image that has it.
    assert (namespace["image_count"], namespace["size"]) == (2, 250)


def test_locked_resources_can_be_read_but_not_changed(emu):
    emu.seed({"namespaces": [{"name": "locked-ns", "project_id": ORG, "status": "locked"}]})
    namespace = get(emu, "namespaces", params={"name": "locked-ns"}).json()["namespaces"][0]
    assert namespace["status"] == "locked"
    url = emu.api_url(f"namespaces/{namespace['id']}")
    for response in (emu.session().patch(url, json={"description": "x"}), emu.session().delete(url)):
        assert (response.status_code, response.json()) == (
            403,
            {
                "message": "resource is locked",
                "resource": "namespace",
                "resource_id": namespace["id"],
                "type": "locked",
            },
        )


def test_unknown_paths_and_methods_are_refused(emu):
    assert get(emu, "registries").status_code == 404
    assert emu.session().put(emu.api_url("namespaces")).status_code == 405
    assert emu.session().get(f"{emu.url}/registry/v2/regions/fr-par/namespaces").status_code == 404
