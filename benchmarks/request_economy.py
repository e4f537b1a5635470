"""How many API requests each module and plugin sends when there is nothing to change.

Seeds a namespace with an image of three tags into the emulator, then runs each module (with `ansible -m`)
and the images inventory plugin once with nothing to change, and counts the requests in the emulator's log
against the minimum the API allows for the same answer.

    python benchmarks/request_economy.py

Exits 1 when any of them sends more than that minimum.
"""

import json
import os
import subprocess
import sys
import tempfile

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _ansible import user_environment
from _summary import record
from with_emulator import PROJECT_ID, start_emulator

DIGEST_A, DIGEST_B = "sha256:" + "a" * 64, "sha256:" + "b" * 64

# (what runs, module or "inventory", its arguments, the API's minimum, why that is the minimum)
CASES = [
    ("namespace, unchanged", "namespace", {"name": "economy"}, 1, "the list filtered by name"),
    ("namespace, already absent", "namespace", {"name": "missing", "state": "absent"}, 1, "the list filtered by name"),
    ("namespace_info, one name", "namespace_info", {"name": "economy"}, 1, "one page"),
    ("namespace_info, every region", "namespace_info", {"region": "all"}, 3, "one page per region"),
    ("image by id, unchanged", "image", {"id": "{image_id}", "visibility": "inherit"}, 1, "the image"),
    (
        "image by name, unchanged",
        "image",
        {"namespace": "economy", "name": "app", "visibility": "inherit"},
        2,
        "the namespace by name, then its image by name",
    ),
    (
        "image_info, one namespace",
        "image_info",
        {"namespace": "economy"},
        2,
        "the namespaces (images hold no namespace name), then the images",
    ),
    (
        "image_info with tag details",
        "image_info",
        {"namespace": "economy", "include_tags": True},
        3,
        "as above, then the tags of the one image",
    ),
    ("tag by image id, unchanged", "tag", {"image": "{image_id}", "name": "v1"}, 1, "the tags filtered by name"),
    (
        "tag, already absent",
        "tag",
        {"image": "{image_id}", "name": "gone", "state": "absent"},
        1,
        "the tags filtered by name",
    ),
    ("tag_info of an image", "tag_info", {"image": "{image_id}"}, 1, "one page"),
    (
        "cleanup with nothing to delete",
        "cleanup",
        {"namespaces": ["economy"], "keep_last": 10},
        3,
        "namespaces, images, the image's tags",
    ),
    (
        "credential_helper, installed",
        "credential_helper",
        {
            "path": "{work}/bin",
            "secret_file": "{work}/secret",
            "docker_configs": ["{work}/docker/config.json"],
            "region": ["fr-par"],
        },
        0,
        "it never calls the API",
    ),
    ("images inventory, every region", "inventory", {}, 6, "namespaces and images, one page each per region"),
]


def filled(value, names):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [filled(item, names) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, names) for key, item in value.items()}
    return value


def run_module(module, arguments, environment):
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible"),
        "localhost",
        "-m",
        "scaleway.registry." + module,
        "-a",
        json.dumps(arguments),
    ]
    run = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if run.returncode:
        sys.exit(f"{module} {json.dumps(arguments)} failed:\n{run.stdout}{run.stderr}")
    return '"changed": true' in run.stdout


def run_inventory(work, environment):
    config = os.path.join(work, "economy.scaleway_images.yml")
    with open(config, "w") as handle:
        handle.write("plugin: scaleway.registry.images\nregions: [fr-par, nl-ams, pl-waw]\n")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", config, "--list"]
    run = subprocess.run(
        command,
        env=dict(environment, ANSIBLE_INVENTORY_ENABLED="scaleway.registry.images"),
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode or "economy/app" not in run.stdout:
        sys.exit("the inventory failed:\n" + run.stderr)
    return False


def main():
    emulator, url, _registries = start_emulator([])
    failures = 0
    try:
        created = requests.post(
            url + "/_emulator/seed",
            json={
                "namespaces": [{"name": "economy", "project_id": PROJECT_ID}],
                "images": [
                    {
                        "namespace": "economy",
                        "name": "app",
                        "tags": [
                            {"name": "v1", "digest": DIGEST_A},
                            {"name": "v2", "digest": DIGEST_B},
                            {"name": "latest", "digest": DIGEST_B},
                        ],
                    }
                ],
            },
        ).json()
        with tempfile.TemporaryDirectory() as work:
            names = {"image_id": created["images"][0], "work": work}
            environment = user_environment(url, SCW_DEFAULT_PROJECT_ID=PROJECT_ID, HOME=work)
            print("requests sent when there is nothing to change, against the API's minimum")
            print(f"  {'':<34} {'sent':>8} {'minimum':>8}  the minimum")
            for case, module, arguments, minimum, why in CASES:
                arguments = filled(arguments, names)
                if module == "credential_helper":
                    run_module(module, arguments, environment)  # installs; the measured run finds it in place
                requests.delete(url + "/_emulator/requests")
                changed = (
                    run_inventory(work, environment)
                    if module == "inventory"
                    else run_module(module, arguments, environment)
                )
                sent = len(requests.get(url + "/_emulator/requests").json()["requests"])
                met = sent <= minimum and not changed
                failures += not met
                print(f"  {case:<34} {sent:8d} {minimum:8d}  {why}{'' if met else '  MISSED'}")
                record("request economy", case, sent, f"<= {minimum}", met)
    finally:
        emulator.terminate()
        emulator.wait()
    if failures:
        sys.exit("over target")


if __name__ == "__main__":
    main()
