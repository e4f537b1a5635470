"""Starting the emulator as a subprocess and talking to it, for the emulator's own tests."""

import itertools
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
READY_PREFIX = "emulator listening on "
REGISTRY_PREFIX = "registry "  # with --registry: "registry <region> http://HOST:PORT", before the ready line

KEY = "11111111-1111-4111-8111-111111111111"
ORG = "22222222-2222-4222-8222-222222222222"
EXTRA_PROJECT = "55555555-5555-4555-8555-555555555555"  # a second project of ORG
OTHER_KEY = "33333333-3333-4333-8333-333333333333"
OTHER_ORG = "44444444-4444-4444-8444-444444444444"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64

_counter = itertools.count()


class EmulatorProcess:
    def __init__(self, args, log_dir, timeout=20):
        self.args = list(args)
        self.stderr_path = Path(log_dir) / f"emulator-{next(_counter)}.stderr"
        # The emulator's stderr for its whole life, past this method: stop() closes it.
        self._stderr = open(self.stderr_path, "w+", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", *self.args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.stdout_lines = self._read_until_ready(timeout)
        line = self.stdout_lines[-1] if self.stdout_lines else ""
        if not line.startswith(READY_PREFIX):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"emulator did not start: stdout {self.stdout_lines!r}, stderr {self.stderr()!r}")
        self.ready_line = line
        self.url = line[len(READY_PREFIX) :].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        # region -> registry URL, from the lines before the ready line (empty without --registry).
        self.registries = {}
        for earlier in self.stdout_lines[:-1]:
            prefix, region, url = earlier.split()
            assert prefix == REGISTRY_PREFIX.strip(), earlier
            self.registries[region] = url

    def _read_until_ready(self, timeout):
        """stdout lines up to the ready line (read from the pipe itself: select cannot see a reader's buffer)."""
        descriptor = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        data, lines = b"", []
        while not (lines and lines[-1].startswith(READY_PREFIX)):
            if b"\n" in data:
                line, data = data.split(b"\n", 1)
                lines.append(line.decode() + "\n")
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
                break
            chunk = os.read(descriptor, 4096)
            if not chunk:
                break
            data += chunk
        self._unread = data.decode()
        return lines

    def stderr(self):
        return self.stderr_path.read_text(encoding="utf-8")

    def stop(self, signum=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        self._stderr.close()
        return self.proc.returncode

    def rest_of_stdout(self):
        """What the emulator printed after its ready line (only once it has stopped)."""
        return self._unread + self.proc.stdout.read()

    # ---- clients -----------------------------------------------------------

    def session(self, key=KEY):
        session = requests.Session()
        if key:
            session.headers["X-Auth-Token"] = key
        return session

    def api_url(self, path, region="fr-par"):
        return f"{self.url}/registry/v1/regions/{region}/{path}"

    def admin(self, method, path, **kwargs):
        response = requests.request(method, f"{self.url}/_emulator/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def seed(self, doc):
        return self.admin("POST", "seed", data=json.dumps(doc))

    def request_log(self):
        return self.admin("GET", "requests")["requests"]

    def reset(self):
        self.admin("POST", "reset")
        self.admin(
            "PATCH",
            "config",
            json={
                "deleting_polls": 2,
                "faults": None,
                "latency_ms": None,
                "pushes_before_tag_delete": 0,
                "clock_offset": 0,
            },
        )


def namespace_payload(name, project_id=ORG, **extra):
    return {"name": name, "description": "", "project_id": project_id, "is_public": False, **extra}
