"""HTTP side of the emulator: the handler, faults, latency, the request log and /_emulator/."""

import json
import random
import socket
import socketserver
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .api import Api
from .model import SeedError
from .seed import load_seed_text, parse_seed

SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Strict-Transport-Security", "max-age=63072000"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)
# What an Envoy gateway writes when the service behind it fails.
ENVOY_BODIES = {
    502: "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    503: "no healthy upstream",
    504: "upstream request timeout",
}
ENVOY_DEFAULT_BODY = "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
# Faults that are not a status: a dropped connection, an answer cut short, an answer that is not JSON, a redirect
# (as a captive portal answers), a listing that claims more items than any client should fetch.
WORD_FAULTS = ("reset", "truncated", "notjson", "redirect", "hugecount")
# The bodies of the API's own error answers, as the fault of that status gives them.
FAULT_BODIES = {
    400: {
        "details": [{"argument_name": "name", "help_message": "injected fault", "reason": "constraint"}],
        "message": "invalid argument(s)",
        "type": "invalid_arguments",
    },
    404: {"message": "Namespace was not found"},
    409: {
        "current_state": "deleting",
        "message": "resource is in a transient state",
        "resource": "namespace",
        "resource_id": "00000000-0000-4000-8000-000000000000",
        "type": "transient_state",
    },
}


class Faults:
    """`429=0.2,503=0.05,reset=0.02,seed=7`: each API request draws once, in arrival order."""

    def __init__(self, spec=None):
        self.spec = spec or None
        self.shares = []
        seed = None
        for item in filter(None, (spec or "").split(",")):
            key, sep, value = item.partition("=")
            key = key.strip()
            try:
                if not sep:
                    raise ValueError
                if key == "seed":
                    seed = int(value)
                    continue
                share = float(value)
            except ValueError:
                raise ValueError(f"--faults: bad item {item!r}") from None
            if key not in WORD_FAULTS and not (
                key in ("400", "403", "404", "409", "429") or (key.isdigit() and 500 <= int(key) <= 599)
            ):
                raise ValueError(
                    f"--faults: {key!r} is not 400, 403, 404, 409, 429, a 5xx status, reset, truncated,"
                    f" notjson, redirect or hugecount"
                )
            if not 0 <= share <= 1:
                raise ValueError(f"--faults: the share of {key} must be between 0 and 1")
            self.shares.append((key if key in WORD_FAULTS else int(key), share))
        if sum(share for kind, share in self.shares) > 1:
            raise ValueError("--faults: the shares add up to more than 1")
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self):
        if not self.shares:
            return None
        with self._lock:
            roll = self._random.random()
        for kind, share in self.shares:
            if roll < share:
                return kind
            roll -= share
        return None


class Latency:
    """`N` or `MIN-MAX` milliseconds."""

    def __init__(self, spec=None):
        self.spec = spec or None
        low, _dash, high = str(spec or "0").partition("-")
        try:
            self.low, self.high = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"--latency-ms: expected N or MIN-MAX, not {spec!r}") from None
        if not 0 <= self.low <= self.high:
            raise ValueError(f"--latency-ms: expected 0 <= MIN <= MAX, not {spec!r}")
        self._random = random.Random()
        self._lock = threading.Lock()

    def draw_seconds(self):
        with self._lock:
            return self._random.uniform(self.low, self.high) / 1000


class RequestLog:
    def __init__(self):
        self._entries = []
        self._lock = threading.Lock()

    def start(self, method, path, query):
        # Entered on arrival, so the log keeps arrival order even when answers overlap.
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "status": None,
            "fault": None,
            "organization_id": None,
            "started_at": time.time(),
            "finished_at": None,
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def finish(self, entry, status, organization_id, fault=None):
        with self._lock:
            entry.update(status=status, organization_id=organization_id, fault=fault, finished_at=time.time())

    def snapshot(self):
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self):
        with self._lock:
            self._entries.clear()


class Emulator:
    """Everything a request handler needs, shared by all handler threads."""

    def __init__(self, store, accounts, faults=None, latency=None, registries=None):
        self.store = store
        self.accounts = accounts
        self.registries = registries  # with --registry: serves /_registry/
        self.api = Api(store, accounts, registries)
        self.faults = faults or Faults()
        self.latency = latency or Latency()
        self.log = RequestLog()

    def config(self):
        return {
            "deleting_polls": self.store.deleting_polls,
            "faults": self.faults.spec,
            "latency_ms": self.latency.spec,
            "pushes_before_tag_delete": self.store.pushes_before_tag_delete,
            "clock_offset": self.store.clock_offset,
        }

    def configure(self, changes):
        counts = ("deleting_polls", "pushes_before_tag_delete")
        if not isinstance(changes, dict) or set(changes) - {"faults", "latency_ms", "clock_offset", *counts}:
            raise ValueError("config keys: clock_offset, deleting_polls, faults, latency_ms, pushes_before_tag_delete")
        for key in counts:
            value = changes.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{key} must be a non-negative integer")
        offset = changes.get("clock_offset", 0)
        if not isinstance(offset, (int, float)) or isinstance(offset, bool) or not 0 <= offset < 10**10:
            raise ValueError("clock_offset must be a non-negative number of seconds")
        faults = Faults(changes["faults"]) if "faults" in changes else self.faults
        latency = Latency(changes["latency_ms"]) if "latency_ms" in changes else self.latency
        self.faults, self.latency = faults, latency
        for key in counts:
            if key in changes:
                setattr(self.store, key, changes[key])
        if "clock_offset" in changes:
            self.store.set_clock_offset(offset)


class _UnreadableBody(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer has a Content-Length
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def version_string(self):
        return "Scaleway API Gateway (emulator)"

    def date_time_string(self, timestamp=None):
        # The Date header is the emulator's time, its clock offset included, as the API's Date is the API's: clients
        # that judge key expiry by the API's clock see the clock move.
        if timestamp is None:
            timestamp = self.server.emulator.store.now_us() / 1e6
        return super().date_time_string(timestamp)

    def log_message(self, format, *args):
        pass  # stdout is for the ready line only, and stderr should stay readable

    def do_GET(self):
        raw_path, _dummy, query = self.path.partition("?")
        emulator = self.server.emulator
        try:
            body = self._read_body()
            if raw_path.startswith("/_emulator/"):
                self._admin(emulator, raw_path, body)
            elif emulator.registries is not None and raw_path.startswith("/_registry/"):
                # Never faulted, never delayed, not in the request log.
                self._send_json(
                    *emulator.registries.handle(self.command, raw_path, query, self.headers, body), admin=True
                )
            else:
                self._api(emulator, raw_path, query, body)
        except ConnectionError:
            self.close_connection = True  # the client went away: nobody to answer
        except _UnreadableBody:
            self.close_connection = True  # the next request cannot be found in the stream
            self._send_json(400, {"message": "unreadable request body"})
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            self._send_json(500, {"message": "internal error"})

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                try:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    raise _UnreadableBody() from None
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _UnreadableBody() from None
        return self.rfile.read(length) if length > 0 else b""

    def _api(self, emulator, raw_path, query, body):
        entry = emulator.log.start(self.command, raw_path, query)
        fault = emulator.faults.draw()
        delay = emulator.latency.draw_seconds()
        if delay:
            time.sleep(delay)  # no lock is held here, so delayed requests still overlap
        if fault in (None, "reset"):
            try:
                status, result, org = emulator.api.handle(
                    self.command, raw_path, query, self.headers, body, self.client_address[0]
                )
            except Exception:
                traceback.print_exc(file=sys.stderr)
                status, result, org = 500, {"message": "internal error"}, None
        else:
            caller = emulator.api.authenticate(self.headers.get("X-Auth-Token"))
            status, result, org = fault, None, caller.organization_id if caller else None
        if fault == "reset":
            # The request was applied; the client never learns it.
            self.close_connection = True
            emulator.log.finish(entry, "reset", org, fault)
            return
        emulator.log.finish(entry, status, org, fault)
        if fault is None:
            self._send_json(status, result)
        else:
            self._send_fault(fault, raw_path)

    def _send_fault(self, fault, raw_path):
        """The answer of an injected fault (any but "reset", which sends none), in place of the API's."""
        if fault == "truncated":
            # Headers that promise a whole object, half of it, then the connection closes.
            self.close_connection = True
            data = json.dumps({"namespaces": [], "total_count": 0, "padding": "x" * 64}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
        elif fault == "notjson":
            self._send(200, b"<html><body>Service maintenance</body></html>", [("Content-Type", "text/html")])
        elif fault == "redirect":
            self._send(302, b"", [("Location", "https://portal.example.invalid/login")])
        elif fault == "hugecount":
            self._send_json(200, {"namespaces": [], "images": [], "tags": [], "total_count": 10**12})
        elif fault in FAULT_BODIES:
            self._send_json(fault, FAULT_BODIES[fault])
        elif fault == 429:
            self._send(429, b"", [("X-Envoy-Ratelimited", "true")])
        elif fault == 403:
            resource = next((r for r in ("tag", "image", "namespace") if f"/{r}s" in raw_path), "namespace")
            action = "read" if self.command == "GET" else "write"
            self._send_json(
                403,
                {
                    "details": [{"action": action, "resource": resource}],
                    "message": "insufficient permissions",
                    "type": "permissions_denied",
                },
            )
        else:
            text = ENVOY_BODIES.get(fault, ENVOY_DEFAULT_BODY).encode()
            self._send(fault, text, [("Content-Type", "text/plain")])

    def _admin(self, emulator, raw_path, body):
        route = (self.command, raw_path.rstrip("/"))
        try:
            if route == ("GET", "/_emulator/requests"):
                self._send_json(200, {"requests": emulator.log.snapshot()}, admin=True)
            elif route == ("DELETE", "/_emulator/requests"):
                emulator.log.clear()
                self._send_json(200, {}, admin=True)
            elif route == ("POST", "/_emulator/seed"):
                doc = load_seed_text(body.decode("utf-8"))
                created = emulator.store.seed(*parse_seed(doc, emulator.accounts))
                self._send_json(200, created, admin=True)
            elif route == ("POST", "/_emulator/reset"):
                options = json.loads(body or b"{}")
                if not isinstance(options, dict) or set(options) - {"chapter"}:
                    raise ValueError('reset takes an optional body {"chapter": NAME}')
                emulator.store.reset(options.get("chapter"))
                if emulator.registries is not None:
                    emulator.registries.wipe()
                emulator.log.clear()
                self._send_json(200, {}, admin=True)
            elif route == ("GET", "/_emulator/journal"):
                self._send_json(200, emulator.store.journal(), admin=True)
            elif route == ("GET", "/_emulator/state"):
                self._send_json(200, emulator.store.dump(), admin=True)
            elif route == ("GET", "/_emulator/config"):
                self._send_json(200, emulator.config(), admin=True)
            elif route == ("PATCH", "/_emulator/config"):
                emulator.configure(json.loads(body or b"{}"))
                self._send_json(200, emulator.config(), admin=True)
            else:
                self._send_json(404, {"message": f"no admin endpoint {self.command} {raw_path}"}, admin=True)
        except (SeedError, ValueError, UnicodeDecodeError) as exc:
            self._send_json(400, {"message": str(exc)}, admin=True)

    def _send_json(self, status, result, admin=False):
        # A 204 (an IAM delete) has no body and no Content-Type.
        data = b"" if status == 204 else json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        headers = [] if status == 204 else [("Content-Type", "application/json")]
        if not admin:
            headers += [("X-Request-Id", str(uuid.uuid4())), *SECURITY_HEADERS]
        self._send(status, data, headers)

    def _send(self, status, data, headers):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not hold up a stop
    request_queue_size = 128

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hangs up is no error
            super().handle_error(request, client_address)

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can hang offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Server6(Server):
    address_family = socket.AF_INET6


def make_server(host, port, emulator):
    return (Server6 if ":" in host else Server)((host, port), emulator)
