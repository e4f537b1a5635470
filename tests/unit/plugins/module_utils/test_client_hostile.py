"""The API client against servers that misbehave: slow, huge, redirecting, or lying about their listings.

Whatever such a server does, a call ends by its timeout, holds a bounded amount of memory and fails with a
typed error of one line, never a traceback.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._client import (
    MAX_BODY,
    MAX_PAGES,
    PAGE_SIZE,
    APIError,
    Client,
    InvalidResponse,
    NotFound,
    TransportError,
)
from ansible_collections.scaleway.registry.plugins.module_utils._registry import Namespaces

from .conftest import SECRET_KEY, answer

NAMESPACE = {"id": "77e91a59-aa35-4d6d-ae0f-ccf15ac80639", "name": "team", "status": "ready"}
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


class RawServer:
    """Answers every request with the same bytes, sent piece by piece with a pause after each, then closes."""

    def __init__(self, pieces, pause=0.0, hold=False):
        self.pieces = pieces
        self.pause = pause
        self.hold = hold  # keep the connection open after the last piece, until the test ends
        self.requests = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                connection, _address = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection):
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                received = connection.recv(65536)
                if not received:
                    return
                request += received
            with self.lock:
                self.requests += 1
            for piece in self.pieces:
                try:
                    connection.sendall(piece)
                except OSError:  # the client gave up
                    return
                if self.stopped.wait(self.pause):
                    return
            if self.hold:
                self.stopped.wait()

    def stop(self):
        self.stopped.set()
        self.listener.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(pieces, **options):
        servers.append(RawServer(pieces, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def json_body(size):
    """A JSON object of exactly `size` bytes."""
    return b'{"pad": "' + b"x" * (size - 11) + b'"}'


def framed(body, framing):
    """The pieces of a 200 answer carrying body, framed by its length, in chunks, or by the end of the connection."""
    if framing == "content-length":
        return [HEAD + b"Content-Length: %d\r\n\r\n" % len(body), body]
    if framing == "chunked":
        chunks = [body[start : start + 2**20] for start in range(0, len(body), 2**20)]
        return (
            [HEAD + b"Transfer-Encoding: chunked\r\n\r\n"]
            + [b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks]
            + [b"0\r\n\r\n"]
        )
    return [HEAD + b"Connection: close\r\n\r\n", body]


def one_line(error):
    return "\n" not in str(error) and SECRET_KEY not in str(error)


@pytest.mark.parametrize("dripped", ["head", "body"])
def test_a_server_that_drips_its_answer_is_cut_off_by_the_timeout_and_retried(raw_server, clock, dripped):
    whole = framed(json_body(60), "content-length")
    pieces = (
        [bytes([byte]) for byte in b"".join(whole)]
        if dripped == "head"
        else whole[:1] + [bytes([byte]) for byte in whole[1]]
    )
    server = raw_server(pieces, pause=0.2)  # more than 12 s for the whole answer, each byte well within the timeout
    client = Client(SECRET_KEY, server.url, timeout=1, max_attempts=2, sleep=clock.sleep, clock=clock)
    started = time.monotonic()
    with pytest.raises(TransportError) as raised:
        client.get("namespaces/x", "fr-par")
    assert time.monotonic() - started < 8  # two attempts of one second, not of 12
    assert "no answer within the timeout (after 2 attempts)" in str(raised.value) and one_line(raised.value)
    assert server.requests == 2


def test_an_answer_announced_beyond_the_size_limit_is_refused_before_it_is_read(raw_server, clock):
    server = raw_server([HEAD + b"Content-Length: %d\r\n\r\n{" % 10**12], hold=True)
    client = Client(SECRET_KEY, server.url, timeout=5, sleep=clock.sleep, clock=clock)
    with pytest.raises(InvalidResponse) as raised:
        client.get("namespaces/x", "fr-par")
    assert str(raised.value) == (
        "the Scaleway API answered GET /registry/v1/regions/fr-par/namespaces/x with a body "
        "of more than 16 MiB, which is more than any answer of this API: not read"
    )
    assert server.requests == 1


@pytest.mark.parametrize("framing", ["content-length", "chunked", "until-close"])
def test_a_body_beyond_the_size_limit_is_an_invalid_response_however_it_is_framed(raw_server, clock, framing):
    server = raw_server(framed(json_body(MAX_BODY + 1), framing))
    client = Client(SECRET_KEY, server.url, timeout=30, sleep=clock.sleep, clock=clock)
    with pytest.raises(InvalidResponse) as raised:
        client.get("namespaces/x", "fr-par")
    assert "more than 16 MiB" in str(raised.value) and one_line(raised.value)
    assert server.requests == 1


@pytest.mark.parametrize("framing", ["content-length", "chunked", "until-close"])
def test_a_body_of_exactly_the_size_limit_is_read(raw_server, clock, framing):
    server = raw_server(framed(json_body(MAX_BODY), framing))
    client = Client(SECRET_KEY, server.url, timeout=30, sleep=clock.sleep, clock=clock)
    assert len(client.get("namespaces/x", "fr-par")["pad"]) == MAX_BODY - 11


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_that_says_it_is_not_followed(api, client, status):
    api.script = [answer(status, body=NAMESPACE, headers={"Location": "https://elsewhere.example/namespaces/x"})]
    with pytest.raises(APIError) as raised:
        client.get("namespaces/x", "fr-par")
    assert raised.value.status == status
    assert str(raised.value) == (
        f"the Scaleway API answered with a redirect, which is not followed: check api_url (HTTP {status})"
    )
    assert len(api.requests) == 1


def test_an_interim_status_is_an_error_and_its_connection_is_not_used_again(api, client):
    api.script = [answer(103, body=NAMESPACE), answer(body=NAMESPACE)]
    with pytest.raises(APIError) as raised:
        client.get("namespaces/x", "fr-par")
    assert raised.value.status == 103 and "interim status" in str(raised.value) and one_line(raised.value)
    assert client.get("namespaces/x", "fr-par") == NAMESPACE
    assert api.requests[0]["client"] != api.requests[1]["client"]


@pytest.mark.parametrize("status,body", [(201, NAMESPACE), (202, NAMESPACE)])
def test_every_2xx_is_a_success(api, client, status, body):
    api.script = [answer(status, body=body)]
    assert client.get("namespaces/x", "fr-par") == body


@pytest.mark.parametrize("status,error", [(200, InvalidResponse), (404, NotFound)])
def test_a_body_nested_too_deep_to_decode_fails_in_one_line(api, client, status, error):
    api.script = [answer(status, raw=b"[" * 100000, headers={"Content-Type": "application/json"})]
    with pytest.raises(error) as raised:
        client.get("namespaces/x", "fr-par")
    assert one_line(raised.value)


@pytest.mark.parametrize("error_type", [["locked"], {"kind": "locked"}, 403, True])
def test_an_error_whose_type_is_not_a_string_is_still_one_line(api, client, error_type):
    api.script = [answer(403, body={"message": "refused", "type": error_type})]
    with pytest.raises(APIError) as raised:
        client.get("namespaces/x", "fr-par")
    assert str(raised.value) == f"refused (HTTP 403, {error_type})" and one_line(raised.value)
    assert raised.value.as_dict()["type"] == error_type  # what the API said, kept as it said it


@pytest.mark.parametrize("total", [10**12, MAX_PAGES * PAGE_SIZE + 1, -1])
def test_a_total_count_beyond_the_page_bound_is_refused_after_one_request(api, client, total):
    api.route = lambda request: answer(body={"namespaces": [], "total_count": total})
    with pytest.raises(InvalidResponse) as raised:
        client.paginate("namespaces", "namespaces", "fr-par")
    assert str(raised.value) == (
        f"the Scaleway API answered a listing of namespaces with total_count {total}, which is not "
        "between 0 and 1000000 (the client reads at most 10000 pages of 100)"
    )
    assert len(api.requests) == 1


@pytest.mark.parametrize("item", ["team", 1, None, ["id"]])
def test_a_listing_item_that_is_not_a_json_object_is_an_invalid_response(api, client, item):
    api.route = lambda request: answer(body={"namespaces": [NAMESPACE, item], "total_count": 2})
    for read in (
        lambda: client.paginate("namespaces", "namespaces", "fr-par"),
        lambda: Namespaces(client, "fr-par").find_by_name("team"),
    ):
        with pytest.raises(InvalidResponse) as raised:
            read()
        assert str(raised.value) == (
            "the Scaleway API answered a listing of namespaces with an item that is not a JSON object"
        )
