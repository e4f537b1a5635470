"""Every benchmark of the collection, one after the other, then all their figures in one table.

    python benchmarks/run.py

Each benchmark prints its own details as it goes and hands its figures over through _summary.record.
Exits 1 when a benchmark fails or misses a target.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = [
    "request_economy.py",
    "task_overhead.py",
    "cleanup.py",
    "inventory.py",
    "namespace_listing.py",
    "fleet_keys.py",
]


def main():
    failed = []
    with tempfile.TemporaryDirectory() as directory:
        summary = os.path.join(directory, "summary.jsonl")
        for name in BENCHMARKS:
            print(f"== {name}", flush=True)
            if subprocess.call(
                [sys.executable, os.path.join(HERE, name)], env=dict(os.environ, SCW_BENCH_SUMMARY=summary)
            ):
                failed.append(name)
        with open(summary) as handle:
            rows = [json.loads(line) for line in handle]
    print()
    print(f"{'benchmark':<18} {'figure':<52} {'value':>12} {'target':>10}  ")
    for row in rows:
        verdict = {True: "met", False: "MISSED", None: ""}[row["met"]]
        print(f"{row['benchmark']!s:<18} {row['figure']!s:<52} {row['value']!s:>12} {row['target']!s:>10}  {verdict}")
    missed = [row for row in rows if row["met"] is False]
    targets = sum(row["met"] is not None for row in rows)
    print(
        f"{len(rows)} figures, {targets} with a target, {len(missed)} missed"
        + ("; failed: " + ", ".join(failed) if failed else "")
    )
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main())
