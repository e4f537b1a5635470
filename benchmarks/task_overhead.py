"""What a task of the collection costs on top of what Ansible costs for any task.

Times, in the same run against the emulator, three plays of 50 tasks on localhost: `ansible.builtin.ping`
(Ansible's own cost per task), `ansible.builtin.uri` GETs of the namespaces list, and `scaleway.registry.namespace`
with nothing to change (one GET each). Prints seconds per task and the ratio of namespace to ping.

    python benchmarks/task_overhead.py [--tasks 50] [--runs 3]

Exits 1 when the ratio reaches 1.2.
"""

import argparse
import os
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
from with_emulator import PROJECT_ID, SECRET_KEY, start_emulator

PLAYS = {
    "ansible.builtin.ping": "ansible.builtin.ping:",
    "ansible.builtin.uri (the list GET)": """ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'SCW_API_URL') }}/registry/v1/regions/fr-par/namespaces?name=overhead"
        headers:
          X-Auth-Token: "{{ lookup('ansible.builtin.env', 'SCW_SECRET_KEY') }}"
      no_log: true""",
    "scaleway.registry.namespace (no change)": """scaleway.registry.namespace:
        name: overhead""",
}


def playbook(task, count):
    tasks = "".join(f"    - name: Task {number}\n      {task}\n" for number in range(count))
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    emulator, url, _registries = start_emulator([])
    environment = user_environment(url, SCW_DEFAULT_PROJECT_ID=PROJECT_ID)
    command = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    seconds = {}
    try:
        session = requests.Session()
        session.headers["X-Auth-Token"] = SECRET_KEY
        session.post(
            url + "/registry/v1/regions/fr-par/namespaces", json={"name": "overhead", "project_id": PROJECT_ID}
        ).raise_for_status()
        with tempfile.TemporaryDirectory() as directory:
            paths = {}
            for name, task in PLAYS.items():
                paths[name] = os.path.join(directory, f"{len(paths)}.yml")
                with open(paths[name], "w") as handle:
                    handle.write(playbook(task, options.tasks))
            # Interleaved runs, so that a busy moment of the machine weighs on every play alike.
            for _run in range(options.runs):
                for name, path in paths.items():
                    start = time.perf_counter()
                    run = subprocess.run([command, path], env=environment, capture_output=True, text=True, check=False)
                    if run.returncode:
                        sys.exit(f"{name} failed:\n{run.stdout[-2000:]}")
                    seconds.setdefault(name, []).append((time.perf_counter() - start) / options.tasks)
    finally:
        emulator.terminate()
        emulator.wait()
    print(f"{options.tasks} tasks per play on localhost, median of {options.runs} runs")
    for name in PLAYS:
        print(f"  {name:<40} {statistics.median(seconds[name]):6.3f} s per task")
        record("task overhead", name + ", s per task", f"{statistics.median(seconds[name]):.3f}")
    ratio = statistics.median(seconds["scaleway.registry.namespace (no change)"]) / statistics.median(
        seconds["ansible.builtin.ping"]
    )
    print("  namespace / ping: {:.2f} (target: under 1.2): {}".format(ratio, "met" if ratio < 1.2 else "MISSED"))
    record("task overhead", "namespace / ping", f"{ratio:.2f}", "< 1.2", ratio < 1.2)
    if ratio >= 1.2:
        sys.exit("over target")


if __name__ == "__main__":
    main()
