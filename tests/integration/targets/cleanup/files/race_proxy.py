"""A proxy in front of the emulator that pushes a tag just after the first tag listing it forwards.

    race_proxy.py EMULATOR_URL SEED_JSON

Prints {"url": ..., "pid": ...} once it listens, and serves in the background (for 10 minutes at most)
until killed. The first GET .../images/<id>/tags that the emulator answers with 200 is followed, before
its answer goes back, by POST /_emulator/seed with SEED_JSON. So the push lands between a cleanup's
listing and its deletes whatever the timing, which the emulator's pushes_before_tag_delete cannot do: it
pushes inside the delete itself. Everything else, faults included, passes through as the emulator
answers it; a connection the emulator drops is dropped.
"""

import http.client
import json
import os
import re
import signal
import sys
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TAG_LISTING = re.compile(r"/images/[^/]+/tags$")


def main():
    upstream, seed = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2].encode()
    pushed, lock = [], threading.Lock()

    def push():
        request = urllib.request.Request(
            sys.argv[1] + "/_emulator/seed", data=seed, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            answer.read()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {
                key: value
                for key, value in self.headers.items()
                if key.lower() not in ("host", "connection", "content-length")
            }
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                connection.request(self.command, self.path, body=body or None, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except (OSError, http.client.HTTPException):
                self.close_connection = True  # dropped by the emulator: drop it too
                return
            finally:
                connection.close()
            if self.command == "GET" and answer.status == 200 and TAG_LISTING.search(self.path.split("?")[0]):
                with lock:
                    if not pushed:
                        push()
                        pushed.append(True)
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("connection", "content-length", "transfer-encoding", "date", "server"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    pid = os.fork()
    if pid:
        print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}", "pid": pid}))
        return
    # The child serves, detached from the task that started it, which returns at once.
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(devnull, descriptor)
    signal.alarm(600)  # never outlives a forgotten kill
    server.serve_forever()


if __name__ == "__main__":
    main()
