"""The figures a benchmark hands to benchmarks/run.py, which prints them all in one table.

run.py names a JSON-lines file in SCW_BENCH_SUMMARY; run alone, a benchmark records nothing.
"""

import json
import os


def record(benchmark, figure, value, target="-", met=None):
    """One row: `value` and `target` as shown, `met` True, False, or None for a figure without a target."""
    path = os.environ.get("SCW_BENCH_SUMMARY")
    if path:
        with open(path, "a") as handle:
            handle.write(
                json.dumps({"benchmark": benchmark, "figure": figure, "value": value, "target": target, "met": met})
                + "\n"
            )
