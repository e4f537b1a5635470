"""Compare the emulator's journal of a chaos run with the journal of the same run without faults.

    python tests/utils/compare_journals.py FAULTLESS.json CHAOS.json

Both runs go through the same targets in the same order, and every target resets the emulator,
so their chapters pair up one by one. In each pair:
- the namespaces created are the same, as many times each: no retry created a namespace twice;
- the tags deleted are the same, as many times each: no fault made a module delete a tag that the
  faultless run kept (such as one a cleanup keep rule held), or delete one again;
- the end state (namespaces, images, tags by name, with their settings and digests) is the same.
Prints one line per chapter and exits 1 on any difference.
"""

import collections
import json
import sys


def load(path):
    with open(path) as handle:
        return json.load(handle)["chapters"]


def counted(events, kind):
    return collections.Counter(json.dumps(e, sort_keys=True) for e in events if e["event"] == kind)


def differences(faultless, chaos):
    problems = []
    for kind in ("namespace created", "tag deleted"):
        # Counted: a target may create a name again after deleting it, but never more often under faults.
        expected, seen = counted(faultless["events"], kind), counted(chaos["events"], kind)
        if seen - expected:
            problems.append("{} more often under faults: {}".format(kind, ", ".join(seen - expected)))
        if expected - seen:
            problems.append("{} less often under faults: {}".format(kind, ", ".join(expected - seen)))
    for table in ("namespaces", "images", "tags"):
        expected, seen = faultless["end_state"][table], chaos["end_state"][table]
        if expected != seen:
            extra = [row for row in seen if row not in expected]
            missing = [row for row in expected if row not in seen]
            problems.append(f"end state of {table} differs: only under faults {extra}, only without faults {missing}")
    return problems


def main(faultless_path, chaos_path):
    faultless, chaos = load(faultless_path), load(chaos_path)
    if len(faultless) != len(chaos):
        print(f"the runs have {len(faultless)} and {len(chaos)} chapters: they did not run the same targets")
        return 1
    failed = 0
    totals = collections.Counter()
    for number, (calm, stormy) in enumerate(zip(faultless, chaos), 1):
        name = stormy["chapter"] or calm["chapter"] or "(after the last reset)"
        problems = differences(calm, stormy)
        for kind in ("namespace created", "tag deleted"):
            totals[kind] += sum(counted(stormy["events"], kind).values())
        print(f"{'FAIL' if problems else 'ok':<4} chapter {number}, {name}")
        for problem in problems:
            print("       " + problem)
        failed += bool(problems)
    print(
        f"{len(chaos)} chapters, {totals['namespace created']} namespaces created,"
        f" {totals['tag deleted']} tags deleted, under faults as without: {'no' if failed else 'yes'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    sys.exit(main(*sys.argv[1:]))
