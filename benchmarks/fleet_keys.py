"""What a key of each host's own costs a fleet: the credential helper with `access`, on hosts that already hold one.

Creates an IAM application with scaleway.registry.access in the emulator, then equips an inventory of 20 hosts
(`ansible_connection: local`, each with its own helper, secret file and docker config under a temporary directory)
with scaleway.registry.credential_helper twice: once with `access` (each host gets a key of its own) and once
without (each host gets the controller's key, source: file). Neither install is measured. Then the same plays run
again with nothing to change, interleaved, a few times each: for the runs with `access`, the API requests the
emulator received, per host; for both, the wall time of ansible-playbook, start to end, with Ansible's default
forks (5), as a user runs it.

    python benchmarks/fleet_keys.py [--hosts 20] [--runs 5] [--forks 5] [--latency-ms 20]

Exits 1 when a run with `access` sends more than 2 requests per host, or takes 1.3 times as long as without.
"""

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _ansible import user_environment
from _summary import record
from with_emulator import PROJECT_ID, start_emulator

APPLICATION = "bench-fleet"
REQUESTS_TARGET = 2
RATIO_TARGET = 1.3

# One play for both: `fleet_access` is the application's name, or omitted; `fleet_root` where the hosts keep their
# files, one directory each, so that the two plays do not replace each other's helpers.
PLAYBOOK = """\
- name: Equip the fleet with the credential helper
  hosts: fleet
  gather_facts: false
  # Where docker and podman would find the helper on a host of its own (else the module warns that it is not there).
  environment:
    PATH: "{{ fleet_root }}/{{ inventory_hostname }}/bin:{{ lookup('ansible.builtin.env', 'PATH') }}"
  tasks:
    - name: Install docker-credential-scw
      scaleway.registry.credential_helper:
        access: "{{ fleet_access | default(omit) }}"
        path: "{{ fleet_root }}/{{ inventory_hostname }}/bin"
        secret_file: "{{ fleet_root }}/{{ inventory_hostname }}/secret"
        docker_configs:
          - "{{ fleet_root }}/{{ inventory_hostname }}/docker/config.json"
"""


def inventory(hosts):
    """Hosts that are all this machine, each under its own name (the name of its key with `access`)."""
    return {
        "fleet": {
            "hosts": {f"host-{number:02d}": None for number in range(1, hosts + 1)},
            "vars": {
                "ansible_connection": "local",
                # The venv's Python, as the implicit localhost gets: no interpreter discovery for each host.
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            },
        }
    }


class Fleet:
    def __init__(self, work, environment, forks):
        self.work = work
        self.environment = environment
        self.forks = forks
        self.playbook = os.path.join(work, "fleet.yml")
        self.inventory = os.path.join(work, "inventory.yml")

    def write(self, hosts):
        # The hosts' common parents, made beforehand: on hosts of their own, no two installs make the same directory.
        for access in (True, False):
            os.mkdir(self.root(access))
        with open(self.playbook, "w") as handle:
            handle.write(PLAYBOOK)
        with open(self.inventory, "w") as handle:
            json.dump(inventory(hosts), handle)  # JSON is YAML

    def root(self, access):
        return os.path.join(self.work, "access" if access else "controller")

    def run(self, access):
        """(seconds, the recap's totals) of one run, with the application's keys or the controller's."""
        variables = {"fleet_root": self.root(access)}
        if access:
            variables["fleet_access"] = APPLICATION
        command = [
            os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
            "-i",
            self.inventory,
            "-f",
            str(self.forks),
            "-e",
            json.dumps(variables),
            self.playbook,
        ]
        start = time.perf_counter()
        run = subprocess.run(command, env=self.environment, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if run.returncode:
            sys.exit(f"the play {'with' if access else 'without'} access failed:\n{run.stdout[-3000:]}{run.stderr}")
        return seconds, recap(run.stdout)


def recap(output):
    """{"ok": n, "changed": n, ...} summed over the hosts of PLAY RECAP."""
    totals = {}
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        for name, count in re.findall(r"(\w+)=(\d+)", line):
            totals[name] = totals.get(name, 0) + int(count)
    return totals


def host_keys(url):
    """The access keys the collection issued to hosts, by the emulator's state."""
    state = requests.get(url + "/_emulator/state").json()
    return sorted(
        key["access_key"]
        for key in state["iam_api_keys"]
        if (key.get("description") or "").startswith("scaleway.registry host=")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--forks", type=int, default=5, help="ansible-playbook -f (5: Ansible's default)")
    parser.add_argument("--latency-ms", type=int, default=20, help="added by the emulator to every API request")
    options = parser.parse_args()

    emulator, url, _registries = start_emulator(["--latency-ms", str(options.latency_ms)])
    try:
        with tempfile.TemporaryDirectory() as work:
            environment = user_environment(
                url,
                SCW_DEFAULT_PROJECT_ID=PROJECT_ID,
                # An organization's default project has the organization's id, as on Scaleway.
                SCW_DEFAULT_ORGANIZATION_ID=PROJECT_ID,
                HOME=work,
                ANSIBLE_NOCOLOR="true",
            )
            created = subprocess.run(
                [
                    os.path.join(os.path.dirname(sys.executable), "ansible"),
                    "localhost",
                    "-m",
                    "scaleway.registry.access",
                    "-a",
                    json.dumps({"name": APPLICATION, "permission": "pull"}),
                ],
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            if created.returncode:
                sys.exit(f"the application could not be created:\n{created.stdout}{created.stderr}")
            fleet = Fleet(work, environment, options.forks)
            fleet.write(options.hosts)
            # The installs, not measured: then every host holds a helper, and with access a key of its own that lasts.
            for access in (True, False):
                _seconds, totals = fleet.run(access)
                if totals.get("changed") != options.hosts:
                    sys.exit(f"the install {'with' if access else 'without'} access changed {totals}")
            keys = host_keys(url)
            if len(keys) != options.hosts:
                sys.exit(f"{len(keys)} host keys after the install, for {options.hosts} hosts")

            seconds = {True: [], False: []}
            sent = {True: [], False: []}
            kinds = collections.Counter()  # the requests of the last run with access, by method and path
            # Interleaved runs, so that a busy moment of the machine weighs on both plays alike.
            for _run in range(options.runs):
                for access in (True, False):
                    requests.delete(url + "/_emulator/requests")
                    elapsed, totals = fleet.run(access)
                    log = requests.get(url + "/_emulator/requests").json()["requests"]
                    sent[access].append(len(log))
                    if access:
                        kinds = collections.Counter(f"{entry['method']} {entry['path']}" for entry in log)
                    if totals.get("changed") or totals.get("ok") != options.hosts:
                        sys.exit(f"a run with nothing to change {'with' if access else 'without'} access: {totals}")
                    seconds[access].append(elapsed)
            if host_keys(url) != keys:
                sys.exit("the runs with nothing to change replaced the hosts' keys")
    finally:
        emulator.terminate()
        emulator.wait()

    # The most any run sent: the requests are the same each time, and a stray one must not hide in a median.
    per_host = max(sent[True]) / options.hosts
    with_access, without = statistics.median(seconds[True]), statistics.median(seconds[False])
    ratio = with_access / without
    requests_met, ratio_met = per_host <= REQUESTS_TARGET, ratio <= RATIO_TARGET
    print(
        f"{options.hosts} hosts (ansible_connection: local), credential_helper with nothing to change,"
        f" -f {options.forks}, {options.latency_ms} ms per API request, median of {options.runs} runs"
    )
    print(
        f"  API requests per host, with access    {per_host:6.2f}    (runs: {', '.join(map(str, sent[True]))}"
        f" requests; without access: {', '.join(map(str, sent[False]))})"
        f" (target: at most {REQUESTS_TARGET}): {'met' if requests_met else 'MISSED'}"
    )
    print(f"    of which, in the last run: {', '.join(f'{kind} x{count}' for kind, count in sorted(kinds.items()))}")
    print(f"  wall time with access                 {with_access:6.2f} s  (runs: {fmt(seconds[True])})")
    print(f"  wall time without access              {without:6.2f} s  (runs: {fmt(seconds[False])})")
    print(
        f"  with / without                        {ratio:6.2f}    (target: at most {RATIO_TARGET}):"
        f" {'met' if ratio_met else 'MISSED'}"
    )
    name = "fleet keys"
    record(name, "API requests per host, no-op with access", f"{per_host:g}", f"<= {REQUESTS_TARGET}", requests_met)
    record(name, f"no-op of {options.hosts} hosts with access, s", f"{with_access:.2f}")
    record(name, f"no-op of {options.hosts} hosts without access, s", f"{without:.2f}")
    record(name, "no-op with access / without", f"{ratio:.2f}", f"<= {RATIO_TARGET}", ratio_met)
    if not (requests_met and ratio_met):
        sys.exit("over target")


def fmt(values):
    return ", ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    main()
