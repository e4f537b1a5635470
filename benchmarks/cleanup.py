"""How close the cleanup module runs to the floor the API's latency sets, and how many requests it sends.

Seeds 100 images of 100 tags (each tag its own digest) into the emulator with a fixed latency,
runs a cleanup that deletes 70% of the tags through ansible-playbook, and prints the request
count, the wall time and its ratio to the floor: the round trips on the critical path (the
listings, the tag listings, the deletes, each batch of `concurrency` at a time) times the latency.
The cleanup gets 1,000 keep_references, as a fleet's containers would give: half of them hold
tags that the rules would delete, the other half name another registry and hold nothing.

    python benchmarks/cleanup.py [--images 100] [--tags 100] [--latency-ms 20] [--concurrency 8]
                                 [--references 1000]

Exits 1 when the ratio reaches 1.5 or when the requests exceed the list pages plus the deletes.
"""

import argparse
import datetime
import json
import math
import os
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

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - scaleway.registry.cleanup:
        namespaces: [bench]
        keep_last: {keep}
        keep_references: "{{{{ references }}}}"
        concurrency: {concurrency}
      register: cleanup
    - ansible.builtin.debug:
        msg: "deleted={{{{ cleanup.deleted }}}} references_ignored={{{{ cleanup.references_ignored }}}}"
"""


def references(count, images, tags, keep):
    """count references: the first half hold tags that keep_last would delete (the oldest ones of each image, in
    turn), the other half name another registry. Returns (the references, how many tags they hold)."""
    deletable = [(image, number) for number in range(tags - keep) for image in range(images)]
    held = deletable[: count // 2]
    texts = [f"rg.fr-par.scw.cloud/bench/app-{image:03d}:build-{number:03d}" for image, number in held]
    texts += [f"rg.nl-ams.scw.cloud/elsewhere/app@sha256:{number:064x}" for number in range(count - len(held))]
    return texts, len(held)


def seed(url, images, tags):
    now = datetime.datetime.now(datetime.timezone.utc)
    session = requests.Session()
    session.headers["X-Auth-Token"] = SECRET_KEY
    session.post(
        url + "/registry/v1/regions/fr-par/namespaces", json={"name": "bench", "project_id": PROJECT_ID}
    ).raise_for_status()
    document = {
        "images": [
            {
                "namespace": "bench",
                "name": f"app-{image:03d}",
                "tags": [
                    {
                        "name": f"build-{number:03d}",
                        "digest": f"sha256:{image * tags + number:064x}",
                        "size": 1000,
                        "created_at": (now - datetime.timedelta(hours=tags - number)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    }
                    for number in range(tags)
                ],
            }
            for image in range(images)
        ]
    }
    requests.post(url + "/_emulator/seed", json=document).raise_for_status()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--tags", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--references", type=int, default=1000)
    options = parser.parse_args()
    keep = round(options.tags * 0.3)
    keep_references, held = references(options.references, options.images, options.tags, keep)

    emulator, url, _registries = start_emulator(["--latency-ms", str(options.latency_ms)])
    try:
        seed(url, options.images, options.tags)
        requests.delete(url + "/_emulator/requests")
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as playbook, tempfile.NamedTemporaryFile(
            "w", suffix=".json"
        ) as variables:
            playbook.write(PLAYBOOK.format(keep=keep, concurrency=options.concurrency))
            playbook.flush()
            json.dump({"references": keep_references}, variables)
            variables.flush()
            environment = user_environment(url)
            start = time.perf_counter()
            playbook_command = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
            run = subprocess.run(
                [playbook_command, playbook.name, "-e", "@" + variables.name],
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - start
        if run.returncode:
            sys.exit("the cleanup failed:\n" + run.stdout + run.stderr)
        log = requests.get(url + "/_emulator/requests").json()["requests"]
    finally:
        emulator.terminate()
        emulator.wait()

    pages = sum(1 for entry in log if entry["method"] == "GET")
    deletes = sum(1 for entry in log if entry["method"] == "DELETE")
    expected_deletes = options.images * (options.tags - keep) - held
    tag_pages = options.images * math.ceil(options.tags / 100.0)
    # Namespaces and images are listed together (one round trip each page); then the tag pages and
    # the deletes, `concurrency` at a time.
    round_trips = (
        math.ceil(options.images / 100.0)
        + math.ceil(tag_pages / float(options.concurrency))
        + math.ceil(expected_deletes / float(options.concurrency))
    )
    floor = round_trips * options.latency_ms / 1000.0
    ratio = seconds / floor
    print(
        f"cleanup of {options.images} images x {options.tags} tags, {options.latency_ms} ms per request,"
        f" concurrency {options.concurrency}, {len(keep_references)} keep_references ({held} holding a tag)"
    )
    print(
        f"  requests      {len(log):6d}  (list pages {pages} + deletes {deletes}; {expected_deletes} deletes planned)"
    )
    print(f"  wall time     {seconds:6.2f} s  (ansible-playbook, start to end)")
    print(f"  floor         {floor:6.2f} s  ({round_trips} round trips on the critical path x {options.latency_ms} ms)")
    print(f"  ratio         {ratio:6.2f}    (target: under 1.5)")
    # The API's minimum: the one namespace, the image pages, the tag pages, one delete per digest to go.
    minimum = 1 + math.ceil(options.images / 100.0) + tag_pages + expected_deletes
    record(
        "cleanup",
        f"requests ({options.images} x {options.tags} tags, 70% deleted, {len(keep_references)} references)",
        len(log),
        f"<= {minimum}",
        len(log) <= minimum and deletes == expected_deletes,
    )
    record("cleanup", "wall time, s", f"{seconds:.2f}")
    record("cleanup", "wall time / network floor", f"{ratio:.2f}", "< 1.5", ratio < 1.5)
    if ratio >= 1.5 or len(log) > minimum or deletes != expected_deletes:
        sys.exit("over target")


if __name__ == "__main__":
    main()
