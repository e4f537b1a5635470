"""Run a command against a fresh emulator, then stop the emulator.

    python tests/utils/with_emulator.py [--integration-config PATH] [--emulator-arg ARG]... -- COMMAND...

The command gets the emulator's address and keys in the SCW_* environment variables, as
a user's shell would hold them, and in SCW_EMULATOR_URL. With --integration-config, they
are also written as variables for ansible-test, which passes no environment to its targets,
with the registries' host:port by region (scw_registries) when the emulator runs --registry.
The emulator's starting faults, latency and deleting polls go there too (scw_faults,
scw_latency_ms, scw_deleting_polls), so that a target that changes them can put them back.
With --journal, the emulator's journal (what it created and deleted, and its state at each
reset) is written to that file when the command succeeds.
The exit status is the command's.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Two organizations, so that tests can prove that one key never sees the other's namespaces.
# An organization's default project has the organization's id, as on Scaleway.
SECRET_KEY = "11111111-1111-4111-8111-111111111111"
PROJECT_ID = "22222222-2222-4222-8222-222222222222"
OTHER_SECRET_KEY = "33333333-3333-4333-8333-333333333333"
OTHER_PROJECT_ID = "44444444-4444-4444-8444-444444444444"
# A second project of the first organization: the one the modules' EXAMPLES name, so that they run as written.
SECOND_PROJECT_ID = "105bdce1-64c0-48ab-899d-868455867ecf"


def start_emulator(extra_arguments, **popen_options):
    """(process, API URL, {region: registry host:port}); the registries only with --registry."""
    command = [sys.executable, "-m", "tests.emulator", *extra_arguments]
    # The keys go in the environment: a command line is visible to everyone on the machine.
    keys = f"{SECRET_KEY}:{PROJECT_ID}:{SECOND_PROJECT_ID} {OTHER_SECRET_KEY}:{OTHER_PROJECT_ID}"
    emulator = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, SCW_EMULATOR_SECRET_KEYS=keys),
        **popen_options,
    )
    registries = {}
    line = emulator.stdout.readline().strip()
    while line.startswith("registry "):
        _word, region, url = line.split()
        registries[region] = url.split("://", 1)[1]
        line = emulator.stdout.readline().strip()
    prefix = "emulator listening on "
    if not line.startswith(prefix):
        emulator.kill()
        sys.exit(f"the emulator did not start (it printed {line!r})")
    return emulator, line[len(prefix) :], registries


def read_json(url):
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.load(answer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--integration-config", help="write the emulator variables to this YAML file")
    parser.add_argument("--emulator-arg", action="append", default=[], help="pass an option to the emulator")
    parser.add_argument("--journal", help="write the emulator's journal to this JSON file at the end")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give a command after --")

    emulator, url, registries = start_emulator(options.emulator_arg)
    config = read_json(url + "/_emulator/config")
    variables = {
        "faults": json.dumps(config["faults"]),
        "latency_ms": json.dumps(config["latency_ms"]),
        "deleting_polls": config["deleting_polls"],
        "api_url": url,
        "secret_key": SECRET_KEY,
        "project_id": PROJECT_ID,
        "second_project_id": SECOND_PROJECT_ID,
        "other_secret_key": OTHER_SECRET_KEY,
        "other_project_id": OTHER_PROJECT_ID,
        "registries": json.dumps(registries, sort_keys=True),
    }
    if options.integration_config:
        # 0600, like any file that holds a secret key, even the emulator's.
        descriptor = os.open(options.integration_config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write("".join("scw_{}: {}\n".format(*item) for item in sorted(variables.items())))
    environment = dict(
        os.environ, SCW_API_URL=url, SCW_SECRET_KEY=SECRET_KEY, SCW_DEFAULT_PROJECT_ID=PROJECT_ID, SCW_EMULATOR_URL=url
    )
    try:
        status = subprocess.call(command, env=environment)
        if options.journal and status == 0:
            with open(options.journal, "w") as handle:
                json.dump(read_json(url + "/_emulator/journal"), handle, indent=1)
        return status
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
