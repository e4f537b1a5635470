"""A real local HTTP server that answers from a script and records what it was sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._client import Client

SECRET_KEY = "11111111-1111-4111-8111-111111111111"
DROP = "drop"
CLOSE = "close"  # answer, then close the connection without telling the client


def answer(status=200, body=None, headers=None, raw=None):
    """One scripted answer: a JSON body, or raw bytes (b'' for an empty body)."""
    payload = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    head = {} if raw is not None else {"Content-Type": "application/json"}
    head.update(headers or {})
    return (status, head, payload)


class ScriptedAPI:
    def __init__(self):
        self.requests = []
        self.script = []
        self.route = None  # optional function(request) -> answer, used when the script is empty
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = {
                    "method": self.command,
                    "path": parts.path,
                    "query": parse_qs(parts.query),
                    "headers": dict(self.headers),
                    "body": json.loads(body) if body else None,
                    "target": self.path,
                    "client": self.client_address,
                }
                with api.lock:
                    api.requests.append(request)
                    step = api.script.pop(0) if api.script else api.route(request)
                if step == DROP:
                    self.close_connection = True
                    return
                if step[0] == CLOSE:
                    step = step[1]
                    self.close_connection = True
                status, headers, payload = step
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def calls(self):
        return [(request["method"], request["path"]) for request in self.requests]


@pytest.fixture
def api():
    server = ScriptedAPI()
    yield server
    server.server.shutdown()
    server.server.server_close()


class FakeClock:
    """A clock that only moves when someone sleeps, and remembers every sleep."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sleeps(clock):
    return clock.sleeps


@pytest.fixture
def client(api, clock):
    return Client(SECRET_KEY, api.url, timeout=5, sleep=clock.sleep, clock=clock)
