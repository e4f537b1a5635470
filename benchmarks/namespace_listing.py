"""How long listing every namespace of every region takes, and how many requests it sends.

Compares the collection's client (pages of 100, later pages and the regions fetched
concurrently) with the way the official SDKs list (pages of 20, one after the other,
region after region), against the emulator with a fixed latency per request.

    python benchmarks/namespace_listing.py [--per-region 600] [--latency-ms 40] [--runs 3]
"""

import argparse
import os
import statistics
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".tmp", "collections"))
sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _summary import record
from with_emulator import PROJECT_ID, SECRET_KEY, start_emulator

from ansible_collections.scaleway.registry.plugins.module_utils._client import Client
from ansible_collections.scaleway.registry.plugins.module_utils._config import REGISTRY_REGIONS


def sdk_style(url):
    """Pages of 20, one after the other, until a short page: what the Python SDK's list_*_all does."""
    session = requests.Session()
    session.headers["X-Auth-Token"] = SECRET_KEY
    items = []
    for region in REGISTRY_REGIONS:
        page = 1
        while True:
            answer = session.get(
                f"{url}/registry/v1/regions/{region}/namespaces", params={"page": page, "page_size": 20}
            ).json()
            items.extend(answer["namespaces"])
            if len(answer["namespaces"]) < 20:
                break
            page += 1
    return items


def collection_style(url):
    client = Client(SECRET_KEY, url)
    per_region = client.map(lambda region: client.paginate("namespaces", "namespaces", region), REGISTRY_REGIONS)
    return [item for items in per_region for item in items]


def measure(url, function, runs):
    durations, counts = [], []
    for _run in range(runs):
        requests.delete(url + "/_emulator/requests")
        start = time.perf_counter()
        items = function(url)
        durations.append(time.perf_counter() - start)
        counts.append(len(requests.get(url + "/_emulator/requests").json()["requests"]))
    return len(items), statistics.median(durations), counts[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-region", type=int, default=600)
    parser.add_argument("--latency-ms", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    emulator, url, _registries = start_emulator(["--latency-ms", str(options.latency_ms)])
    try:
        seed = [
            {"region": region, "name": f"bench-{region}-{number:04d}", "project_id": PROJECT_ID}
            for region in REGISTRY_REGIONS
            for number in range(options.per_region)
        ]
        requests.post(url + "/_emulator/seed", json={"namespaces": seed}).raise_for_status()
        print(
            f"listing {len(seed)} namespaces in {len(REGISTRY_REGIONS)} regions, {options.latency_ms} ms per request,"
            f" median of {options.runs} runs"
        )
        print(f"{'':<46} {'items':>8} {'requests':>9} {'seconds':>9}")
        for name, function in (
            ("SDK style (20 per page, sequential)", sdk_style),
            ("scaleway.registry (100 per page, concurrent)", collection_style),
        ):
            items, seconds, count = measure(url, function, options.runs)
            print(f"{name:<46} {items:8d} {count:9d} {seconds:9.2f}")
            record("namespace listing", f"{name}: requests, s", f"{count}, {seconds:.2f}")
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
