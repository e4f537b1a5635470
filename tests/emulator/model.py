"""The API's vocabulary: regions, statuses, name rules, error bodies and timestamps."""

import re
import time
from datetime import datetime, timedelta, timezone

REGIONS = ("fr-par", "nl-ams", "pl-waw")
STATUSES = ("unknown", "ready", "deleting", "error", "locked")
VISIBILITIES = ("inherit", "public", "private")
NAMESPACE_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAMESPACE_NAME_LENGTH = (4, 54)


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(status, body)
        self.status = status
        self.body = body


def not_found(kind):
    return ApiError(404, {"message": f"{kind} was not found"})


def invalid_argument(argument, reason, help_message):
    # Gateway-made errors come with alphabetically sorted keys, as recorded.
    detail = {"argument_name": argument, "help_message": help_message, "reason": reason}
    return ApiError(400, {"details": [detail], "message": "invalid argument(s)", "type": "invalid_arguments"})


def permission_denied(resource, action):
    return ApiError(
        403,
        {
            "details": [{"action": action, "resource": resource}],
            "message": "insufficient permissions",
            "type": "permissions_denied",
        },
    )


def transient_state(resource, resource_id, state):
    return ApiError(
        409,
        {
            "current_state": state,
            "message": "resource is in a transient state",
            "resource": resource,
            "resource_id": resource_id,
            "type": "transient_state",
        },
    )


def resource_locked(resource, resource_id):
    return ApiError(
        403, {"message": "resource is locked", "resource": resource, "resource_id": resource_id, "type": "locked"}
    )


def iam_not_found(resource, resource_id):
    """The IAM API's 404, as recorded: `resource` is application, policy or access_key."""
    return ApiError(
        404, {"message": "resource is not found", "resource": resource, "resource_id": resource_id, "type": "not_found"}
    )


NAMESPACE_ALREADY_EXIST = ApiError(400, {"message": "Namespace already exist"})


class SeedError(Exception):
    pass


# Timestamps are integers: nanoseconds when a mutation makes them, microseconds when stored.


def us_from_ns(ns):
    return (ns + 500) // 1000


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def format_us(us):
    seconds, micro = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micro:06d}Z"


def format_ns(ns):
    seconds, fraction = divmod(ns, 1_000_000_000)
    return (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction:09d}Z"


def format_us_trimmed(us):
    """RFC 3339 without trailing zeros in the fraction (Go's RFC3339Nano), as IAM shows `expires_at`."""
    text = format_us(us)
    return text[:-1].rstrip("0").rstrip(".") + "Z"


_RFC3339_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")


def parse_timestamp_us(value):
    """RFC 3339 text (or a datetime, as YAML gives for unquoted timestamps) to stored microseconds."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return (moment - _EPOCH) // timedelta(microseconds=1)
    match = _RFC3339_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    whole, fraction, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    moment = datetime.fromisoformat(whole.replace("t", "T").replace(" ", "T") + zone)
    ns = int((fraction or "0").ljust(9, "0"))
    return (moment - _EPOCH) // timedelta(microseconds=1) + us_from_ns(ns)


def valid_namespace_name(name):
    low, high = NAMESPACE_NAME_LENGTH
    return isinstance(name, str) and low <= len(name) <= high and bool(NAMESPACE_NAME_RE.match(name))
