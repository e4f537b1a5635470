"""The IAM API v1alpha1 surface (applications, policies and rules, API keys), and who a secret key is.

`IamApi.handle` turns one authenticated request under /iam/v1alpha1/ into (status, JSON body or None);
the state lives in the store (iamstore.py). `authenticate` gives the `Caller` of a secret key: an
organization owner (a --secret-key key), or an application's API key with its policies' rights.
"""

import json
from urllib.parse import unquote

from .args import check_uuid as _uuid
from .args import filters as _filters
from .args import json_object as _json_object
from .args import paging as _paging
from .args import typed as _typed
from .model import ApiError, invalid_argument, parse_timestamp_us, permission_denied

IAM_PREFIX = "/iam/v1alpha1/"
# (path after /iam/v1alpha1/ with {} for an id, method) -> handler name
IAM_ROUTES = {
    (("applications",), "GET"): "list_applications",
    (("applications",), "POST"): "create_application",
    (("applications", "{}"), "GET"): "get_application",
    (("applications", "{}"), "PATCH"): "update_application",
    (("applications", "{}"), "DELETE"): "delete_application",
    (("policies",), "GET"): "list_policies",
    (("policies",), "POST"): "create_policy",
    (("policies", "{}"), "GET"): "get_policy",
    (("policies", "{}"), "PATCH"): "update_policy",
    (("policies", "{}"), "DELETE"): "delete_policy",
    (("rules",), "GET"): "list_rules",
    (("rules",), "PUT"): "set_rules",
    (("api-keys",), "GET"): "list_api_keys",
    (("api-keys",), "POST"): "create_api_key",
    (("api-keys", "{}"), "GET"): "get_api_key",
    (("api-keys", "{}"), "PATCH"): "update_api_key",
    (("api-keys", "{}"), "DELETE"): "delete_api_key",
}
# The `resource` of a refusal's details, by collection.
RESOURCES = {"applications": "application", "policies": "policy", "rules": "rule", "api-keys": "api_key"}
ID_ARGUMENTS = {"applications": "application_id", "policies": "policy_id"}  # API keys go by access key
ACTIONS = {"GET": "read", "POST": "write", "PATCH": "write", "PUT": "write", "DELETE": "delete"}

APPLICATION_ORDERS = ("created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc", "name_asc", "name_desc")
POLICY_ORDERS = ("created_at_asc", "created_at_desc", "policy_name_asc", "policy_name_desc")
API_KEY_ORDERS = (
    "created_at_asc",
    "created_at_desc",
    "updated_at_asc",
    "updated_at_desc",
    "expires_at_asc",
    "expires_at_desc",
    "access_key_asc",
    "access_key_desc",
)
PRINCIPALS = ("user_id", "group_id", "application_id", "no_principal")
RULE_SCOPES = ("project_ids", "organization_id", "account_root_user_id")

# Permission sets that carry registry rights (Scaleway's permission-sets reference): reading (list, get, pull)
# and everything (push and deletes too). No other permission set gives an application's key any right.
REGISTRY_READ = {
    "ContainerRegistryReadOnly",
    "ContainerRegistryFullAccess",
    "AllProductsReadOnly",
    "AllProductsFullAccess",
}
REGISTRY_WRITE = {"ContainerRegistryFullAccess", "AllProductsFullAccess"}
EVERY_PROJECT = "*"  # a rule scoped to the organization


class Caller:
    """Who sent a request. An organization owner (`application_id` None) may do everything in its organization;
    an application's key may read the registry in `readable` projects and change it in `writable` ones."""

    def __init__(self, organization_id, application_id=None, grants=()):
        self.organization_id = organization_id
        self.application_id = application_id
        self.readable, self.writable = set(), set()
        for names, scopes in grants:
            projects = {EVERY_PROJECT if field == "organization_id" else value for field, value in scopes}
            if names & REGISTRY_READ:
                self.readable |= projects
            if names & REGISTRY_WRITE:
                self.writable |= projects

    @property
    def is_owner(self):
        return self.application_id is None

    def may(self, action, project_id):
        """`action`: read, or anything else for a change."""
        if self.is_owner:
            return True
        projects = self.readable if action == "read" else self.writable
        return EVERY_PROJECT in projects or project_id in projects

    def readable_projects(self):
        """None for every project of the organization, else the projects whose registry objects it may read."""
        if self.is_owner or EVERY_PROJECT in self.readable:
            return None
        return sorted(self.readable)


def authenticate(accounts, store, secret_key):
    """The Caller of a secret key, or None for a key unknown, deleted or expired."""
    if not secret_key:
        return None
    organization_id = accounts.organization_of_key(secret_key)
    if organization_id is not None:
        return Caller(organization_id)
    found = store.application_grants(secret_key)
    return Caller(*found) if found else None


def match_iam_route(method, raw_path):
    """(handler name, collection, id or None); raises 404/405 as the registry API does."""
    rest = [unquote(s) for s in raw_path[len(IAM_PREFIX) :].split("/")]
    shape = tuple("{}" if i == 1 else s for i, s in enumerate(rest))
    methods = {m for (s, m) in IAM_ROUTES if s == shape}
    if not methods:
        raise ApiError(404, {"message": "Not Found"})
    if method not in methods:
        raise ApiError(405, {"message": "Method Not Allowed"})
    return IAM_ROUTES[(shape, method)], rest[0], rest[1] if len(rest) > 1 else None


class IamApi:
    def __init__(self, store, accounts):
        self.store = store
        self.accounts = accounts

    def handle(self, caller, method, route, params, body, client_ip):
        """Returns (status, body): 200 with an object, or 204 without a body for a delete."""
        handler, collection, resource_id = route
        if not caller.is_owner:  # an application's key has no IAM right
            raise permission_denied(RESOURCES[collection], ACTIONS[method])
        if collection in ID_ARGUMENTS:
            _uuid(ID_ARGUMENTS[collection], resource_id)
        result = getattr(self, handler)(caller.organization_id, resource_id, params, body, client_ip)
        return (204, None) if method == "DELETE" else (200, result)

    # ---- applications --------------------------------------------------------

    def list_applications(self, org, _id, params, _body, _ip):
        filters = _filters(params, name=str, organization_id=_uuid, editable=_bool, tag=str)
        if params.get("application_ids"):
            filters["id"] = [_uuid("application_ids", v) for v in params["application_ids"]]
        return self.store.list_applications(org, filters, *_paging(params, APPLICATION_ORDERS))

    def create_application(self, org, _id, _params, body, _ip):
        fields = _json_object(body)
        self._check_organization(org, fields, "application")
        name = _typed(fields, "name", str, "")
        if not name:
            raise invalid_argument("name", "required", "name is required")
        return self.store.create_application(org, name, _typed(fields, "description", str, ""), _tags(fields) or [])

    def get_application(self, org, application_id, _params, _body, _ip):
        return self.store.get_application(org, application_id)

    def update_application(self, org, application_id, _params, body, _ip):
        fields = _json_object(body)
        changes = {k: _typed(fields, k, str, None) for k in ("name", "description") if fields.get(k) is not None}
        if fields.get("tags") is not None:
            changes["tags"] = json.dumps(_tags(fields))
        return self.store.update_application(org, application_id, changes)

    def delete_application(self, org, application_id, _params, _body, _ip):
        self.store.delete_application(org, application_id)

    # ---- policies and rules --------------------------------------------------

    def list_policies(self, org, _id, params, _body, _ip):
        filters = _filters(params, policy_name=str, organization_id=_uuid, editable=_bool, no_principal=_bool, tag=str)
        if "policy_name" in filters:
            filters["name"] = filters.pop("policy_name")
        for argument in ("user_ids", "group_ids", "application_ids", "policy_ids"):
            if params.get(argument):
                filters["id" if argument == "policy_ids" else argument] = [_uuid(argument, v) for v in params[argument]]
        return self.store.list_policies(org, filters, *_paging(params, POLICY_ORDERS))

    def create_policy(self, org, _id, _params, body, _ip):
        fields = _json_object(body)
        self._check_organization(org, fields, "policy")
        name = _typed(fields, "name", str, "")
        if not name:
            raise invalid_argument("name", "required", "name is required")
        principal = self._principal(org, fields)
        if principal is None:
            raise invalid_argument("principal", "required", "one of " + ", ".join(PRINCIPALS) + " is required")
        rules = self._rules(org, fields.get("rules") or [])
        values = {
            "name": name,
            "description": _typed(fields, "description", str, ""),
            "tags": json.dumps(_tags(fields)),
        }
        return self.store.create_policy(org, values, principal, rules)

    def get_policy(self, org, policy_id, _params, _body, _ip):
        return self.store.get_policy(org, policy_id)

    def update_policy(self, org, policy_id, _params, body, _ip):
        fields = _json_object(body)
        changes = {k: _typed(fields, k, str, None) for k in ("name", "description") if fields.get(k) is not None}
        if fields.get("tags") is not None:
            changes["tags"] = json.dumps(_tags(fields))
        return self.store.update_policy(org, policy_id, changes, self._principal(org, fields))

    def delete_policy(self, org, policy_id, _params, _body, _ip):
        self.store.delete_policy(org, policy_id)

    def list_rules(self, org, _id, params, _body, _ip):
        policy_id = _uuid("policy_id", params.get("policy_id"))
        if not policy_id:
            raise invalid_argument("policy_id", "required", "policy_id is required")
        _dummy, page, page_size = _paging(params, ("",))
        return self.store.list_rules(org, policy_id, page, page_size)

    def set_rules(self, org, _id, _params, body, _ip):
        fields = _json_object(body)
        policy_id = _uuid("policy_id", _typed(fields, "policy_id", str, None))
        if not policy_id:
            raise invalid_argument("policy_id", "required", "policy_id is required")
        return self.store.set_rules(org, policy_id, self._rules(org, fields.get("rules") or []))

    def _principal(self, org, fields):
        """(field, id) of the principal the body names, None when it names none."""
        given = [k for k in PRINCIPALS if fields.get(k) not in (None, False)]
        if len(given) > 1:
            raise invalid_argument(given[1], "constraint", "only one of " + ", ".join(PRINCIPALS) + " may be set")
        if not given:
            return None
        if given[0] == "no_principal":
            _typed(fields, "no_principal", bool, None)
            return "no_principal", None
        principal_id = _uuid(given[0], _typed(fields, given[0], str, None))
        if given[0] == "application_id":
            self.store.get_application(org, principal_id)  # 404 or 403 when it is not one of the organization's
        return given[0], principal_id

    def _rules(self, org, rules):
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise invalid_argument("rules", "format", "must be a list of rules")
        checked = []
        for rule in rules:
            names = rule.get("permission_set_names")
            if not names or not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                raise invalid_argument("permission_set_names", "required", "a rule needs permission set names")
            scopes = [k for k in RULE_SCOPES if rule.get(k)]
            if len(scopes) != 1:
                raise invalid_argument("project_ids", "constraint", "a rule needs one of " + ", ".join(RULE_SCOPES))
            value = rule[scopes[0]]
            if scopes[0] == "project_ids":
                if not isinstance(value, list) or any(
                    self.accounts.owner_of_project(_uuid("project_ids", p)) != org for p in value
                ):
                    raise invalid_argument("project_ids", "constraint", "must be projects of the organization")
            elif scopes[0] == "organization_id" and value != org:
                raise invalid_argument("organization_id", "constraint", "must be the policy's organization")
            condition = _typed(rule, "condition", str, "")
            checked.append(
                {"permission_set_names": names, "condition": condition, "scope": scopes[0], "scope_value": value}
            )
        return checked

    def _check_organization(self, org, fields, resource):
        organization_id = _uuid("organization_id", _typed(fields, "organization_id", str, None))
        if organization_id and organization_id != org:
            raise permission_denied(resource, "write")

    # ---- API keys --------------------------------------------------------------

    def list_api_keys(self, org, _id, params, _body, _ip):
        filters = _filters(
            params,
            organization_id=_uuid,
            editable=_bool,
            expired=_bool,
            access_key=str,
            description=str,
            bearer_id=_uuid,
        )
        bearer_type = params.get("bearer_type") or "unknown_bearer_type"
        if bearer_type not in ("unknown_bearer_type", "application", "user"):
            raise invalid_argument("bearer_type", "format", "must be one of unknown_bearer_type, application, user")
        if bearer_type != "unknown_bearer_type":
            filters["bearer"] = bearer_type + "_id"
        for bearer in ("application_id", "user_id"):
            if params.get(bearer):
                filters.update(bearer=bearer, bearer_id=_uuid(bearer, params[bearer]))
        if params.get("access_keys"):
            filters["access_keys"] = list(params["access_keys"])
        return self.store.list_api_keys(org, filters, *_paging(params, API_KEY_ORDERS))

    def create_api_key(self, org, _id, _params, body, client_ip):
        fields = _json_object(body)
        application_id = _uuid("application_id", _typed(fields, "application_id", str, None))
        if fields.get("user_id") is not None:
            # The emulator has no users: only applications bear its keys.
            raise ApiError(
                404,
                {
                    "message": "resource is not found",
                    "resource": "user",
                    "resource_id": str(fields["user_id"]),
                    "type": "not_found",
                },
            )
        if not application_id:
            raise invalid_argument("application_id", "required", "one of application_id, user_id is required")
        return self.store.create_api_key(
            org,
            ("application_id", application_id),
            _typed(fields, "description", str, ""),
            self._default_project(org, fields) or org,
            self._expires_at(fields),
            client_ip,
        )

    def get_api_key(self, org, access_key, _params, _body, _ip):
        return self.store.get_api_key(org, access_key)

    def update_api_key(self, org, access_key, _params, body, _ip):
        fields = _json_object(body)
        changes = {}
        if fields.get("description") is not None:
            changes["description"] = _typed(fields, "description", str, None)
        if fields.get("default_project_id") is not None:
            changes["default_project_id"] = self._default_project(org, fields)
        if fields.get("expires_at") is not None:
            changes["expires_at"] = self._expires_at(fields)
        return self.store.update_api_key(org, access_key, changes)

    def delete_api_key(self, org, access_key, _params, _body, _ip):
        self.store.delete_api_key(org, access_key)

    def _default_project(self, org, fields):
        project_id = _uuid("default_project_id", _typed(fields, "default_project_id", str, None))
        if project_id and self.accounts.owner_of_project(project_id) != org:
            raise invalid_argument("default_project_id", "constraint", "must be a project of the organization")
        return project_id

    def _expires_at(self, fields):
        value = _typed(fields, "expires_at", str, None)
        if value is None:
            return None
        try:
            expires_at = parse_timestamp_us(value)
        except ValueError:
            raise invalid_argument("expires_at", "format", "must be an RFC 3339 timestamp") from None
        if expires_at <= self.store.now_us():
            raise invalid_argument("expires_at", "constraint", "must be in the future")
        return expires_at


def _bool(argument, value):
    if value.lower() not in ("true", "false", "1", "0"):
        raise invalid_argument(argument, "format", "must be true or false")
    return value.lower() in ("true", "1")


def _tags(fields):
    tags = fields.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise invalid_argument("tags", "format", "must be a list of strings")
    return tags
