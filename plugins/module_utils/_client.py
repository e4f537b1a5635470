# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""HTTP client for the Scaleway Registry API v1.

Nothing here knows Ansible: errors are typed exceptions that the module and plugin
adapters turn into their own failures. It needs the standard library only: a task's
start-up cost counts, and requests would add about 50 ms to each.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import math
import os
import random
import socket
import ssl
import threading
import time
from urllib.parse import unquote, urlencode, urlsplit

from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

# The one list of statuses worth another try: the gateway's rate limit and the server-side failures
# (the gateway answers 500 "upstream connect error" when a backend drops, which passes).
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
PAGE_SIZE = 100  # the API's maximum
# Bounds on what a server can make the client hold: no real answer comes near them (the largest page, of 100
# images, is well under 1 MiB), and a server past them is broken or hostile, not busy.
MAX_BODY = 16 * 1024 * 1024
MAX_PAGES = 10000
# Ten attempts ride out about 40 seconds of throttling or failures (backoff 0.5 s doubling to 8 s),
# so that a request gives up only when the API is really down, not because of bad luck: with a
# quarter of the answers failing, one request in half a million fails all ten.
DEFAULT_MAX_ATTEMPTS = 10
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


class UnknownOutcome(ScalewayError):
    """A create's answer was lost, and so was the lookup that would have told whether it happened."""


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


class Answer:
    """An HTTP answer: status, reason, headers (looked up whatever their case) and the body's bytes."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def error_from_response(response):
    """Build the typed error for an answer that is not a success, whatever shape its body has."""
    status = response.status
    if status < 400:  # neither a success nor an error: whatever its body says is beside the point
        message = ("the Scaleway API answered with a redirect, which is not followed: check api_url" if status >= 300
                   else "the Scaleway API answered with an interim status where its answer was due")
        return APIError(status, message, request_id=response.headers.get("X-Request-Id"))
    try:
        body = response.json() if response.body else {}
    except (ValueError, RecursionError):
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
    if status == 429 and not response.body:
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
    import email.utils  # rare: only for a Retry-After given as a date
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _proxy(parts, warnings):
    """(host, port, authorization header or None) of the proxy the environment sets for this URL, or None.

    urllib.request reads the variables as curl and requests do (any case, all_proxy, no_proxy entries with a
    port), but costs a task about 5 ms to import: only worth it when some variable names a proxy.
    """
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    import urllib.request

    proxies = urllib.request.getproxies()
    variable = parts.scheme if proxies.get(parts.scheme) else "all"
    value = proxies.get(variable)
    api_port = parts.port or (443 if parts.scheme == "https" else 80)
    # With the port, so that a no_proxy entry with a port can match.
    if not value or urllib.request.proxy_bypass("%s:%d" % (parts.hostname, api_port)):
        return None
    try:
        proxy = urlsplit(value if "://" in value else "http://" + value)
        port = proxy.port or 3128
    except ValueError:  # a port that is not a number, an unclosed [
        proxy, port = None, None
    if port is None or proxy.scheme not in ("http", "https") or not proxy.hostname:
        # Not the value: it may hold the proxy's password.
        warnings.append("%s_proxy is not the URL of an HTTP proxy, the only kind the Scaleway API client can use: "
                        "it connects directly" % variable)
        return None
    authorization = None
    if proxy.username:
        credentials = "%s:%s" % (unquote(proxy.username), unquote(proxy.password or ""))
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode()
    return proxy.hostname, port, authorization


def _cleartext_warning(parts):
    """The warning for an api_url that would send the key unencrypted across a network, or None."""
    if parts.scheme != "http":
        return None
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost":
        return None
    import ipaddress  # only for plain HTTP, which only the emulator should get

    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return ("api_url http://%s is plain HTTP to a host that is not this machine: the secret key crosses the network "
            "in clear text; use https" % parts.netloc.rpartition("@")[2])


def _remaining(deadline):
    """Seconds left until the deadline; socket.timeout when there are none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("the request took longer than the timeout")
    return left


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes for HTTPResponse, each read given only the time left until the request's deadline.

    The socket's timeout alone bounds each read, not the answer: a server that sends a byte now and
    then would hold the request for as long as it likes.
    """

    def __init__(self, sock, deadline):
        super().__init__()
        self.sock = sock
        self.deadline = deadline
        # Through makefile, as HTTPResponse does, so that the socket stays open for the body when
        # HTTPConnection closes its end of a connection that will close.
        self.raw = sock.makefile("rb", buffering=0)

    def makefile(self, mode):
        return io.BufferedReader(self)

    def readable(self):
        return True

    def readinto(self, buffer):
        self.sock.settimeout(_remaining(self.deadline))
        return self.raw.readinto(buffer)

    def close(self):
        self.raw.close()
        super().close()


def _read_body(response):
    """The whole body of the answer, or None when it is longer than MAX_BODY."""
    if response.length is not None:
        return response.read() if response.length <= MAX_BODY else None
    chunks, size = [], 0  # chunked, or until the server closes: the length shows only as it comes
    while size <= MAX_BODY:
        chunk = response.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return None


class Connections:
    """Keep-alive connections to the API's host, shared by every thread, at most `size` kept.

    A POST always takes a new connection: on a kept one that the server has closed meanwhile,
    it would fail like a dropped answer, and a create must never be sent again blindly.
    Other methods retry once on a new connection when a kept one turns out closed.
    """

    def __init__(self, api_url, timeout, validate_certs, size, warnings):
        parts = urlsplit(api_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.size = size
        self.context = None
        if self.https:
            self.context = ssl.create_default_context()
            if not validate_certs:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE
        self.proxy = _proxy(parts, warnings)
        self._kept = []
        self._lock = threading.Lock()

    def _connect(self, deadline):
        host, port = (self.proxy[0], self.proxy[1]) if self.proxy else (self.host, self.port)
        timeout = _remaining(deadline)
        if not self.https:
            return http.client.HTTPConnection(host, port, timeout=timeout)
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self.context)
        if self.proxy:
            connection.set_tunnel(self.host, self.port,
                                  headers={"Proxy-Authorization": self.proxy[2]} if self.proxy[2] else None)
        return connection

    def send(self, method, target, body, headers):
        """Send one request (target: path and query) and read the whole answer, all within the timeout.

        Socket errors propagate, and so does running out of time, as socket.timeout.
        """
        deadline = time.monotonic() + self.timeout
        headers = dict(headers)
        if self.proxy and not self.https:
            target = "http://%s:%d%s" % (self.host, self.port, target)
            if self.proxy[2]:
                headers["Proxy-Authorization"] = self.proxy[2]
        connection = None
        if method != "POST":
            with self._lock:
                connection = self._kept.pop() if self._kept else None
        if connection is not None:
            try:
                return self._exchange(connection, method, target, body, headers, deadline)
            except (OSError, http.client.HTTPException):
                pass  # closed by the server while kept: once more, on a new connection
        return self._exchange(self._connect(deadline), method, target, body, headers, deadline)

    def _exchange(self, connection, method, target, body, headers, deadline):
        connection.response_class = lambda sock, *args, **kwargs: http.client.HTTPResponse(
            _DeadlineReader(sock, deadline), *args, **kwargs)
        response = None
        try:
            if connection.sock is not None:  # a kept one, whose timeout is what another request left
                connection.sock.settimeout(_remaining(deadline))
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = _read_body(response)
            if data is None:
                raise InvalidResponse("the Scaleway API answered %s %s with a body of more than %d MiB, which is more "
                                      "than any answer of this API: not read"
                                      % (method, target.split("?")[0], MAX_BODY >> 20))
        except (OSError, http.client.HTTPException, InvalidResponse):
            if response is not None:
                response.close()  # now, rather than when the garbage collector gets to it, in any order
            connection.close()
            raise
        # An interim (1xx) answer leaves its final answer unread on the connection.
        if not response.will_close and response.status >= 200:
            with self._lock:
                if len(self._kept) < self.size:
                    self._kept.append(connection)
                    connection = None
        if connection is not None:
            connection.close()
        return Answer(response.status, response.reason, response.headers, data)

    def close(self):
        with self._lock:
            kept, self._kept = self._kept, []
        for connection in kept:
            connection.close()


class Client:
    """Keep-alive connections bound to one API URL and secret key, shared by every region and thread."""

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
        # For the caller to show, once: the client knows nothing of Ansible's ways to warn.
        self.warnings = []
        cleartext = _cleartext_warning(urlsplit(self.api_url))
        if cleartext:
            self.warnings.append(cleartext)
        self.connections = Connections(self.api_url, timeout, validate_certs, concurrency, self.warnings)
        self.headers = {
            "X-Auth-Token": secret_key,
            "Accept": "application/json",
            "User-Agent": " ".join(filter(None, (USER_AGENT, user_agent))),
        }

    def target(self, region, path, params=None):
        """The request target: the API's path for a region, and the query of the parameters that are set."""
        query = urlencode([(key, _text(value)) for key, value in sorted((params or {}).items()) if value is not None])
        return "%s/registry/v1/regions/%s/%s%s" % (self.connections.prefix, region, path, "?" + query if query else "")

    def request(self, method, path, region, params=None, body=None, ambiguous_is_final=False):
        """Send one API call, retrying what is safe to retry; return the decoded JSON object.

        With ambiguous_is_final, a failure after which the request may have been applied
        (a dropped connection, a timeout, a 5xx) is raised at once rather than retried,
        for the caller to find out what happened. A 429 is always retried: the gateway
        refused the request before it reached the service.
        """
        target = self.target(region, path, params)
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in range(1, self.max_attempts + 1):
            final = attempt == self.max_attempts
            self._hold_back()
            try:
                with self._slots:
                    response = self.connections.send(method, target, payload, headers)
            except (OSError, http.client.HTTPException) as exc:
                if final or ambiguous_is_final:
                    raise TransportError("could not reach the Scaleway API at %s: %s (after %d attempt%s)"
                                         % (self.api_url, _describe(exc), attempt, "s" if attempt > 1 else ""))
                self.sleep(self.backoff(attempt))
                continue
            if 200 <= response.status < 300:
                return _decode(response, method, path)
            error = error_from_response(response)
            retryable = response.status in RETRY_STATUSES and (response.status == 429 or not ambiguous_is_final)
            if final or not retryable:
                if retryable:
                    error.message = "%s (gave up after %d attempts)" % (error.message, attempt)
                raise error
            delay = self.backoff(attempt, _retry_after(response))
            if response.status == 429:
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
                try:
                    existing = find_existing()
                except ScalewayError as lookup_error:
                    # The one case that cannot be settled here: say so rather than guess either way.
                    raise UnknownOutcome(
                        "the answer to the create was lost (%s) and the lookup that would tell whether it happened "
                        "failed (%s): it may or may not exist; run the task again, which looks it up by name before "
                        "creating anything" % (exc, lookup_error)) from None
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
            total = answer.get("total_count")
            _listed(answer, key)
            if not isinstance(total, int):
                raise InvalidResponse("the Scaleway API answered a listing of %s without %s and total_count"
                                      % (key, key))
            # total_count decides how many pages are fetched at once: it must not decide how much memory.
            if not 0 <= total <= MAX_PAGES * PAGE_SIZE:
                raise InvalidResponse("the Scaleway API answered a listing of %s with total_count %d, which is not"
                                      " between 0 and %d (the client reads at most %d pages of %d)"
                                      % (key, total, MAX_PAGES * PAGE_SIZE, MAX_PAGES, PAGE_SIZE))
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

    def first_page(self, path, key, region, params=None):
        """The items of one page of a list endpoint, for a lookup by name that one page answers."""
        return _listed(self.get(path, region, params=params), key)

    def map(self, function, items):
        """function(item) for every item, concurrently within the client's bound, results in order."""
        items = list(items)
        if len(items) <= 1:
            return [function(item) for item in items]
        from concurrent.futures import ThreadPoolExecutor  # only where there is something to run at once
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(function, items))


def _listed(answer, key):
    """The items of a listing's page, each a JSON object, or InvalidResponse."""
    items = answer.get(key)
    if not isinstance(items, list):
        raise InvalidResponse("the Scaleway API answered a listing of %s without %s and total_count" % (key, key))
    if not all(isinstance(item, dict) for item in items):
        raise InvalidResponse("the Scaleway API answered a listing of %s with an item that is not a JSON object" % key)
    return items


def _decode(response, method, path):
    try:
        data = response.json()
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise InvalidResponse("the Scaleway API answered %s %s with HTTP %s and a body that is not a JSON object"
                              " (request id %s)" % (method, path.split("?")[0], response.status,
                                                    response.headers.get("X-Request-Id", "unknown")))
    return data


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(exc):
    """What went wrong with the connection, in words."""
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "no answer within the timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "its TLS certificate could not be verified (see validate_certs)"
    if isinstance(exc, (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError,
                        BrokenPipeError)):
        return "the connection was closed without an answer"
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
