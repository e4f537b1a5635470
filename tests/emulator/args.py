"""Argument checks shared by the registry and IAM APIs (empty values mean "not set", as in proto3)."""

import json

from .accounts import is_uuid
from .model import invalid_argument


def check_uuid(argument, value):
    if value and not is_uuid(value):
        raise invalid_argument(argument, "format", "must be a valid UUID")
    return value


def filters(params, **kinds):
    found = {}
    for argument, kind in kinds.items():
        value = params.get(argument)
        if value:
            found[argument] = value if kind is str else kind(argument, value)
    return found


def int_param(params, argument, default, low, high):
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


def paging(params, orders):
    order_by = params.get("order_by") or orders[0]
    if order_by not in orders:
        raise invalid_argument("order_by", "constraint", "must be one of " + ", ".join(orders))
    page = int_param(params, "page", 1, 1, 2**31 - 1)
    page_size = int_param(params, "page_size", 20, 1, 100)
    return order_by, page, page_size


def json_object(body):
    if not body.strip():
        return {}
    try:
        fields = json.loads(body)
    except ValueError:
        raise invalid_argument("body", "format", "the request body is not valid JSON") from None
    if not isinstance(fields, dict):
        raise invalid_argument("body", "format", "the request body must be a JSON object")
    return fields


def typed(fields, argument, kind, default):
    value = fields.get(argument)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise invalid_argument(argument, "format", f"must be a {'boolean' if kind is bool else 'string'}")
    return value
