# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""HTTP client for the Scaleway Registry API v1.

Nothing here knows Ansible: errors are typed exceptions that the module and plugin
adapters turn into their own failures.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:  # reported by the adapters, which check HAS_REQUESTS
    HAS_REQUESTS = False
else:
    HAS_REQUESTS = True

from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

# The one list of statuses worth another try: the gateway's rate limit and its upstream failures.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
PAGE_SIZE = 100  # the API's maximum
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_CONCURRENCY = 8
USER_AGENT = "scaleway.registry/%s" % COLLECTION_VERSION


class ScalewayError(Exception):
    """Base of every error this client raises."""


class TransportError(ScalewayError):
    """The API could not be reached, or did not answer in time."""


class InvalidResponse(ScalewayError):
    """The API answered, but not with the JSON object it documents."""


class ListingChanged(ScalewayError):
    """The collection changed while it was being listed, so the listing may be incomplete."""


class WaitTimeout(ScalewayError):
    """A resource did not reach the awaited state before the deadline."""


class APIError(ScalewayError):
    """An HTTP error answered by the API, with everything it said about it."""

    def __init__(self, status, message, error_type=None, details=None, request_id=None, body=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = error_type
        self.details = details
        self.request_id = request_id
        self.body = body

    def __str__(self):
        context = ["HTTP %s" % self.status]
        if self.type:
            context.append(self.type)
        if self.request_id:
            context.append("request id %s" % self.request_id)
        return "%s (%s)" % (self.message, ", ".join(context))

    def as_dict(self):
        return {"status": self.status, "type": self.type, "message": self.message,
                "details": self.details, "request_id": self.request_id}


class InvalidArguments(APIError):
    pass


class Unauthenticated(APIError):
    pass


class PermissionsDenied(APIError):
    pass


class NotFound(APIError):
    pass


class Conflict(APIError):
    pass


class AlreadyExists(Conflict):
    pass


class PreconditionFailed(APIError):
    pass


class RateLimited(APIError):
    pass


class ServerError(APIError):
    pass


_ERRORS_BY_STATUS = {400: InvalidArguments, 401: Unauthenticated, 403: PermissionsDenied, 404: NotFound,
                     409: Conflict, 412: PreconditionFailed, 429: RateLimited}
# The registry answers a duplicate namespace name with a typeless 400; other APIs use a typed 409.
_ALREADY_EXISTS_MESSAGES = ("Namespace already exist",)


def error_from_response(response):
    """Build the typed error for an HTTP error answer, whatever shape its body has."""
    status = response.status_code
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or _first_line(response) or response.reason or "HTTP error"
    error_type = body.get("type")
    details = body.get("details") or body.get("fields")
    if error_type == "already_exists" or message in _ALREADY_EXISTS_MESSAGES:
        cls = AlreadyExists
    elif status >= 500:
        cls = ServerError
    else:
        cls = _ERRORS_BY_STATUS.get(status, APIError)
    if status == 429 and not response.content:
        message = "rate limited by the Scaleway API gateway"
    help_message = body.get("help_message")
    if help_message:
        message = "%s: %s" % (message, help_message)
    return cls(status, message, error_type, details, response.headers.get("X-Request-Id"), body or None)


def _first_line(response):
    text = (response.text or "").strip()
    if not text or text.startswith(("{", "[", "<")):
        return ""
    return text.splitlines()[0][:200]


def _retry_after(response):
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class Client:
    """A requests session bound to one API URL and secret key, shared by every region and thread."""

    def __init__(self, secret_key, api_url="https://api.scaleway.com", timeout=30, validate_certs=True,
                 max_attempts=DEFAULT_MAX_ATTEMPTS, concurrency=DEFAULT_CONCURRENCY, user_agent=None,
                 backoff_base=0.5, backoff_cap=8.0, sleep=time.sleep, clock=time.monotonic):
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.clock = clock
        # After a 429 every thread holds back until then, so that the whole client slows down, not one call.
        self._resume_at = 0.0
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(concurrency)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=concurrency, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.verify = validate_certs
        self.session.headers.update({
            "X-Auth-Token": secret_key,
            "Accept": "application/json",
            "User-Agent": " ".join(filter(None, (USER_AGENT, user_agent, "python-requests/%s" % requests.__version__))),
        })

    def url(self, region, path):
        return "%s/registry/v1/regions/%s/%s" % (self.api_url, region, path)

    def request(self, method, path, region, params=None, body=None, ambiguous_is_final=False):
        """Send one API call, retrying what is safe to retry; return the decoded JSON object.

        With ambiguous_is_final, a failure after which the request may have been applied
        (a dropped connection, a timeout, a 502/503/504) is raised at once rather than retried,
        for the caller to find out what happened. A 429 is always retried: the gateway
        refused the request before it reached the service.
        """
        url = self.url(region, path)
        for attempt in range(1, self.max_attempts + 1):
            final = attempt == self.max_attempts
            self._hold_back()
            try:
                with self._slots:
                    response = self.session.request(method, url, params=params, json=body, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if final or ambiguous_is_final:
                    raise TransportError("could not reach the Scaleway API at %s: %s (after %d attempt%s)"
                                         % (self.api_url, _describe(exc), attempt, "s" if attempt > 1 else ""))
                self.sleep(self.backoff(attempt))
                continue
            if response.status_code < 400:
                return _decode(response, method, path)
            error = error_from_response(response)
            retryable = response.status_code in RETRY_STATUSES and (response.status_code == 429 or not ambiguous_is_final)
            if final or not retryable:
                if retryable:
                    error.message = "%s (gave up after %d attempts)" % (error.message, attempt)
                raise error
            delay = self.backoff(attempt, _retry_after(response))
            if response.status_code == 429:
                with self._lock:
                    self._resume_at = max(self._resume_at, self.clock() + delay)
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _hold_back(self):
        with self._lock:
            remaining = self._resume_at - self.clock()
        if remaining > 0:
            self.sleep(remaining)

    def backoff(self, attempt, retry_after=None):
        """Capped exponential backoff with jitter; the server's Retry-After wins when it says more."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, 60.0))
        return delay

    def get(self, path, region, params=None):
        return self.request("GET", path, region, params=params)

    def patch(self, path, region, body):
        return self.request("PATCH", path, region, body=body)

    def delete(self, path, region, params=None):
        return self.request("DELETE", path, region, params=params)

    def create(self, path, region, body, find_existing):
        """POST a create that can never create twice.

        After an ambiguous failure the create may or may not have happened, so
        find_existing() (a lookup by name) decides before anything is sent again.
        """
        ambiguous = False
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self.request("POST", path, region, body=body, ambiguous_is_final=True)
            except AlreadyExists:
                existing = find_existing() if ambiguous else None
                if existing is None:
                    raise
                return existing
            except (TransportError, ServerError) as exc:
                if isinstance(exc, ServerError) and exc.status not in RETRY_STATUSES:
                    raise
                ambiguous = True
                existing = find_existing()
                if existing is not None:
                    return existing
                if attempt == self.max_attempts:
                    raise
                self.sleep(self.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def paginate(self, path, key, region, params=None):
        """Every item of a list endpoint: page 1 gives total_count, the other pages are fetched concurrently.

        The listing is complete or it raises: when the collection changes between pages
        (total_count moves, or items repeat), the whole listing starts again, at most three times.
        """
        base = dict(params or {}, page_size=PAGE_SIZE)

        def fetch(page):
            answer = self.get(path, region, params=dict(base, page=page))
            if not isinstance(answer.get(key), list) or not isinstance(answer.get("total_count"), int):
                raise InvalidResponse("the Scaleway API answered a %s listing without %s and total_count" % (key, key))
            return answer

        for _attempt in range(3):
            first = fetch(1)
            total = first["total_count"]
            pages = [first] + self.map(fetch, range(2, int(math.ceil(total / float(PAGE_SIZE))) + 1))
            items = [item for page in pages for item in page[key]]
            ids = set(item.get("id") for item in items)
            if all(page["total_count"] == total for page in pages) and len(items) == total == len(ids):
                return items
        raise ListingChanged("the %s listing kept changing while it was read; try again" % key)

    def map(self, function, items):
        """function(item) for every item, concurrently within the client's bound, results in order."""
        items = list(items)
        if len(items) <= 1:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(function, items))


def _decode(response, method, path):
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidResponse("the Scaleway API answered %s %s with HTTP %s and a body that is not a JSON object"
                              " (request id %s)" % (method, path.split("?")[0], response.status_code,
                                                    response.headers.get("X-Request-Id", "unknown")))
    return data


def _describe(exc):
    if isinstance(exc, requests.Timeout):
        return "no answer within the timeout"
    reason = str(exc.args[0]) if exc.args else exc.__class__.__name__
    if "Connection refused" in reason:
        return "connection refused"
    if "RemoteDisconnected" in reason or "Connection aborted" in reason:
        return "the connection was closed without an answer"
    if "Name or service not known" in reason or "Failed to resolve" in reason:
        return "the host name does not resolve"
    if "CERTIFICATE_VERIFY_FAILED" in reason:
        return "its TLS certificate could not be verified (see validate_certs)"
    return exc.__class__.__name__


def wait_for(fetch, done, timeout, describe, sleep=time.sleep, clock=time.monotonic, first_delay=1.0, max_delay=10.0):
    """Poll fetch() until done(value), with a deadline and a growing delay; return the last value.

    Raises WaitTimeout naming what was awaited and the last state seen.
    """
    deadline = clock() + timeout
    delay = first_delay
    while True:
        value = fetch()
        if done(value):
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            state = value.get("status") if isinstance(value, dict) else value
            raise WaitTimeout("timed out after %ss waiting for %s (last status: %s); raise wait_timeout or set wait: false"
                              % (timeout, describe, state))
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_delay)
