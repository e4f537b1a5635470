"""Real registries behind the emulator (--registry): one `docker-registry` per region.

Each runs as a child process on a free loopback port, with token authentication
against the emulator (tokens.py) and notifications to it (events.py). The
emulator deletes manifests in them when the API deletes tags, images and
namespaces.
"""

import ctypes
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

from .events import EventSink
from .model import REGIONS
from .tokens import EMULATOR_SUBJECT, ISSUER, TokenService, TokenSigner, service_of

EXECUTABLE = "docker-registry"
MANIFEST_ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    )
)
START_TIMEOUT = 20
PORT_ATTEMPTS = 5
PR_SET_PDEATHSIG = 1


class RegistryError(Exception):
    pass


class StartAborted(Exception):
    """A stop was asked while the registries were starting."""


def _die_with_parent(parent_pid):
    """preexec_fn: the child gets SIGTERM when the emulator dies, even by SIGKILL (Linux)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: the emulator still stops its registries on SIGTERM and SIGINT

    def preexec():
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent_pid:  # the emulator died before the line above
            os._exit(1)

    return preexec


def _free_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _bracketed(host):
    return f"[{host}]" if ":" in host else host


class _Registry:
    def __init__(self, region, directory):
        self.region = region
        self.directory = directory
        self.port = None
        self.attempts = 0
        self.process = None
        self.log = None
        self.log_start = 0
        self.reported = False

    def log_text(self):
        with open(os.path.join(self.directory, "registry.log"), encoding="utf-8", errors="replace") as handle:
            handle.seek(self.log_start)
            return handle.read()


class Registries:
    """The registries' processes, their storage, and the emulator's own calls to them."""

    def __init__(self, host, emulator_url, store, accounts, state_dir=None):
        self.host = host
        self.emulator_url = emulator_url
        self.signer = TokenSigner()
        self.tokens = TokenService(self.signer, store, accounts)
        self.events = EventSink(store)
        self.store = store
        # With --db, the registries' storage lives (and stays) beside the database.
        self.keep = state_dir is not None
        self.base = state_dir or tempfile.mkdtemp(prefix="scw-emulator-registry-")
        self._registries = [_Registry(region, os.path.join(self.base, region)) for region in REGIONS]

    @property
    def hosts(self):
        """region -> "HOST:PORT", as namespace endpoints show it."""
        return {r.region: f"{_bracketed(self.host)}:{r.port}" for r in self._registries}

    @property
    def urls(self):
        return {region: f"http://{host}" for region, host in self.hosts.items()}

    # ---- processes -----------------------------------------------------------

    def start(self, stopping):
        """Starts every registry and returns once all accept requests. `stopping()` aborts the wait."""
        executable = shutil.which(EXECUTABLE)
        if executable is None:
            raise RegistryError(f"--registry needs {EXECUTABLE} on PATH (Debian package docker-registry)")
        certificate = os.path.join(self.base, "token-signing.pem")
        os.makedirs(self.base, exist_ok=True)
        with open(certificate, "wb") as handle:
            handle.write(self.signer.certificate_pem)
        for registry in self._registries:
            os.makedirs(registry.directory, exist_ok=True)
            self._launch(executable, registry, certificate)
        deadline = time.monotonic() + START_TIMEOUT
        pending = list(self._registries)
        while pending:
            if stopping():
                raise StartAborted()
            for registry in list(pending):
                if registry.process.poll() is not None:
                    log = registry.log_text()
                    if "address already in use" in log and registry.attempts < PORT_ATTEMPTS:
                        self._launch(executable, registry, certificate)  # the free port was taken meanwhile
                        continue
                    raise RegistryError(
                        f"{EXECUTABLE} for {registry.region} exited with status "
                        f"{registry.process.returncode}: {log.strip()[-600:]}"
                    )
                if self._answers(registry):
                    pending.remove(registry)
            if time.monotonic() > deadline:
                raise RegistryError(
                    f"{EXECUTABLE} did not answer within {START_TIMEOUT} s (logs in {self.base}/<region>/registry.log)"
                )
            if pending:
                time.sleep(0.02)

    def _launch(self, executable, registry, certificate):
        registry.attempts += 1
        registry.port = _free_port(self.host)
        config_path = os.path.join(registry.directory, "config.yml")
        with open(config_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(self._config(registry, certificate), handle, sort_keys=False)
        if registry.log is None:
            # Kept open across the registry's restarts, for its process's output; close() closes it.
            registry.log = open(os.path.join(registry.directory, "registry.log"), "ab")  # noqa: SIM115
        registry.log_start = registry.log.seek(0, os.SEEK_END)
        # Its own session: a Ctrl-C in a terminal reaches the emulator, which stops its registries.
        registry.process = subprocess.Popen(  # pylint: disable=consider-using-with,subprocess-popen-preexec-fn
            [executable, "serve", config_path],
            stdin=subprocess.DEVNULL,
            stdout=registry.log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )

    def _config(self, registry, certificate):
        return {
            "version": "0.1",
            "log": {"level": "info", "fields": {"region": registry.region}},
            "storage": {"filesystem": {"rootdirectory": registry.directory}, "delete": {"enabled": True}},
            "http": {"addr": f"{_bracketed(self.host)}:{registry.port}", "secret": secrets.token_hex(16)},
            "auth": {
                "token": {
                    "realm": f"{self.emulator_url}/_registry/token",
                    "service": service_of(registry.region),
                    "issuer": ISSUER,
                    "rootcertbundle": certificate,
                }
            },
            "notifications": {
                "events": {"includereferences": True},
                "endpoints": [
                    {
                        "name": "emulator",
                        "url": f"{self.emulator_url}/_registry/events/{registry.region}",
                        "timeout": "3s",
                        "threshold": 5,
                        "backoff": "1s",
                        # Only manifest pushes and deletes: no blob events, no pulls.
                        "ignore": {"mediatypes": ["application/octet-stream"], "actions": ["pull"]},
                    }
                ],
            },
        }

    def _answers(self, registry):
        connection = http.client.HTTPConnection(self.host, registry.port, timeout=1)
        try:
            connection.request("GET", "/v2/")
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def check(self):
        """Reports (once, on stderr) a registry that exited while the emulator runs."""
        for registry in self._registries:
            if registry.process is not None and not registry.reported and registry.process.poll() is not None:
                registry.reported = True
                print(
                    f"emulator: registry {registry.region} exited with status {registry.process.returncode}"
                    f" (see {registry.directory}/registry.log)",
                    file=sys.stderr,
                )

    def stop(self):
        running = [r.process for r in self._registries if r.process is not None]
        for process in running:
            if process.poll() is None:
                process.terminate()
        for process in running:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for registry in self._registries:
            if registry.log is not None:
                registry.log.close()
                registry.log = None
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def wipe(self):
        """Forgets every repository (for /_emulator/reset). The filesystem driver keeps no cache."""
        for registry in self._registries:
            shutil.rmtree(os.path.join(registry.directory, "docker"), ignore_errors=True)

    # ---- the emulator's own calls ----------------------------------------------

    def delete_manifests(self, region, removed):
        """DELETE /v2/<repository>/manifests/<digest> for each (repository, digest), with a token of the
        emulator's own. A manifest the registry does not have (a seeded tag) is no error."""
        registry = next(r for r in self._registries if r.region == region)
        tokens = {}
        for repository, digest in dict.fromkeys(removed):
            if repository not in tokens:
                access = [{"type": "repository", "name": repository, "actions": ["delete", "pull"]}]
                tokens[repository] = self.signer.sign(EMULATOR_SUBJECT, service_of(region), access)
            connection = http.client.HTTPConnection(self.host, registry.port, timeout=10)
            try:
                connection.request(
                    "DELETE",
                    f"/v2/{repository}/manifests/{digest}",
                    headers={"Authorization": f"Bearer {tokens[repository]}", "Accept": MANIFEST_ACCEPT},
                )
                response = connection.getresponse()
                response.read()
                if response.status not in (202, 404):
                    print(
                        f"emulator: registry {region}: DELETE {repository}@{digest}: {response.status}", file=sys.stderr
                    )
            except OSError as exc:
                print(f"emulator: registry {region}: DELETE {repository}@{digest}: {exc}", file=sys.stderr)
            finally:
                connection.close()

    # ---- /_registry/ on the emulator's port -------------------------------------

    def handle(self, method, raw_path, query, headers, body):
        """The token and events endpoints; returns (status, JSON body)."""
        path = raw_path.rstrip("/")
        if path == "/_registry/token":
            if method != "GET":
                return 404, {"errors": [{"code": "UNSUPPORTED", "message": "the token endpoint takes GET only"}]}
            return self.tokens.handle(query, headers)
        prefix = "/_registry/events/"
        if path.startswith(prefix) and path[len(prefix) :] in REGIONS and method == "POST":
            return self.events.handle(path[len(prefix) :], body)
        return 404, {"message": f"no registry endpoint {method} {raw_path}"}
