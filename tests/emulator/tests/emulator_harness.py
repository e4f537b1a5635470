"""Starting the emulator as a subprocess and talking to it, for the emulator's own tests."""

import itertools
import json
import select
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
READY_PREFIX = "emulator listening on "

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
        self._stderr = open(self.stderr_path, "w+", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", *self.args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        readable = select.select([self.proc.stdout], [], [], timeout)[0]
        line = self.proc.stdout.readline() if readable else ""
        if not line.startswith(READY_PREFIX):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"emulator did not start: stdout {line!r}, stderr {self.stderr()!r}")
        self.ready_line = line
        self.url = line[len(READY_PREFIX):].strip()
        self.port = int(self.url.rsplit(":", 1)[1])

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
        return self.proc.stdout.read()

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
        self.admin("PATCH", "config", json={"deleting_polls": 2, "faults": None, "latency_ms": None})


def namespace_payload(name, project_id=ORG, **extra):
    return {"name": name, "description": "", "project_id": project_id, "is_public": False, **extra}
