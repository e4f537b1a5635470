"""How fast the images inventory lists 30,000 images, against what a user would write and against two floors.

Seeds IMAGES images in each of the three regions into the emulator with a fixed latency, then, in the same run:
- times `ansible-inventory --list` with the scaleway.registry.images plugin;
- times the baseline a user would otherwise write: the official Scaleway Python SDK's
  list_images_all(region=..., page_size=100), region after region;
- times Ansible's own floor: `ansible-inventory --list` of a static YAML inventory holding the same hosts, groups
  and variables;
- computes the network floor: the round trips on the plugin's critical path times the latency.
The fetch phase of each is read from the emulator's request log (first request to last answer).

    python benchmarks/inventory.py [--images 10000] [--latency-ms 50]

Exits 1 unless the plugin's fetch phase is at least 8 times faster than the baseline's and within 2 times the
network floor, and its whole run within 1.5 times Ansible's floor plus the network floor.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import requests
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _ansible import user_environment
from _summary import record
from with_emulator import PROJECT_ID, SECRET_KEY, start_emulator

REGIONS = ("fr-par", "nl-ams", "pl-waw")
NAMESPACES_PER_REGION = 10
CONCURRENCY = 16


def seed(url, per_region):
    session = requests.Session()
    session.headers["X-Auth-Token"] = SECRET_KEY
    images = []
    for region in REGIONS:
        for number in range(NAMESPACES_PER_REGION):
            name = f"bench-{number}"
            session.post(
                f"{url}/registry/v1/regions/{region}/namespaces", json={"name": name, "project_id": PROJECT_ID}
            ).raise_for_status()
            images += [
                {
                    "region": region,
                    "namespace": name,
                    "name": f"app-{index:05d}",
                    "tags": [{"name": "v1", "digest": f"sha256:{index:064x}"}],
                }
                for index in range(number, per_region, NAMESPACES_PER_REGION)
            ]
    requests.post(url + "/_emulator/seed", json={"images": images}).raise_for_status()


def fetch_phase(url):
    log = requests.get(url + "/_emulator/requests").json()["requests"]
    return (max(entry["finished_at"] for entry in log) - min(entry["started_at"] for entry in log)), len(log)


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def ansible_inventory(source, environment):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", source, "--list"]
    run = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if run.returncode:
        sys.exit("ansible-inventory failed:\n" + run.stderr)
    return json.loads(run.stdout)


def plain(value):
    """What ansible-inventory shows as unsafe, as plain data for a static inventory."""
    if isinstance(value, dict):
        return value["__ansible_unsafe"] if "__ansible_unsafe" in value else {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def static_inventory(listing):
    hostvars = listing["_meta"]["hostvars"]
    groups = {
        name: {"hosts": dict.fromkeys(group.get("hosts", []))}
        for name, group in listing.items()
        if name not in ("_meta", "all", "ungrouped")
    }
    return {"all": {"hosts": {host: plain(variables) for host, variables in hostvars.items()}, "children": groups}}


def sdk_baseline(url):
    from scaleway import Client
    from scaleway.registry.v1 import RegistryV1API

    api = RegistryV1API(
        Client(
            access_key="SCWBENCHMARK00000000",
            secret_key=SECRET_KEY,
            api_url=url,
            default_region="fr-par",
            default_project_id=PROJECT_ID,
        )
    )
    return [image for region in REGIONS for image in api.list_images_all(region=region, page_size=100)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10000, help="images per region")
    parser.add_argument("--latency-ms", type=int, default=50)
    options = parser.parse_args()

    emulator, url, _registries = start_emulator(["--latency-ms", str(options.latency_ms)])
    try:
        seed(url, options.images)
        with tempfile.TemporaryDirectory() as directory:
            config = os.path.join(directory, "bench.scaleway_images.yml")
            with open(config, "w") as handle:
                yaml.safe_dump({"plugin": "scaleway.registry.images", "concurrency": CONCURRENCY}, handle)
            environment = user_environment(url, ANSIBLE_INVENTORY_ENABLED="scaleway.registry.images,yaml")

            requests.delete(url + "/_emulator/requests")
            listing, plugin_whole = timed(lambda: ansible_inventory(config, environment))
            plugin_fetch, plugin_requests = fetch_phase(url)

            requests.delete(url + "/_emulator/requests")
            baseline, baseline_whole = timed(lambda: sdk_baseline(url))
            baseline_fetch, baseline_requests = fetch_phase(url)

            static = os.path.join(directory, "static.yml")
            with open(static, "w") as handle:
                yaml.safe_dump(static_inventory(listing), handle)
            static_listing, ansible_floor = timed(lambda: ansible_inventory(static, environment))
    finally:
        emulator.terminate()
        emulator.wait()

    hosts = len(listing["_meta"]["hostvars"])
    assert hosts == len(baseline) == len(static_listing["_meta"]["hostvars"]) == options.images * len(REGIONS)
    pages = math.ceil(options.images / 100.0)
    # First pages of images and namespaces of every region at once, then the other image pages, CONCURRENCY at a time.
    round_trips = 1 + math.ceil((pages - 1) * len(REGIONS) / float(CONCURRENCY))
    network_floor = round_trips * options.latency_ms / 1000.0
    print(f"inventory of {hosts} images ({options.images} per region), {options.latency_ms} ms per request")
    print(f"{'':<44} {'requests':>9} {'fetch s':>9} {'whole s':>9}")
    print(
        f"{'scaleway.registry.images (ansible-inventory)':<44} {plugin_requests:9d} {plugin_fetch:9.2f}"
        f" {plugin_whole:9.2f}"
    )
    print(
        f"{'baseline: SDK list_images_all, region by region':<44} {baseline_requests:9d} {baseline_fetch:9.2f}"
        f" {baseline_whole:9.2f}"
    )
    print("{:<44} {:>9} {:>9} {:9.2f}".format("Ansible's floor (static inventory, same data)", "-", "-", ansible_floor))
    print(f"{f'network floor ({round_trips} round trips)':<44} {'-':>9} {network_floor:9.2f} {'-':>9}")
    checks = [
        (
            f"fetch {baseline_fetch / plugin_fetch:.1f}x faster than the baseline (target: 8x)",
            baseline_fetch >= 8 * plugin_fetch,
        ),
        (
            f"fetch {plugin_fetch / network_floor:.2f}x the network floor (target: within 2x)",
            plugin_fetch <= 2 * network_floor,
        ),
        (
            f"whole run {plugin_whole:.2f} s, for 1.5 x Ansible's floor + the network floor ="
            f" {1.5 * ansible_floor + network_floor:.2f} s",
            plugin_whole <= 1.5 * ansible_floor + network_floor,
        ),
    ]
    for text, met in checks:
        print("  {}: {}".format(text, "met" if met else "MISSED"))
    record("inventory", f"{hosts} images: requests", plugin_requests)
    record("inventory", f"fetch, s (SDK baseline {baseline_fetch:.2f} s)", f"{plugin_fetch:.2f}")
    record(
        "inventory",
        "fetch speed-up over the SDK baseline",
        f"{baseline_fetch / plugin_fetch:.1f}x",
        ">= 8x",
        checks[0][1],
    )
    record("inventory", "fetch / network floor", f"{plugin_fetch / network_floor:.2f}", "<= 2", checks[1][1])
    record(
        "inventory",
        "whole run, s",
        f"{plugin_whole:.2f}",
        f"<= {1.5 * ansible_floor + network_floor:.2f}",
        checks[2][1],
    )
    if not all(met for _text, met in checks):
        sys.exit("over target")


if __name__ == "__main__":
    main()
