"""The Registry API v1 surface: routes, authentication and authorization; IAM requests go to iam.py.

`Api.handle` turns one HTTP request into (status, JSON body, organization id)
and leaves the state rules to the store.
"""

import uuid
from urllib.parse import parse_qsl, unquote

from .args import check_uuid as _uuid
from .args import filters as _filters
from .args import json_object as _json_object
from .args import paging as _paging
from .args import typed as _typed
from .iam import IAM_PREFIX, IamApi, authenticate, match_iam_route
from .model import REGIONS, VISIBILITIES, ApiError, invalid_argument, permission_denied

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
ACTIONS = {"GET": "read", "PATCH": "write", "DELETE": "delete"}


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
        self.iam = IamApi(store, accounts)

    def authenticate(self, secret_key):
        """The Caller (iam.py) of a secret key; None for an unknown, deleted or expired key."""
        return authenticate(self.accounts, self.store, secret_key)

    def _delete_manifests(self, region, removed):
        if self.registries is not None and removed:
            self.registries.delete_manifests(region, removed)

    def handle(self, method, raw_path, query, headers, body, client_ip=""):
        """Returns (status, body, the caller's organization id); the body is None for a 204."""
        caller = None
        try:
            iam_route = match_iam_route(method, raw_path) if raw_path.startswith(IAM_PREFIX) else None
            route = None if iam_route else match_route(method, raw_path)
            caller = self.authenticate(headers.get("X-Auth-Token"))
            if caller is None:
                raise DENIED
            params = _params(query)
            if iam_route:
                status, result = self.iam.handle(caller, method, iam_route, params, body, client_ip)
                return status, result, caller.organization_id
            return 200, self._registry(caller, method, route, params, body), caller.organization_id
        except ApiError as error:
            return error.status, error.body, caller.organization_id if caller else None

    def _registry(self, caller, method, route, params, body):
        handler, region, (id_argument, resource_id) = route
        if region not in REGIONS:
            raise ApiError(404, {"message": f"Region {region} is not available for this product"})
        _uuid(id_argument, resource_id)
        if resource_id is not None and not caller.is_owner:
            self._authorize(caller, id_argument[: -len("_id")], region, resource_id, ACTIONS[method])
        return getattr(self, handler)(caller, region, resource_id, params, body)

    def _authorize(self, caller, kind, region, resource_id, action):
        """403 when an application's key lacks the right on the project of an object of its organization
        (what is missing or another organization's is left to the store, which answers as for anyone)."""
        owner = self.store.owner_of(kind, region, resource_id)
        if owner and owner[0] == caller.organization_id and not caller.may(action, owner[1]):
            raise permission_denied(kind, action)

    @staticmethod
    def _readable(caller, kind, filters):
        """Narrows a listing to the projects an application's key may read."""
        projects = caller.readable_projects()
        if projects is None:
            return filters
        if not projects or (filters.get("project_id") and filters["project_id"] not in projects):
            raise permission_denied(kind, "read")
        return {**filters, "project_ids": projects}

    # ---- namespaces --------------------------------------------------------

    def list_namespaces(self, caller, region, _id, params, _body):
        filters = self._readable(
            caller, "namespace", _filters(params, name=str, project_id=_uuid, organization_id=_uuid)
        )
        return self.store.list_namespaces(caller.organization_id, region, filters, *_paging(params, NAMESPACE_ORDERS))

    def create_namespace(self, caller, region, _id, _params, body):
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
        org = caller.organization_id
        if self.accounts.owner_of_project(project_id) != org:
            raise NOT_AUTHORIZED
        if not caller.may("write", project_id):
            raise permission_denied("namespace", "write")
        return self.store.create_namespace(region, name, description, org, project_id, is_public, str(uuid.uuid4()))

    def get_namespace(self, caller, region, namespace_id, _params, _body):
        return self.store.get_namespace(caller.organization_id, region, namespace_id)

    def update_namespace(self, caller, region, namespace_id, _params, body):
        fields = _json_object(body)
        changes = {}
        if fields.get("description") is not None:
            changes["description"] = _typed(fields, "description", str, None)
        if fields.get("is_public") is not None:
            changes["is_public"] = _typed(fields, "is_public", bool, None)
        return self.store.update_namespace(caller.organization_id, region, namespace_id, changes)

    def delete_namespace(self, caller, region, namespace_id, _params, _body):
        removed = []
        result = self.store.delete_namespace(caller.organization_id, region, namespace_id, removed)
        self._delete_manifests(region, removed)
        return result

    # ---- images ------------------------------------------------------------

    def list_images(self, caller, region, _id, params, _body):
        filters = _filters(params, namespace_id=_uuid, name=str, project_id=_uuid, organization_id=_uuid)
        filters = self._readable(caller, "image", filters)
        return self.store.list_images(caller.organization_id, region, filters, *_paging(params, IMAGE_ORDERS))

    def get_image(self, caller, region, image_id, _params, _body):
        return self.store.get_image(caller.organization_id, region, image_id)

    def update_image(self, caller, region, image_id, _params, body):
        visibility = _typed(_json_object(body), "visibility", str, None)
        # The Go SDK always sends the field; its zero value means "leave it".
        if visibility == "visibility_unknown":
            visibility = None
        if visibility is not None and visibility not in VISIBILITIES:
            raise invalid_argument("visibility", "format", "must be one of " + ", ".join(VISIBILITIES))
        return self.store.update_image(caller.organization_id, region, image_id, visibility)

    def delete_image(self, caller, region, image_id, _params, _body):
        removed = []
        result = self.store.delete_image(caller.organization_id, region, image_id, removed)
        self._delete_manifests(region, removed)
        return result

    # ---- tags --------------------------------------------------------------

    def list_tags(self, caller, region, image_id, params, _body):
        filters = _filters(params, name=str)
        return self.store.list_tags(caller.organization_id, region, image_id, filters, *_paging(params, IMAGE_ORDERS))

    def get_tag(self, caller, region, tag_id, _params, _body):
        return self.store.get_tag(caller.organization_id, region, tag_id)

    def delete_tag(self, caller, region, tag_id, params, _body):
        force = params.get("force", "").lower()
        if force not in ("", "true", "false", "1", "0"):
            raise invalid_argument("force", "format", "must be true or false")
        removed = []
        result = self.store.delete_tag(caller.organization_id, region, tag_id, force in ("true", "1"), removed)
        self._delete_manifests(region, removed)
        return result


def _params(query):
    """Query arguments: the first value of each, but every value of a list (`policy_ids`, `access_keys`…)."""
    params, pairs = {}, parse_qsl(query, keep_blank_values=True)
    for key, value in pairs:
        if key.endswith(("_ids", "access_keys")):
            params.setdefault(key, [])
            if value:
                params[key].append(value)
        else:
            params.setdefault(key, value)
    return params
