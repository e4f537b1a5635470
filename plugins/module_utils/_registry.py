# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""One helper per Registry API object, and the serialisers shared by a module and its _info twin.

Lookups answer None when the object is missing, and deletes answer None when it was already gone,
so that modules need no special case for "absent".
"""

from __future__ import annotations

import re

from ansible_collections.scaleway.registry.plugins.module_utils._client import NotFound, wait_for
from ansible_collections.scaleway.registry.plugins.module_utils._config import UUID_RE

# Scaleway publishes no rule; every recorded name matches this, and the API refuses
# uppercase letters and underscores (with a misleading "Namespace already exist").
NAMESPACE_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAMESPACE_NAME_LENGTH = (4, 54)
NAMESPACE_ORDER_BY = (
    "created_at_asc",
    "created_at_desc",
    "description_asc",
    "description_desc",
    "name_asc",
    "name_desc",
)
ORDER_BY = ("created_at_asc", "created_at_desc", "name_asc", "name_desc")
VISIBILITIES = ("inherit", "public", "private")

# The API's field order, which results keep.
NAMESPACE_FIELDS = (
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
)
IMAGE_FIELDS = (
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
)
TAG_FIELDS = ("id", "name", "image_id", "status", "digest", "created_at", "updated_at")


def is_uuid(value):
    return bool(value) and UUID_RE.match(value) is not None


def namespace_name_problem(name):
    """Why a namespace name would be refused, or None when it is valid."""
    low, high = NAMESPACE_NAME_LENGTH
    if not low <= len(name) <= high:
        return f"namespace name '{name}' must be {low} to {high} characters long"
    if not NAMESPACE_NAME_RE.match(name):
        return f"namespace name '{name}' may only hold lowercase letters, digits and single hyphens between them"
    return None


def _ordered(item, fields, **extra):
    result = {field: item.get(field) for field in fields}
    result.update((key, value) for key, value in item.items() if key not in result)
    result.update(extra)
    return result


def namespace_to_result(namespace):
    """A namespace as modules return it: every API field, in the API's order."""
    return None if namespace is None else _ordered(namespace, NAMESPACE_FIELDS)


def image_to_result(image, namespace_name, region):
    """An image as modules return it: every API field, plus the name of its namespace and its region."""
    return None if image is None else _ordered(image, IMAGE_FIELDS, namespace=namespace_name, region=region)


def tag_to_result(tag, region):
    """A tag as modules return it: every API field, plus its region."""
    return None if tag is None else _ordered(tag, TAG_FIELDS, region=region)


class _Resource:
    """get, delete and wait for one kind of object of one region."""

    path = ""  # the collection's path under /regions/{region}/, and its key in a listing
    noun = ""

    def __init__(self, client, region):
        self.client = client
        self.region = region

    def get(self, resource_id):
        try:
            return self.client.get(f"{self.path}/{resource_id}", self.region)
        except NotFound:
            return None

    def delete(self, resource_id, params=None):
        """Start the deletion; None when the object was already gone."""
        try:
            return self.client.delete(f"{self.path}/{resource_id}", self.region, params=params)
        except NotFound:
            return None

    def update(self, resource_id, changes):
        return self.client.patch(f"{self.path}/{resource_id}", self.region, changes)

    def _find_named(self, listing, name, **filters):
        """The object with that name, from the first page of a listing filtered by it: one request."""
        found = self.client.first_page(listing, self.path, self.region, params=_present(dict(filters, name=name)))
        return next((item for item in found if item.get("name") == name), None)

    def _list(self, listing, filters):
        return self.client.paginate(listing, self.path, self.region, params=_present(filters))

    def wait_until_gone(self, resource_id, timeout):
        wait_for(
            lambda: self.get(resource_id),
            lambda found: found is None,
            timeout,
            f"{self.noun} {resource_id} in {self.region} to be deleted",
            sleep=self.client.sleep,
        )


class Namespaces(_Resource):
    path = "namespaces"
    noun = "namespace"

    def find_by_name(self, name, project_id=None):
        """The namespace with that name, in one request: names are unique in a region."""
        return self._find_named(self.path, name, project_id=project_id or None)

    def find(self, name_or_id):
        """A namespace given by ID or by name."""
        return self.get(name_or_id) if is_uuid(name_or_id) else self.find_by_name(name_or_id)

    def list(self, **filters):
        return self._list(self.path, filters)

    def create(self, name, project_id=None, organization_id=None, description="", is_public=False):
        body = {"name": name, "description": description, "is_public": is_public}
        if project_id:
            body["project_id"] = project_id
        else:
            body["organization_id"] = organization_id
        return self.client.create(self.path, self.region, body, lambda: self.find_by_name(name, project_id))


class Images(_Resource):
    path = "images"
    noun = "image"

    def find(self, namespace_id, name):
        """The image with that name in a namespace, in one request."""
        return self._find_named(self.path, name, namespace_id=namespace_id)

    def list(self, **filters):
        return self._list(self.path, filters)


class Tags(_Resource):
    path = "tags"
    noun = "tag"

    def find(self, image_id, name):
        """The tag with that name of an image, in one request; None when either is missing."""
        try:
            return self._find_named(f"images/{image_id}/tags", name)
        except NotFound:
            return None

    def list(self, image_id, **filters):
        """Every tag of an image; none when the image is missing."""
        try:
            return self._list(f"images/{image_id}/tags", filters)
        except NotFound:
            return []


def _present(filters):
    return {key: value for key, value in filters.items() if value is not None}


def image_id_of(client, region, image, namespace=None):
    """The ID of an image given by ID (no request), or by name with its namespace; None when missing."""
    if is_uuid(image):
        return image
    found = locate_image(client, region, namespace=namespace, name=image)[1]
    return found["id"] if found else None


def locate_image(client, region, image_id=None, namespace=None, name=None):
    """The image given by ID, or by namespace (name or ID) and name, as (namespace, image).

    Either may be None when missing. Found by ID, the namespace is not looked up (the image
    holds only its ID) and is None: that saves a request.
    """
    if image_id:
        return None, Images(client, region).get(image_id)
    found = Namespaces(client, region).find(namespace)
    if found is None:
        return None, None
    return found, Images(client, region).find(found["id"], name)
