"""The Registry API v1 surface: routes, authentication, and argument checks.

`Api.handle` turns one HTTP request into (status, JSON body, organization id)
and leaves the state rules to the store.
"""

import json
import uuid
from urllib.parse import parse_qsl, unquote

from .accounts import is_uuid
from .model import REGIONS, VISIBILITIES, ApiError, invalid_argument

PREFIX = ("", "registry", "v1", "regions")
DENIED = ApiError(
    401,
    {
        "message": "authentication is denied",
        "method": "api_key",
        "reason": "not_found",
        "type": "denied_authentication",
    },
)
NOT_AUTHORIZED = ApiError(403, {"message": "Not authorized"})

NAMESPACE_ORDERS = ("created_at_asc", "created_at_desc", "description_asc", "description_desc", "name_asc", "name_desc")
IMAGE_ORDERS = ("created_at_asc", "created_at_desc", "name_asc", "name_desc")

# (path after /regions/{region}/ with {} for an id, method) -> handler name
ROUTES = {
    (("namespaces",), "GET"): "list_namespaces",
    (("namespaces",), "POST"): "create_namespace",
    (("namespaces", "{}"), "GET"): "get_namespace",
    (("namespaces", "{}"), "PATCH"): "update_namespace",
    (("namespaces", "{}"), "DELETE"): "delete_namespace",
    (("images",), "GET"): "list_images",
    (("images", "{}"), "GET"): "get_image",
    (("images", "{}"), "PATCH"): "update_image",
    (("images", "{}"), "DELETE"): "delete_image",
    (("images", "{}", "tags"), "GET"): "list_tags",
    (("tags", "{}"), "GET"): "get_tag",
    (("tags", "{}"), "DELETE"): "delete_tag",
}
ID_ARGUMENT = {"namespaces": "namespace_id", "images": "image_id", "tags": "tag_id"}


def match_route(method, raw_path):
    """Returns (handler name, region, (id argument name, id or None)); raises 404/405 otherwise."""
    segments = [unquote(s) for s in raw_path.split("/")]
    if tuple(segments[:4]) != PREFIX or len(segments) < 6:
        raise ApiError(404, {"message": "Not Found"})
    region, rest = segments[4], segments[5:]
    shape = tuple("{}" if i == 1 else s for i, s in enumerate(rest))
    methods = {m for (s, m) in ROUTES if s == shape}
    if not methods:
        raise ApiError(404, {"message": "Not Found"})
    if method not in methods:
        raise ApiError(405, {"message": "Method Not Allowed"})
    resource_id = rest[1] if len(rest) > 1 else None
    return ROUTES[(shape, method)], region, (ID_ARGUMENT[rest[0]], resource_id)


class Api:
    def __init__(self, store, accounts, registries=None):
        self.store = store
        self.accounts = accounts
        self.registries = registries  # with --registry: deletes reach the registries before the answer

    def _delete_manifests(self, region, removed):
        if self.registries is not None and removed:
            self.registries.delete_manifests(region, removed)

    def handle(self, method, raw_path, query, headers, body):
        organization_id = None
        try:
            handler, region, (id_argument, resource_id) = match_route(method, raw_path)
            organization_id = self.accounts.organization_of_key(headers.get("X-Auth-Token"))
            if organization_id is None:
                raise DENIED
            if region not in REGIONS:
                raise ApiError(404, {"message": f"Region {region} is not available for this product"})
            _uuid(id_argument, resource_id)
            params = dict(parse_qsl(query, keep_blank_values=True)[::-1])  # first value wins
            result = getattr(self, handler)(organization_id, region, resource_id, params, body)
            return 200, result, organization_id
        except ApiError as error:
            return error.status, error.body, organization_id

    # ---- namespaces --------------------------------------------------------

    def list_namespaces(self, org, region, _id, params, _body):
        filters = _filters(params, name=str, project_id=_uuid, organization_id=_uuid)
        return self.store.list_namespaces(org, region, filters, *_paging(params, NAMESPACE_ORDERS))

    def create_namespace(self, org, region, _id, _params, body):
        fields = _json_object(body)
        name = fields.get("name")
        if name in (None, ""):
            raise invalid_argument("name", "required", "name is required")
        if not isinstance(name, str):
            raise invalid_argument("name", "format", "must be a string")
        project_id = _uuid("project_id", fields.get("project_id") or None)
        organization_id = _uuid("organization_id", fields.get("organization_id") or None)
        if project_id and organization_id:
            raise invalid_argument(
                "project_id", "constraint", "precisely one of project_id, organization_id must be set"
            )
        if not project_id and not organization_id:
            raise invalid_argument("project_id", "required", "precisely one of project_id, organization_id must be set")
        description = _typed(fields, "description", str, "")
        is_public = _typed(fields, "is_public", bool, False)
        # organization_id stands for that organization's default project, which has its id.
        project_id = project_id or organization_id
        if self.accounts.owner_of_project(project_id) != org:
            raise NOT_AUTHORIZED
        return self.store.create_namespace(region, name, description, org, project_id, is_public, str(uuid.uuid4()))

    def get_namespace(self, org, region, namespace_id, _params, _body):
        return self.store.get_namespace(org, region, namespace_id)

    def update_namespace(self, org, region, namespace_id, _params, body):
        fields = _json_object(body)
        changes = {}
        if fields.get("description") is not None:
            changes["description"] = _typed(fields, "description", str, None)
        if fields.get("is_public") is not None:
            changes["is_public"] = _typed(fields, "is_public", bool, None)
        return self.store.update_namespace(org, region, namespace_id, changes)

    def delete_namespace(self, org, region, namespace_id, _params, _body):
        removed = []
        result = self.store.delete_namespace(org, region, namespace_id, removed)
        self._delete_manifests(region, removed)
        return result

    # ---- images ------------------------------------------------------------

    def list_images(self, org, region, _id, params, _body):
        filters = _filters(params, namespace_id=_uuid, name=str, project_id=_uuid, organization_id=_uuid)
        return self.store.list_images(org, region, filters, *_paging(params, IMAGE_ORDERS))

    def get_image(self, org, region, image_id, _params, _body):
        return self.store.get_image(org, region, image_id)

    def update_image(self, org, region, image_id, _params, body):
        visibility = _typed(_json_object(body), "visibility", str, None)
        # The Go SDK always sends the field; its zero value means "leave it".
        if visibility == "visibility_unknown":
            visibility = None
        if visibility is not None and visibility not in VISIBILITIES:
            raise invalid_argument("visibility", "format", "must be one of " + ", ".join(VISIBILITIES))
        return self.store.update_image(org, region, image_id, visibility)

    def delete_image(self, org, region, image_id, _params, _body):
        removed = []
        result = self.store.delete_image(org, region, image_id, removed)
        self._delete_manifests(region, removed)
        return result

    # ---- tags --------------------------------------------------------------

    def list_tags(self, org, region, image_id, params, _body):
        filters = _filters(params, name=str)
        return self.store.list_tags(org, region, image_id, filters, *_paging(params, IMAGE_ORDERS))

    def get_tag(self, org, region, tag_id, _params, _body):
        return self.store.get_tag(org, region, tag_id)

    def delete_tag(self, org, region, tag_id, params, _body):
        force = params.get("force", "").lower()
        if force not in ("", "true", "false", "1", "0"):
            raise invalid_argument("force", "format", "must be true or false")
        removed = []
        result = self.store.delete_tag(org, region, tag_id, force in ("true", "1"), removed)
        self._delete_manifests(region, removed)
        return result


# ---- argument checks (empty values mean "not set", as in proto3) ---------


def _uuid(argument, value):
    if value and not is_uuid(value):
        raise invalid_argument(argument, "format", "must be a valid UUID")
    return value


def _filters(params, **kinds):
    filters = {}
    for argument, kind in kinds.items():
        value = params.get(argument)
        if value:
            filters[argument] = value if kind is str else kind(argument, value)
    return filters


def _int_param(params, argument, default, low, high):
    raw = params.get(argument, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_argument(argument, "format", "must be an integer") from None
    if not low <= value <= high:
        raise invalid_argument(argument, "constraint", f"must be between {low} and {high}")
    return value


def _paging(params, orders):
    order_by = params.get("order_by") or orders[0]
    if order_by not in orders:
        raise invalid_argument("order_by", "constraint", "must be one of " + ", ".join(orders))
    page = _int_param(params, "page", 1, 1, 2**31 - 1)
    page_size = _int_param(params, "page_size", 20, 1, 100)
    return order_by, page, page_size


def _json_object(body):
    if not body.strip():
        return {}
    try:
        fields = json.loads(body)
    except ValueError:
        raise invalid_argument("body", "format", "the request body is not valid JSON") from None
    if not isinstance(fields, dict):
        raise invalid_argument("body", "format", "the request body must be a JSON object")
    return fields


def _typed(fields, argument, kind, default):
    value = fields.get(argument)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise invalid_argument(argument, "format", f"must be a {'boolean' if kind is bool else 'string'}")
    return value
