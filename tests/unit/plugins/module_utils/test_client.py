"""The API client against a real local HTTP server: retries, errors, pagination, creates."""

from __future__ import annotations

import base64
import os
import threading
from urllib.parse import urlsplit

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._client import (
    USER_AGENT,
    AlreadyExists,
    APIError,
    Client,
    InvalidArguments,
    InvalidResponse,
    ListingChanged,
    NotFound,
    PermissionsDenied,
    PreconditionFailed,
    RateLimited,
    ServerError,
    TransportError,
    Unauthenticated,
    UnknownOutcome,
    _proxy,
)
from ansible_collections.scaleway.registry.plugins.module_utils._registry import Namespaces

from .conftest import CLOSE, DROP, SECRET_KEY, answer

RATE_LIMITED = answer(429, raw=b"", headers={"X-Envoy-Ratelimited": "true"})
NAMESPACE = {"id": "77e91a59-aa35-4d6d-ae0f-ccf15ac80639", "name": "team", "status": "ready"}


def test_every_request_carries_the_token_user_agent_and_regional_path(api, client):
    api.script = [answer(body={"namespaces": [], "total_count": 0})]
    client.get("namespaces", "nl-ams", params={"name": "team"})
    request = api.requests[0]
    assert request["path"] == "/registry/v1/regions/nl-ams/namespaces"
    assert request["query"] == {"name": ["team"]}
    assert request["headers"]["X-Auth-Token"] == SECRET_KEY
    assert request["headers"]["User-Agent"].startswith(USER_AGENT)


def test_a_429_with_an_empty_body_is_retried_until_the_api_answers(api, client, sleeps):
    api.script = [RATE_LIMITED, RATE_LIMITED, answer(body=NAMESPACE)]
    assert client.get("namespaces/x", "fr-par") == NAMESPACE
    assert len(api.requests) == 3
    assert len(sleeps) == 2


def test_retry_after_is_honoured_when_the_api_sends_it(api, client, sleeps):
    api.script = [answer(429, raw=b"", headers={"Retry-After": "7"}), answer(body=NAMESPACE)]
    client.get("namespaces/x", "fr-par")
    assert sleeps[0] >= 7


@pytest.mark.parametrize(
    "failure",
    [
        answer(500, raw=b"upstream connect error"),
        answer(502, raw=b"upstream connect error"),
        answer(503, raw=b"no healthy upstream"),
        answer(504, raw=b""),
        DROP,
    ],
)
def test_server_failures_and_dropped_connections_are_retried_for_reads(api, client, failure):
    api.script = [failure, answer(body=NAMESPACE)]
    assert client.get("namespaces/x", "fr-par") == NAMESPACE
    assert len(api.requests) == 2


def test_a_429_that_never_ends_gives_up_with_a_rate_limited_error(api, clock):
    api.route = lambda request: RATE_LIMITED
    client = Client(SECRET_KEY, api.url, max_attempts=4, sleep=clock.sleep, clock=clock)
    with pytest.raises(RateLimited) as raised:
        client.get("namespaces", "fr-par")
    assert len(api.requests) == 4
    assert "rate limited" in str(raised.value) and "4 attempts" in str(raised.value)


def test_backoff_grows_exponentially_is_capped_and_jittered():
    client = Client(SECRET_KEY, backoff_base=0.5, backoff_cap=8.0)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        delays = {client.backoff(attempt) for draw in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1


@pytest.mark.parametrize("status,body", [(400, {"message": "bad"}), (401, {}), (403, {}), (404, {}), (409, {})])
def test_client_errors_are_not_retried(api, client, status, body):
    api.script = [answer(status, body=body)]
    with pytest.raises(APIError):
        client.get("namespaces", "fr-par")
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    "status,body,error,message,error_type",
    [
        (404, {"message": "Namespace was not found"}, NotFound, "Namespace was not found", None),
        (400, {"message": "Namespace already exist"}, AlreadyExists, "Namespace already exist", None),
        (403, {"message": "Not authorized"}, PermissionsDenied, "Not authorized", None),
        (
            401,
            {
                "message": "authentication is denied",
                "method": "api_key",
                "reason": "not_found",
                "type": "denied_authentication",
            },
            Unauthenticated,
            "authentication is denied",
            "denied_authentication",
        ),
        (
            400,
            {
                "details": [{"argument_name": "page_size", "reason": "constraint", "help_message": "too big"}],
                "message": "invalid argument(s)",
                "type": "invalid_arguments",
            },
            InvalidArguments,
            "invalid argument(s)",
            "invalid_arguments",
        ),
        (
            403,
            {
                "details": [{"action": "read", "resource": "namespace"}],
                "message": "insufficient permissions",
                "type": "permissions_denied",
            },
            PermissionsDenied,
            "insufficient permissions",
            "permissions_denied",
        ),
        (
            412,
            {
                "help_message": "tags share a digest",
                "message": "precondition is not respected",
                "precondition": "resource_still_in_use",
                "type": "precondition_failed",
            },
            PreconditionFailed,
            "precondition is not respected: tags share a digest",
            "precondition_failed",
        ),
    ],
)
def test_both_error_body_shapes_become_typed_errors(api, client, status, body, error, message, error_type):
    api.script = [answer(status, body=body, headers={"X-Request-Id": "req-42"})]
    with pytest.raises(error) as raised:
        client.get("namespaces/x", "fr-par")
    assert raised.value.status == status
    assert raised.value.message == message
    assert raised.value.type == error_type
    assert raised.value.request_id == "req-42"
    assert f"HTTP {status}" in str(raised.value) and "req-42" in str(raised.value)


def test_a_plain_text_gateway_error_keeps_its_first_line(api, clock):
    api.route = lambda request: answer(503, raw=b"no healthy upstream\nmore", headers={"Content-Type": "text/plain"})
    client = Client(SECRET_KEY, api.url, max_attempts=2, sleep=clock.sleep, clock=clock)
    with pytest.raises(ServerError) as raised:
        client.get("namespaces", "fr-par")
    assert raised.value.message.startswith("no healthy upstream")


@pytest.mark.parametrize("raw", [b"not json", b'{"namespaces": [', b"[]"])
def test_a_success_that_is_not_a_json_object_fails_clearly(api, client, raw):
    api.script = [answer(200, raw=raw, headers={"Content-Type": "application/json"})]
    with pytest.raises(InvalidResponse) as raised:
        client.get("namespaces", "fr-par")
    assert "not a JSON object" in str(raised.value)


def test_an_unreachable_api_fails_after_the_retries_with_the_reason(clock, sleeps):
    client = Client(SECRET_KEY, "http://127.0.0.1:9", max_attempts=3, sleep=clock.sleep, clock=clock)
    with pytest.raises(TransportError) as raised:
        client.get("namespaces", "fr-par")
    assert "connection refused" in str(raised.value) and "3 attempts" in str(raised.value)
    assert len(sleeps) == 2


def test_the_iam_api_has_no_region_and_its_delete_answers_no_content(api, client):
    api.script = [answer(body={"id": "a"}), answer(status=204, raw=b"")]
    assert client.get("applications/a", None) == {"id": "a"}
    assert client.delete("api-keys/SCWXXXXXXXXXXXXXXXXX", None) == {}
    assert [request["path"] for request in api.requests] == [
        "/iam/v1alpha1/applications/a",
        "/iam/v1alpha1/api-keys/SCWXXXXXXXXXXXXXXXXX",
    ]


def test_paginate_tells_items_apart_by_the_field_given_for_objects_without_an_id(api, client):
    keys = [{"access_key": f"SCW{number:017d}"} for number in range(3)]
    api.script = [answer(body={"api_keys": keys, "total_count": 3})]
    assert client.paginate("api-keys", "api_keys", None, id_field="access_key") == keys


def listing(items, page_size, page, total=None):
    start = (page - 1) * page_size
    return answer(
        body={"namespaces": items[start : start + page_size], "total_count": len(items) if total is None else total}
    )


def test_paginate_reads_every_page_with_the_largest_page_size_and_stops_on_total_count(api, client):
    items = [{"id": str(number), "name": f"ns-{number}"} for number in range(250)]
    api.route = lambda request: listing(items, int(request["query"]["page_size"][0]), int(request["query"]["page"][0]))
    assert client.paginate("namespaces", "namespaces", "fr-par") == items
    assert sorted(int(request["query"]["page"][0]) for request in api.requests) == [1, 2, 3]
    assert all(request["query"]["page_size"] == ["100"] for request in api.requests)


def test_paginate_sends_one_request_for_an_empty_listing(api, client):
    api.route = lambda request: listing([], 100, 1)
    assert client.paginate("namespaces", "namespaces", "fr-par") == []
    assert len(api.requests) == 1


def test_paginate_starts_again_when_the_listing_changes_between_pages(api, client):
    items = [{"id": str(number)} for number in range(150)]
    api.script = [listing(items, 100, 1), listing([*items, {"id": "new"}], 100, 2)]
    api.route = lambda request: listing(items, 100, int(request["query"]["page"][0]))
    assert client.paginate("namespaces", "namespaces", "fr-par") == items
    assert len(api.requests) == 4


def test_paginate_never_returns_a_listing_that_kept_changing(api, client):
    items = [{"id": str(number)} for number in range(150)]
    counter = iter(range(1000))
    api.route = lambda request: listing(items, 100, int(request["query"]["page"][0]), total=150 + next(counter))
    with pytest.raises(ListingChanged):
        client.paginate("namespaces", "namespaces", "fr-par")


def test_paginate_is_safe_from_several_threads(api, client):
    items = [{"id": str(number)} for number in range(520)]
    api.route = lambda request: listing(items, 100, int(request["query"]["page"][0]))
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(client.paginate("namespaces", "namespaces", "fr-par")))
        for thread_number in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [items] * 6


def test_create_after_a_dropped_connection_returns_what_the_lookup_finds_and_posts_once(api, client):
    api.script = [DROP]
    created = client.create("namespaces", "fr-par", {"name": "team"}, lambda: NAMESPACE)
    assert created == NAMESPACE
    assert api.calls() == [("POST", "/registry/v1/regions/fr-par/namespaces")]


def test_create_posts_again_only_after_the_lookup_found_nothing(api, client):
    api.script = [answer(503, raw=b"no healthy upstream"), answer(body=NAMESPACE)]
    lookups = []
    created = client.create("namespaces", "fr-par", {"name": "team"}, lambda: lookups.append(1))
    assert created == NAMESPACE
    assert len(lookups) == 1
    assert [call[0] for call in api.calls()] == ["POST", "POST"]


def test_create_retries_a_429_without_a_lookup(api, client):
    api.script = [RATE_LIMITED, answer(body=NAMESPACE)]
    created = client.create("namespaces", "fr-par", {"name": "team"}, lambda: pytest.fail("no lookup after a 429"))
    assert created == NAMESPACE


def test_create_that_meets_its_own_earlier_attempt_returns_it(api, client):
    api.script = [DROP, answer(400, body={"message": "Namespace already exist"})]
    lookups = iter([None, NAMESPACE])
    assert client.create("namespaces", "fr-par", {"name": "team"}, lambda: next(lookups)) == NAMESPACE


def test_a_create_whose_answer_and_lookup_are_both_lost_says_so_and_posts_once(api, client):
    api.script = [DROP]

    def lookup():
        raise TransportError("could not reach the Scaleway API")

    with pytest.raises(UnknownOutcome) as raised:
        client.create("namespaces", "fr-par", {"name": "team"}, lookup)
    assert "it may or may not exist; run the task again" in str(raised.value)
    assert [request["method"] for request in api.requests] == ["POST"]


def test_create_of_a_name_taken_elsewhere_fails_with_already_exists(api, client):
    api.script = [answer(400, body={"message": "Namespace already exist"})]
    with pytest.raises(AlreadyExists):
        client.create("namespaces", "fr-par", {"name": "team"}, lambda: pytest.fail("no lookup"))
    assert len(api.requests) == 1


def failing_every_request_with(failures):
    """A route that answers the requests with the failures in turn, over and over."""
    sent = iter(range(10**6))
    return lambda request: failures[next(sent) % len(failures)]


# 429s then a 503, over and over: when create() had its own retry loop around request()'s, each of its
# max_attempts POSTs could be retried max_attempts times by request(), max_attempts² requests in all.
RATE_LIMITED_THEN_UNAVAILABLE = [RATE_LIMITED, RATE_LIMITED, answer(503, raw=b"no healthy upstream")]


# One lookup after each failure that may have created the namespace; none after a 429, which the gateway refused.
@pytest.mark.parametrize(
    "failures,error,message,lookups",
    [
        ([answer(503, raw=b"no healthy upstream")], ServerError, "no healthy upstream (gave up after 3 attempts)", 3),
        ([DROP], TransportError, "the connection was closed without an answer (after 3 attempts)", 3),
        ([RATE_LIMITED], RateLimited, "rate limited by the Scaleway API gateway (gave up after 3 attempts)", 0),
        (RATE_LIMITED_THEN_UNAVAILABLE, ServerError, "no healthy upstream (gave up after 3 attempts)", 1),
        ([answer(502, raw=b"upstream"), DROP, RATE_LIMITED], RateLimited, "gateway (gave up after 3 attempts)", 2),
    ],
)
def test_a_create_sends_at_most_max_attempts_posts_in_all_whatever_fails(api, clock, failures, error, message, lookups):
    api.route = failing_every_request_with(failures)
    client = Client(SECRET_KEY, api.url, max_attempts=3, sleep=clock.sleep, clock=clock)
    found_nothing = []
    with pytest.raises(error) as raised:
        client.create("namespaces", "fr-par", {"name": "team"}, lambda: found_nothing.append(None))
    assert [request["method"] for request in api.requests] == ["POST"] * 3
    assert message in str(raised.value)
    assert len(found_nothing) == lookups
    assert len(clock.sleeps) == 2  # one backoff between attempts, none after the last


def test_every_method_sends_at_most_max_attempts_requests_in_all(api, clock):
    client = Client(SECRET_KEY, api.url, max_attempts=4, sleep=clock.sleep, clock=clock)
    for call in (
        lambda: client.get("namespaces/x", "fr-par"),
        lambda: client.patch("namespaces/x", "fr-par", {"description": "d"}),
        lambda: client.delete("namespaces/x", "fr-par"),
        lambda: client.create("namespaces", "fr-par", {"name": "team"}, lambda: None),
    ):
        api.requests.clear()
        api.route = failing_every_request_with(RATE_LIMITED_THEN_UNAVAILABLE)
        with pytest.raises(RateLimited):
            call()
        assert len(api.requests) == 4


class CreatingAPI:
    """Namespaces created by POST and found by a GET of their name, with the first POST's connection dropped.

    The connection drops after the whole POST was received: whether the server applied it (applied=True) or not,
    the client sees the same dropped connection, and cannot tell which happened.
    """

    def __init__(self, api, applied):
        self.applied = applied
        self.posts = 0
        self.namespaces = []
        api.route = self.route

    def route(self, request):
        if request["method"] == "GET":
            found = [item for item in self.namespaces if item["name"] == request["query"]["name"][0]]
            return answer(body={"namespaces": found, "total_count": len(found)})
        self.posts += 1
        name = request["body"]["name"]
        if any(item["name"] == name for item in self.namespaces):
            return answer(400, body={"message": "Namespace already exist"})
        if self.posts == 1 and not self.applied:
            return DROP
        self.namespaces.append(dict(NAMESPACE, id=f"id-{len(self.namespaces)}", name=name))
        return DROP if self.posts == 1 else answer(body=self.namespaces[-1])


def test_a_create_whose_connection_drops_after_it_was_sent_is_settled_by_a_lookup_not_sent_again(api, client):
    # The design decision: a POST is never sent again blindly. It always goes on a new connection (so that a kept
    # connection the server closed cannot look like a lost response), and after a failure that leaves its outcome
    # unknown (a dropped connection, a timeout, a 5xx) the client looks the namespace up by name. Found: that is
    # the create's result, and nothing is sent again, so this create does not create twice.
    creating = CreatingAPI(api, applied=True)
    created = Namespaces(client, "fr-par").create("team", project_id=NAMESPACE["id"])
    assert created == creating.namespaces[0] and len(creating.namespaces) == 1
    assert [request["method"] for request in api.requests] == ["POST", "GET"]


def test_a_create_whose_connection_dropped_before_it_was_applied_is_sent_again_after_the_lookup(api, client):
    # Not found: the create did not happen, and only then is it sent again, once the lookup has said so. Were the
    # first POST applied after the lookup, the second would meet the name taken: AlreadyExists, then a lookup
    # finds it (test_create_that_meets_its_own_earlier_attempt_returns_it). Namespace names are unique in a
    # region, so a create retried this way cannot make two namespaces.
    creating = CreatingAPI(api, applied=False)
    created = Namespaces(client, "fr-par").create("team", project_id=NAMESPACE["id"])
    assert created == creating.namespaces[0] and len(creating.namespaces) == 1
    assert [request["method"] for request in api.requests] == ["POST", "GET", "POST"]


@pytest.mark.parametrize(
    "failure,error,message",
    [
        (DROP, TransportError, "the connection was closed without an answer (after 1 attempt)"),
        (answer(503, raw=b"no healthy upstream"), ServerError, "no healthy upstream (HTTP 503)"),
    ],
)
def test_a_post_with_no_lookup_to_settle_an_ambiguous_failure_is_sent_once(api, client, failure, error, message):
    api.route = lambda request: failure
    with pytest.raises(error) as raised:
        client.request("POST", "namespaces", "fr-par", body={"name": "team"})
    assert message in str(raised.value)
    assert len(api.requests) == 1


def test_a_post_is_retried_after_a_429_which_the_gateway_refused_before_the_service(api, client):
    api.script = [RATE_LIMITED, answer(body=NAMESPACE)]
    assert client.request("POST", "namespaces", "fr-par", body={"name": "team"}) == NAMESPACE
    assert len(api.requests) == 2


def test_a_429_holds_back_every_other_call_of_the_client(api, client, clock):
    api.script = [answer(429, raw=b"", headers={"Retry-After": "5"}), answer(body=NAMESPACE), answer(body=NAMESPACE)]
    client.get("namespaces/x", "fr-par")
    assert clock.sleeps[0] >= 5
    resumed = clock.now
    clock.now -= 3  # another thread calls while the client is still holding back
    client.get("namespaces/y", "fr-par")
    assert clock.sleeps[1] == pytest.approx(3)
    assert clock.now == pytest.approx(resumed)


def test_reads_reuse_one_kept_connection(api, client):
    api.route = lambda request: answer(body=NAMESPACE)
    for _read in range(3):
        client.get("namespaces/x", "fr-par")
    assert len({request["client"] for request in api.requests}) == 1


def test_a_create_never_goes_on_a_kept_connection(api, client):
    api.script = [answer(body=NAMESPACE), answer(body=NAMESPACE)]
    client.get("namespaces/x", "fr-par")
    client.create("namespaces", "fr-par", {"name": "team"}, lambda: None)
    assert api.requests[0]["client"] != api.requests[1]["client"]


def test_a_kept_connection_the_server_closed_is_replaced_without_a_retry(api, client, sleeps):
    api.script = [(CLOSE, answer(body=NAMESPACE)), answer(body=NAMESPACE)]
    client.get("namespaces/x", "fr-par")
    assert client.get("namespaces/x", "fr-par") == NAMESPACE
    assert len(api.requests) == 2 and sleeps == []


@pytest.fixture
def environment(monkeypatch):
    """An environment with no proxy variable, whatever the machine running the tests sets."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    return monkeypatch


def proxy_of(url):
    warnings = []
    return _proxy(urlsplit(url), warnings), warnings


def test_an_http_proxy_from_the_environment_gets_the_whole_url(api, environment):
    environment.setenv("http_proxy", api.url)
    api.script = [answer(body=NAMESPACE)]
    assert Client(SECRET_KEY, "http://api.example.invalid").get("namespaces/x", "fr-par") == NAMESPACE
    assert api.requests[0]["target"] == "http://api.example.invalid:80/registry/v1/regions/fr-par/namespaces/x"


@pytest.mark.parametrize(
    "no_proxy,bypassed",
    [
        ("", False),
        ("example.com", True),
        (".example.com", True),
        ("*", True),
        ("other.org,api.example.com", True),
        ("ample.com", False),
        ("API.Example.COM", True),
        ("api.example.com:443", True),
        ("api.example.com:8443", False),
    ],
)
def test_no_proxy_bypasses_the_proxy_for_its_hosts(environment, no_proxy, bypassed):
    environment.setenv("https_proxy", "http://user:pw@proxy.internal:8080")
    environment.setenv("no_proxy", no_proxy)
    found, warnings = proxy_of("https://api.example.com")
    assert (found is None) == bypassed and warnings == []
    if found:
        assert found[:2] == ("proxy.internal", 8080) and found[2].startswith("Basic ")


@pytest.mark.parametrize(
    "url,bypassed",
    [
        ("https://api.example.com:8443", True),
        ("https://api.example.com", False),
        ("https://api.example.com:9443", False),
    ],
)
def test_a_no_proxy_entry_with_a_port_bypasses_only_that_port(environment, url, bypassed):
    environment.setenv("https_proxy", "http://proxy.internal:8080")
    environment.setenv("no_proxy", "other.org,api.example.com:8443")
    assert (proxy_of(url)[0] is None) == bypassed


@pytest.mark.parametrize("variable", ["ALL_PROXY", "all_proxy"])
def test_all_proxy_serves_when_no_proxy_is_set_for_the_scheme(environment, variable):
    environment.setenv(variable, "http://proxy.internal:8080")
    assert proxy_of("https://api.example.com")[0] == ("proxy.internal", 8080, None)
    environment.setenv("https_proxy", "http://other.internal:3129")
    assert proxy_of("https://api.example.com")[0] == ("other.internal", 3129, None)


@pytest.mark.parametrize(
    "proxy_variable,no_proxy_variable",
    [("https_proxy", "no_proxy"), ("HTTPS_PROXY", "NO_PROXY"), ("Https_Proxy", "No_Proxy")],
)
def test_proxy_variables_are_read_whatever_their_case(environment, proxy_variable, no_proxy_variable):
    environment.setenv(proxy_variable, "proxy.internal:8080")
    assert proxy_of("https://api.example.com")[0] == ("proxy.internal", 8080, None)
    environment.setenv(no_proxy_variable, "example.com")
    assert proxy_of("https://api.example.com")[0] is None


def test_the_lower_case_variable_wins_over_the_upper_case_one(environment):
    environment.setenv("HTTPS_PROXY", "http://upper.internal:8080")
    environment.setenv("https_proxy", "http://lower.internal:8080")
    assert proxy_of("https://api.example.com")[0][0] == "lower.internal"


def test_proxy_credentials_are_percent_decoded_and_no_port_means_3128(environment):
    environment.setenv("https_proxy", "http://me%40corp:p%3Ass@proxy.internal")
    found = proxy_of("https://api.example.com")[0]
    assert found[:2] == ("proxy.internal", 3128)
    assert base64.b64decode(found[2].split()[1]) == b"me@corp:p:ss"


@pytest.mark.parametrize(
    "value", ["socks5h://me:secret@localhost:1080", "http://proxy.internal:port", "http://:8080", "http://[::1:8080"]
)
def test_a_proxy_the_client_cannot_use_is_skipped_with_a_warning_that_hides_its_value(environment, value):
    environment.setenv("ALL_PROXY", value)
    found, warnings = proxy_of("https://api.example.com")
    assert found is None
    assert len(warnings) == 1 and warnings[0].startswith("all_proxy ") and "secret" not in warnings[0]


def test_a_client_passes_on_the_proxy_warning(environment):
    environment.setenv("https_proxy", "socks5://localhost:1080")
    assert [warning.split()[0] for warning in Client(SECRET_KEY).warnings] == ["https_proxy"]


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com",
        "http://10.1.2.3:8080",
        f"http://me:{SECRET_KEY}@api.example.com",
        "http://[2001:db8::1]:8080",
        "http://127.0.0.1.example.com",
    ],
)
def test_plain_http_to_another_host_warns_that_the_key_travels_in_clear(environment, url):
    client = Client(SECRET_KEY, url)
    assert len(client.warnings) == 1
    assert "clear text" in client.warnings[0] and "use https" in client.warnings[0]
    assert SECRET_KEY not in client.warnings[0] and "\n" not in client.warnings[0]


@pytest.mark.parametrize(
    "url",
    [
        "https://api.scaleway.com",
        "https://10.1.2.3",
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://[::1]:8080",
        "http://localhost:8080",
        "http://LOCALHOST.",
    ],
)
def test_https_and_loopback_urls_give_no_warning(environment, url):
    assert Client(SECRET_KEY, url).warnings == []


def test_the_cleartext_warning_is_given_once_however_many_requests_follow(api, environment):
    environment.setenv("http_proxy", api.url)  # to reach the local API under a name that is not the loopback
    api.route = lambda request: answer(body=NAMESPACE)
    client = Client(SECRET_KEY, "http://api.example.invalid")
    for _read in range(3):
        client.get("namespaces/x", "fr-par")
    assert len(api.requests) == 3 and len(client.warnings) == 1


def test_map_keeps_the_order_of_its_items(client):
    assert client.map(lambda number: number * 2, range(20)) == [number * 2 for number in range(20)]
