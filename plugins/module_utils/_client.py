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
import datetime
import email.utils
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
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, TypeVar, cast
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

if TYPE_CHECKING:
    from email.message import Message

    from _typeshed import WriteableBuffer

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")
_Value = TypeVar("_Value")
# A decoded answer of the API. An alias is evaluated at run time: typing's names, since Python 3.8 has no dict[...].
JSONObject = Dict[str, Any]
# Where the environment's proxy is: host, port, and the Proxy-Authorization header or None.
Proxy = Tuple[str, int, Optional[str]]

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
USER_AGENT = f"scaleway.registry/{COLLECTION_VERSION}"
REGISTRY_API = "registry/v1/regions"  # then the region
IAM_API = "iam/v1alpha1"  # global: no region


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

    def __init__(
        self,
        status: int,
        message: Any,
        error_type: Any = None,
        details: Any = None,
        request_id: str | None = None,
    ) -> None:
        # message, type and details come from the error's JSON body: whatever JSON it holds.
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = error_type
        self.details = details
        self.request_id = request_id

    def __str__(self) -> str:
        context = [f"HTTP {self.status}"]
        if self.type:
            context.append(str(self.type))  # the error body's JSON: a hostile or broken API may put anything there
        if self.request_id:
            context.append(f"request id {self.request_id}")
        return f"{self.message} ({', '.join(context)})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "type": self.type,
            "message": self.message,
            "details": self.details,
            "request_id": self.request_id,
        }


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


_ERRORS_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidArguments,
    401: Unauthenticated,
    403: PermissionsDenied,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: RateLimited,
}
# The registry answers a duplicate namespace name with a typeless 400; other APIs use a typed 409.
_ALREADY_EXISTS_MESSAGES = ("Namespace already exist",)


class Response:
    """An HTTP response: status, reason, headers (looked up whatever their case) and the body's bytes."""

    def __init__(self, status: int, reason: str, headers: Message, body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def error_from_response(response: Response) -> APIError:
    """Build the typed error for a response that is not a success, whatever shape its body has."""
    status = response.status
    if status < 400:  # neither a success nor an error: whatever its body says is beside the point
        message = (
            "the Scaleway API answered with a redirect, which is not followed: check api_url"
            if status >= 300
            else "the Scaleway API answered with an interim status where its answer was due"
        )
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
        cls: type[APIError] = AlreadyExists
    elif status >= 500:
        cls = ServerError
    else:
        cls = _ERRORS_BY_STATUS.get(status, APIError)
    if status == 429 and not response.body:
        message = "rate limited by the Scaleway API gateway"
    help_message = body.get("help_message")
    if help_message:
        message = f"{message}: {help_message}"
    return cls(status, message, error_type, details, response.headers.get("X-Request-Id"))


def _first_line(response: Response) -> str:
    text = (response.text or "").strip()
    if not text or text.startswith(("{", "[", "<")):
        return ""
    return text.splitlines()[0][:200]


def _retry_after(response: Response) -> float | None:
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


def _proxy(parts: SplitResult, warnings: list[str]) -> Proxy | None:
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
    if not value or urllib.request.proxy_bypass(f"{parts.hostname}:{api_port:d}"):
        return None
    proxy: SplitResult | None
    try:
        proxy = urlsplit(value if "://" in value else "http://" + value)
        port = proxy.port or 3128
    except ValueError:  # a port that is not a number, an unclosed [
        proxy, port = None, 0
    if proxy is None or proxy.scheme not in ("http", "https") or not proxy.hostname:
        # Not the value: it may hold the proxy's password.
        warnings.append(
            f"{variable}_proxy is not the URL of an HTTP proxy, the only kind the Scaleway API client can use: "
            "it connects directly"
        )
        return None
    authorization = None
    if proxy.username:
        credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode()
    return proxy.hostname, port, authorization


def _cleartext_warning(parts: SplitResult) -> str | None:
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
    return (
        f"api_url http://{parts.netloc.rpartition('@')[2]} is plain HTTP to a host that is not this machine: the "
        "secret key crosses the network in clear text; use https"
    )


def _remaining(deadline: float) -> float:
    """Seconds left until the deadline; socket.timeout when there are none."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("the request took longer than the timeout")
    return left


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes for HTTPResponse, each read given only the time left until the request's deadline.

    The socket's timeout alone bounds each read, not the response: a server that sends a byte now and
    then would hold the request for as long as it likes.
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = deadline
        # Through makefile, as HTTPResponse does, so that the socket stays open for the body when
        # HTTPConnection closes its end of a connection that will close.
        self.raw = sock.makefile("rb", buffering=0)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(self)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int | None:
        self.sock.settimeout(_remaining(self.deadline))
        return self.raw.readinto(buffer)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _deadline_response(deadline: float) -> type[http.client.HTTPResponse]:
    """What HTTPConnection.response_class should be for reads bounded by the deadline.

    HTTPConnection only calls response_class(sock, method=...), so a function serves as well as a class;
    HTTPResponse only calls sock.makefile("rb"), so a _DeadlineReader serves as well as a socket.
    """

    def make(sock: socket.socket, *args: Any, **kwargs: Any) -> http.client.HTTPResponse:
        return http.client.HTTPResponse(cast(socket.socket, _DeadlineReader(sock, deadline)), *args, **kwargs)

    return cast("type[http.client.HTTPResponse]", make)


def _read_body(response: http.client.HTTPResponse) -> bytes | None:
    """The whole body of the response, or None when it is longer than MAX_BODY."""
    if response.length is not None:
        return response.read() if response.length <= MAX_BODY else None
    chunks: list[bytes] = []
    size = 0  # chunked, or until the server closes: the length shows only as it comes
    while size <= MAX_BODY:
        chunk = response.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return None


class ConnectionPool:
    """Keep-alive connections to the API's host, shared by every thread, at most `size` kept.

    A POST always takes a new connection: on a kept one that the server has closed meanwhile,
    it would fail like a dropped response, and a create must never be sent again blindly.
    Other methods retry once on a new connection when a kept one turns out closed.
    """

    def __init__(self, api_url: str, timeout: float, validate_certs: bool, size: int, warnings: list[str]) -> None:
        parts = urlsplit(api_url)
        self.https = parts.scheme == "https"
        # _config accepts only an api_url with a host; without one, connecting fails (in http.client, as it always has).
        self.host: str = parts.hostname  # type: ignore[assignment]
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.size = size
        self.context: ssl.SSLContext | None = None
        if self.https:
            self.context = ssl.create_default_context()
            if not validate_certs:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE
        self.proxy = _proxy(parts, warnings)
        self._kept: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connect(self, deadline: float) -> http.client.HTTPConnection:
        host, port = (self.proxy[0], self.proxy[1]) if self.proxy else (self.host, self.port)
        timeout = _remaining(deadline)
        if not self.https:
            return http.client.HTTPConnection(host, port, timeout=timeout)
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self.context)
        if self.proxy:
            connection.set_tunnel(
                self.host,
                self.port,
                headers={"Proxy-Authorization": self.proxy[2]} if self.proxy[2] else None,
            )
        return connection

    def send(self, method: str, request_path: str, body: bytes | None, headers: Mapping[str, str]) -> Response:
        """Send one request (request_path: path and query) and read the whole response, all within the timeout.

        Socket errors propagate, and so does running out of time, as socket.timeout.
        """
        deadline = time.monotonic() + self.timeout
        headers = dict(headers)
        target = request_path  # what the request line names: through a plain HTTP proxy, the whole URL
        if self.proxy and not self.https:
            target = f"http://{self.host}:{self.port:d}{request_path}"
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

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
        deadline: float,
    ) -> Response:
        connection.response_class = _deadline_response(deadline)
        response = None
        try:
            if connection.sock is not None:  # a kept one, whose timeout is what another request left
                connection.sock.settimeout(_remaining(deadline))
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = _read_body(response)
            if data is None:
                raise InvalidResponse(
                    f"the Scaleway API answered {method} {target.split('?')[0]} with a body of more than "
                    f"{MAX_BODY >> 20:d} MiB, which is more than any answer of this API: not read"
                )
        except (OSError, http.client.HTTPException, InvalidResponse):
            if response is not None:
                response.close()  # now, rather than when the garbage collector gets to it, in any order
            connection.close()
            raise
        # An interim (1xx) response leaves its final response unread on the connection.
        kept: http.client.HTTPConnection | None = connection
        if not response.will_close and response.status >= 200:
            with self._lock:
                if len(self._kept) < self.size:
                    self._kept.append(connection)
                    kept = None
        if kept is not None:
            kept.close()
        return Response(response.status, response.reason, response.headers, data)


class Client:
    """Keep-alive connections bound to one API URL and secret key, shared by every region and thread."""

    def __init__(
        self,
        secret_key: str,
        api_url: str = "https://api.scaleway.com",
        timeout: float = 30,
        validate_certs: bool = True,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        concurrency: int = DEFAULT_CONCURRENCY,
        user_agent: str | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.clock = clock
        # The API's clock minus this machine's, from the Date of its answers (see now()).
        self._clock_skew = 0.0
        # After a 429 every thread holds back until then, so that the whole client slows down, not one call.
        self._resume_at = 0.0
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(concurrency)
        # For the caller to show, once: the client knows nothing of Ansible's ways to warn.
        self.warnings: list[str] = []
        cleartext = _cleartext_warning(urlsplit(self.api_url))
        if cleartext:
            self.warnings.append(cleartext)
        self.pool = ConnectionPool(self.api_url, timeout, validate_certs, concurrency, self.warnings)
        self.headers = {
            "X-Auth-Token": secret_key,
            "Accept": "application/json",
            "User-Agent": " ".join(filter(None, (USER_AGENT, user_agent))),
        }

    def request_path(self, region: str | None, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The path and query of a call: the Registry API's path for a region, or (region None) the IAM API's,
        which has no region; and the query of the parameters that are set."""
        query = urlencode([(key, _text(value)) for key, value in sorted((params or {}).items()) if value is not None])
        api = IAM_API if region is None else f"{REGISTRY_API}/{region}"
        return f"{self.pool.prefix}/{api}/{path}{'?' + query if query else ''}"

    def request(
        self,
        method: str,
        path: str,
        region: str | None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        settle: Callable[[ScalewayError], JSONObject | None] | None = None,
    ) -> JSONObject:
        """Send one API call, retrying what is safe to retry; return the decoded JSON object.

        This is the client's one retry loop: a call sends at most max_attempts requests, a create's included.
        A failure after which the request may have been applied (a dropped connection, a timeout, a 5xx) is
        ambiguous. A GET, PATCH or DELETE is sent again after it. A POST is not sent again blindly: settle(failure)
        (a create's lookup) is asked first, and what it finds is the result; only when it finds nothing does the
        POST go again. Without settle, a POST's ambiguous failure is raised at once. A 429 is always retried: the
        gateway refused the request before it reached the service.
        """
        request_path = self.request_path(region, path, params)
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in range(1, self.max_attempts + 1):
            self._hold_back()
            retry_after, rate_limited = None, False
            try:
                with self._slots:
                    response = self.pool.send(method, request_path, payload, headers)
            except (OSError, http.client.HTTPException) as exc:
                failure: ScalewayError = TransportError(
                    f"could not reach the Scaleway API at {self.api_url}: {_describe(exc)} "
                    f"(after {attempt:d} attempt{'s' if attempt > 1 else ''})"
                )
            else:
                if 200 <= response.status < 300:
                    self._note_date(response)
                    return _decode(response, method, path)
                failure = error_from_response(response)
                if response.status not in RETRY_STATUSES:
                    raise failure
                retry_after = _retry_after(response)
                # The gateway's refusal, before the service: nothing happened, so nothing is ambiguous.
                rate_limited = response.status == 429
            # A failure after which a POST may or may not have been applied: it is sent again only when the
            # caller's lookup found nothing, never blindly (a create sent twice could create twice).
            if method == "POST" and not rate_limited:
                if settle is None:
                    raise failure
                settled = settle(failure)
                if settled is not None:
                    return settled
            if attempt == self.max_attempts:
                raise _given_up(failure, attempt)
            delay = self.backoff(attempt, retry_after)
            if rate_limited:
                with self._lock:
                    self._resume_at = max(self._resume_at, self.clock() + delay)
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def now(self) -> float:
        """The API's time, as a timestamp: this machine's, corrected by the Date of the API's last answer. What expires
        (an API key) expires by the API's clock, which a controller's clock that drifts must not second-guess."""
        return time.time() + self._clock_skew

    def _note_date(self, response: Response) -> None:
        try:
            date = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError, IndexError):
            return  # no Date, or one nobody can read: this machine's clock it is
        if date.tzinfo is None:  # "-0000": UTC, as HTTP dates are
            date = date.replace(tzinfo=datetime.timezone.utc)
        self._clock_skew = date.timestamp() - time.time()

    def _hold_back(self) -> None:
        with self._lock:
            remaining = self._resume_at - self.clock()
        if remaining > 0:
            self.sleep(remaining)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Capped exponential backoff with jitter; the server's Retry-After wins when it says more."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, 60.0))
        return delay

    def get(self, path: str, region: str | None, params: Mapping[str, Any] | None = None) -> JSONObject:
        return self.request("GET", path, region, params=params)

    def patch(self, path: str, region: str | None, body: Any) -> JSONObject:
        return self.request("PATCH", path, region, body=body)

    def put(self, path: str, region: str | None, body: Any) -> JSONObject:
        return self.request("PUT", path, region, body=body)

    def delete(self, path: str, region: str | None, params: Mapping[str, Any] | None = None) -> JSONObject:
        return self.request("DELETE", path, region, params=params)

    def create(
        self, path: str, region: str | None, body: Any, find_existing: Callable[[], JSONObject | None]
    ) -> JSONObject:
        """POST a create that can never create twice.

        After an ambiguous failure the create may or may not have happened, so
        find_existing() (a lookup by name) decides before anything is sent again.
        The retries are request()'s: at most max_attempts POSTs in all.
        """
        ambiguous: list[ScalewayError] = []

        def settle(failure: ScalewayError) -> JSONObject | None:
            ambiguous.append(failure)
            try:
                return find_existing()
            except ScalewayError as lookup_error:
                # The one case that cannot be settled here: say so rather than guess either way.
                raise UnknownOutcome(
                    f"the answer to the create was lost ({failure}) and the lookup that would tell whether it "
                    f"happened failed ({lookup_error}): it may or may not exist; run the task again, which looks it "
                    "up by name before creating anything"
                ) from None

        try:
            return self.request("POST", path, region, body=body, settle=settle)
        except AlreadyExists:
            # After an ambiguous failure, the name may be taken by this create's own earlier attempt.
            existing = find_existing() if ambiguous else None
            if existing is None:
                raise
            return existing

    def paginate(
        self, path: str, key: str, region: str | None, params: Mapping[str, Any] | None = None, id_field: str = "id"
    ) -> list[JSONObject]:
        """Every item of a list endpoint: page 1 gives total_count, the other pages are fetched concurrently.

        The listing is complete or it raises: when the collection changes between pages
        (total_count moves, or items repeat), the whole listing starts again, at most three times.
        """
        base = dict(params or {}, page_size=PAGE_SIZE)

        def fetch(page: int) -> JSONObject:
            response = self.get(path, region, params=dict(base, page=page))
            total = response.get("total_count")
            _listed(response, key)
            if not isinstance(total, int):
                raise InvalidResponse(f"the Scaleway API answered a listing of {key} without {key} and total_count")
            # total_count decides how many pages are fetched at once: it must not decide how much memory.
            if not 0 <= total <= MAX_PAGES * PAGE_SIZE:
                raise InvalidResponse(
                    f"the Scaleway API answered a listing of {key} with total_count {total:d}, which is not"
                    f" between 0 and {MAX_PAGES * PAGE_SIZE:d} (the client reads at most {MAX_PAGES:d} pages of"
                    f" {PAGE_SIZE:d})"
                )
            return response

        for _attempt in range(3):
            first = fetch(1)
            total = first["total_count"]
            pages = [first, *self.map(fetch, range(2, math.ceil(total / float(PAGE_SIZE)) + 1))]
            items = [item for page in pages for item in page[key]]
            ids = {item.get(id_field) for item in items}
            if all(page["total_count"] == total for page in pages) and len(items) == total == len(ids):
                return items
        raise ListingChanged(f"the {key} listing kept changing while it was read; try again")

    def first_page(
        self, path: str, key: str, region: str | None, params: Mapping[str, Any] | None = None
    ) -> list[JSONObject]:
        """The items of one page of a list endpoint, for a lookup by name that one page answers."""
        return _listed(self.get(path, region, params=params), key)

    def map(self, function: Callable[[_Item], _Result], items: Iterable[_Item]) -> list[_Result]:
        """function(item) for every item, concurrently within the client's bound, results in order."""
        listed = list(items)
        if len(listed) <= 1:
            return [function(item) for item in listed]
        from concurrent.futures import ThreadPoolExecutor  # only where there is something to run at once

        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(listed))) as pool:
            futures = [pool.submit(function, item) for item in listed]
        # Every call has ended here. A failure cancels none of the others (Executor.map would cancel those not yet
        # started), so which requests were sent does not depend on timing; the first failure in order is raised.
        return [future.result() for future in futures]


def _given_up(failure: ScalewayError, attempts: int) -> ScalewayError:
    """The last attempt's failure, to raise: an API error's message says how many attempts there were."""
    if isinstance(failure, APIError):
        failure.message = f"{failure.message} (gave up after {attempts:d} attempts)"
    return failure


def _listed(response: JSONObject, key: str) -> list[JSONObject]:
    """The items of a listing's page, each a JSON object, or InvalidResponse."""
    items = response.get(key)
    if not isinstance(items, list):
        raise InvalidResponse(f"the Scaleway API answered a listing of {key} without {key} and total_count")
    if not all(isinstance(item, dict) for item in items):
        raise InvalidResponse(f"the Scaleway API answered a listing of {key} with an item that is not a JSON object")
    return items


def _decode(response: Response, method: str, path: str) -> JSONObject:
    if response.status == 204:  # the IAM API's answer to a delete: no content
        return {}
    try:
        data = response.json()
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise InvalidResponse(
            f"the Scaleway API answered {method} {path.split('?')[0]} with HTTP {response.status} and a body that is"
            f" not a JSON object (request id {response.headers.get('X-Request-Id', 'unknown')})"
        )
    return data


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(exc: BaseException) -> str:
    """What went wrong with the connection, in words."""
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "no answer within the timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "its TLS certificate could not be verified (see validate_certs)"
    if isinstance(
        exc, (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError, BrokenPipeError)
    ):
        return "the connection was closed without an answer"
    return exc.__class__.__name__


def wait_for(
    fetch: Callable[[], _Value],
    done: Callable[[_Value], bool],
    timeout: float,
    describe: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_delay: float = 1.0,
    max_delay: float = 10.0,
) -> _Value:
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
            raise WaitTimeout(
                f"timed out after {timeout}s waiting for {describe} (last status: {state}); raise wait_timeout or set"
                " wait: false"
            )
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_delay)
