"""Check a cleanup result's prepared diff against its plan; prints what is wrong and exits 1, or prints ok.

    python check_diff.py < RESULT.json

Each image's block must show every deleted tag of that image on a `-` line that ends with its reason, and no
kept tag on a `-` line; the `-` lines must be exactly the deleted tags, under their own image.
"""

import json
import re
import sys


def blocks(prepared):
    """{image key: [(sign, tag, line)]} of a prepared diff."""
    found = {}
    for block in prepared.split("\n\n"):
        header, *lines = block.split("\n")
        match = re.match(r"^(\S+): delete \d+, keep \d+$", header)
        if match:
            found[match.group(1)] = [
                (line[0], line[2:].split()[0], line) for line in lines if not line.startswith("  kept: ")
            ]
    return found


def main():
    result = json.load(sys.stdin)
    shown, problems = blocks(result["diff"]["prepared"]), []
    for item in result["plan"]:
        key = "{}/{}/{}".format(item["region"], item["namespace"], item["image"])
        lines = [(sign, line) for sign, tag, line in shown.get(key, []) if tag == item["tag"]]
        if item["action"] == "delete" and not any(
            sign == "-" and line.endswith("  " + item["reason"]) for sign, line in lines
        ):
            problems.append(
                "{} of {} is deleted, but not on a - line of its image with its reason".format(item["tag"], key)
            )
        if item["action"] == "keep" and any(sign == "-" for sign, _line in lines):
            problems.append("{} of {} is kept, but shown deleted".format(item["tag"], key))
    deleted = sorted(
        "{}/{}/{}:{}".format(item["region"], item["namespace"], item["image"], item["tag"])
        for item in result["plan"]
        if item["action"] == "delete"
    )
    minus = sorted(f"{key}:{tag}" for key, lines in shown.items() for sign, tag, _line in lines if sign == "-")
    if deleted != minus:
        problems.append(f"the - lines are {minus}, the deleted tags {deleted}")
    print("\n".join(problems) or f"ok: {len(deleted)} deleted tags, each under its own image with its reason")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
