# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""One helper per Registry API object: lookups answer None when the object is missing."""

from __future__ import annotations

import re

from ansible_collections.scaleway.registry.plugins.module_utils._client import NotFound, wait_for

# Scaleway publishes no rule; every recorded name matches this, and the API refuses
# uppercase letters and underscores (with a misleading "Namespace already exist").
NAMESPACE_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAMESPACE_NAME_LENGTH = (4, 54)
NAMESPACE_ORDER_BY = ("created_at_asc", "created_at_desc", "description_asc", "description_desc", "name_asc", "name_desc")
NAMESPACE_FIELDS = ("id", "name", "description", "organization_id", "project_id", "status", "status_message",
                    "endpoint", "is_public", "size", "created_at", "updated_at", "image_count", "region")


def namespace_name_problem(name):
    """Why a namespace name would be refused, or None when it is valid."""
    low, high = NAMESPACE_NAME_LENGTH
    if not low <= len(name) <= high:
        return "namespace name '%s' must be %d to %d characters long" % (name, low, high)
    if not NAMESPACE_NAME_RE.match(name):
        return ("namespace name '%s' may only hold lowercase letters, digits and single hyphens between them"
                % name)
    return None


def namespace_to_result(namespace):
    """The namespace as modules return it: every API field, in the API's order."""
    if namespace is None:
        return None
    result = dict((field, namespace.get(field)) for field in NAMESPACE_FIELDS)
    result.update((key, value) for key, value in namespace.items() if key not in result)
    return result


class Namespaces:
    """Namespaces of one region."""

    def __init__(self, client, region):
        self.client = client
        self.region = region

    def find_by_name(self, name, project_id=None):
        """The namespace with that name, in one request: names are unique in a region."""
        params = {"name": name}
        if project_id:
            params["project_id"] = project_id
        answer = self.client.get("namespaces", self.region, params=params)
        return next((item for item in answer.get("namespaces", []) if item.get("name") == name), None)

    def get(self, namespace_id):
        try:
            return self.client.get("namespaces/%s" % namespace_id, self.region)
        except NotFound:
            return None

    def list(self, **filters):
        params = dict((key, value) for key, value in filters.items() if value is not None)
        return self.client.paginate("namespaces", "namespaces", self.region, params=params)

    def create(self, name, project_id=None, organization_id=None, description="", is_public=False):
        body = {"name": name, "description": description, "is_public": is_public}
        if project_id:
            body["project_id"] = project_id
        else:
            body["organization_id"] = organization_id
        return self.client.create("namespaces", self.region, body, lambda: self.find_by_name(name, project_id))

    def update(self, namespace_id, changes):
        return self.client.patch("namespaces/%s" % namespace_id, self.region, changes)

    def delete(self, namespace_id):
        """Start the deletion; None when the namespace was already gone."""
        try:
            return self.client.delete("namespaces/%s" % namespace_id, self.region)
        except NotFound:
            return None

    def wait_until_gone(self, namespace_id, timeout):
        wait_for(lambda: self.get(namespace_id), lambda namespace: namespace is None, timeout,
                 "namespace %s in %s to be deleted" % (namespace_id, self.region), sleep=self.client.sleep)
