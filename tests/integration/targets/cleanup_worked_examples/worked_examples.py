"""Runs the worked examples of docs/cleanup.md against the seed they are written for, and checks what the page says.

    python worked_examples.py INTEGRATION_CONFIG CLEANUP_MD SEED_SCRIPT

The page is the input, so that it and the module cannot drift apart. In its "Worked examples" section, each
```yaml block that holds a mapping gives the options of one cleanup task, a run. The blocks after it, up to the
next run, say what that run gives:
- a table: the whole plan, in its order. Columns tag, action and reason, always; image (namespace/image) when
  the plan covers several images; age, in days from the seed; created, the date counted from the page's `--now`
  anchor; digest, as letters, the same letter for the same digest;
- a ```text block: the result's msg (the refusal, when a guard refuses), whitespace aside;
- a ```diff block: the prepared diff. Its dates must be the anchor's, counted back by each tag's age.
A section that says "Run for real, the task says `MSG`" runs its first task for real once every check run is
done: its msg must be MSG and its plan the check run's, and a second run must change nothing.
Each ```text block of the whole page that holds one of the module's messages must be the msg of a run.

Every run is in check mode, from the seed, which the emulator gets first, and the emulator is reset at the end.
"""

import datetime
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

import yaml

DAY = datetime.timedelta(days=1)
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
# The messages of the module, which a ```text block of the page may show.
MESSAGES = ("the plan deletes", "would delete", "deleted ", "nothing to delete", "namespaces: '", "images: '")


class Run:
    def __init__(self, section, number, options):
        self.section, self.number, self.options = section, number, options
        self.expected = {}

    def __str__(self):
        return f"{self.section}, run {self.number}"


def blocks(text):
    """[(kind, content)] of a page's text in order: fenced blocks by language (indented ones too), and tables."""
    lines, found, index = text.split("\n"), [], 0
    while index < len(lines):
        fence = re.match(r"^(\s*)```(\w*)\s*$", lines[index])
        if fence:
            indent, body = len(fence.group(1)), []
            index += 1
            while not lines[index].strip().startswith("```"):
                body.append(lines[index][indent:])
                index += 1
            found.append((fence.group(2), "\n".join(body)))
        elif lines[index].startswith("|"):
            table = []
            while index < len(lines) and lines[index].startswith("|"):
                table.append([cell.strip().strip("`") for cell in lines[index].strip().strip("|").split("|")])
                index += 1
            found.append(("table", [dict(zip(table[0], row)) for row in table[2:]]))
            continue
        index += 1
    return found


def read_page(page):
    """(the --now anchor, the runs of the worked examples, the run whose section says to run it for real)."""
    anchor = datetime.datetime.strptime(re.search(r"--now (\S+Z)", page).group(1), "%Y-%m-%dT%H:%M:%SZ")
    worked = page[page.index("\n## Worked examples") :]
    worked = worked[: worked.find("\n## ", 1)] if "\n## " in worked[1:] else worked
    runs, real = [], None
    for section in worked.split("\n### ")[1:]:
        title, current = section.split("\n")[0], None
        for kind, content in blocks(section):
            if kind == "yaml":
                options = yaml.safe_load(content)
                current = (
                    Run(title, len([run for run in runs if run.section == title]) + 1, options)
                    if isinstance(options, dict)
                    else None
                )
                runs += [current] if current else []
            elif current and kind in ("table", "text", "diff"):
                assert kind not in current.expected, f"{current}: two {kind} blocks for one run"
                current.expected[kind] = content
        said = re.search(r"Run for real, the task says `([^`]+)`", section)
        if said:
            assert real is None, "only one example may run for real: the others start from the seed"
            real = (next(run for run in runs if run.section == title), said.group(1))
    return anchor, runs, real


def playbook(runs, real, results):
    """One play: each run in check mode, the real runs, then every result into `results`."""

    def task(name, options, register, check_mode):
        return {
            "name": name,
            "scaleway.registry.cleanup": options,
            "check_mode": check_mode,
            "diff": True,
            "ignore_errors": True,
            "register": register,
        }

    tasks = [task(str(run), run.options, f"run_{number}", True) for number, run in enumerate(runs)]
    if real:
        tasks += [
            task(f"{real[0]}, for real", real[0].options, "real_1", False),
            task(f"{real[0]}, for real again", real[0].options, "real_2", False),
        ]
    registered = ", ".join(f"run_{number}" for number in range(len(runs)))
    names = "{{'runs': [{}], 'real': [{}]}}".format(registered, "real_1, real_2" if real else "")
    tasks.append(
        {
            "name": "Keep the results",
            "ansible.builtin.copy": {"dest": results, "mode": "0600", "content": f"{{{{ {names} | to_json }}}}"},
        }
    )
    return [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def normal(text):
    return " ".join(text.split())


def days_old(item, seeded_at):
    created = datetime.datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
    return (seeded_at - created) // DAY


def plan_problems(rows, plan, anchor, seeded_at):
    """Where the page's table and the plan differ."""
    if rows and "image" not in rows[0] and len({(item["namespace"], item["image"]) for item in plan}) > 1:
        return ["the plan covers several images: the table needs an image column"]
    problems = []
    if [row["tag"] for row in rows] != [item["tag"] for item in plan]:
        problems.append(
            "the tags, in order, are {}; the page says {}".format(
                [item["tag"] for item in plan], [row["tag"] for row in rows]
            )
        )
    letters = {}
    for row, item in zip(rows, plan):
        age = days_old(item, seeded_at)
        actual = {
            "tag": item["tag"],
            "action": item["action"],
            "reason": item["reason"],
            "image": "{}/{}".format(item["namespace"], item["image"]),
            "age": f"{age} day{'' if age == 1 else 's'}",
            "created": (anchor - age * DAY).strftime("%Y-%m-%d"),
        }
        problems += [
            "{}: {} is {!r}, the page says {!r}".format(item["tag"], column, actual[column], row[column])
            for column in row
            if column in actual and actual[column] != row[column]
        ]
        if "digest" in row and letters.setdefault(row["digest"], item["digest"]) != item["digest"]:
            problems.append(
                "{}: digest {} is not that of the other tags with letter {}".format(
                    item["tag"], item["digest"], row["digest"]
                )
            )
    if "digest" in (rows or [{}])[0] and len(set(letters.values())) != len(letters):
        problems.append("two letters of the digest column stand for one digest")
    return problems


def diff_problems(page_diff, prepared, plan, anchor, seeded_at):
    """Where the page's diff and the prepared diff differ, dates aside; then where the page's dates are wrong."""
    masked = [DATE_TIME.sub("YYYY-MM-DD hh:mm", text).split("\n") for text in (page_diff, prepared)]
    if masked[0] != masked[1]:
        return [
            "the diff differs from the page's (dates aside):\n"
            + "\n".join(difflib.unified_diff(masked[0], masked[1], "the page", "the module", lineterm=""))
        ]
    problems, image = [], None
    for line in page_diff.split("\n"):
        header = re.match(r"^(\S+)/(\S+?)/(\S+): delete \d+, keep \d+$", line)
        image = header.groups() if header else image
        date = DATE_TIME.search(line)
        if date and line[:1] in "- ":
            item = next(
                item
                for item in plan
                if (item["region"], item["namespace"], item["image"]) == image and item["tag"] == line[2:].split()[0]
            )
            right = (anchor - days_old(item, seeded_at) * DAY).strftime("%Y-%m-%d %H:%M")
            if date.group(0) != right:
                problems.append(
                    "the diff dates {} {}, which the anchor makes {}".format(item["tag"], date.group(0), right)
                )
    return problems


def main(config_path, page_path, seed_script):
    with open(config_path) as handle:
        config = yaml.safe_load(handle)
    with open(page_path) as handle:
        page = handle.read()
    anchor, runs, real = read_page(page)
    assert len(runs) >= 8 and all(run.expected for run in runs), "the worked examples lost their runs or tables"
    url = config["scw_api_url"]

    def admin(path, body):
        request = urllib.request.Request(
            url + "/_emulator/" + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    problems = []
    with tempfile.TemporaryDirectory() as directory:
        # Whole regions are planned: start from the seed alone.
        admin("reset", {"chapter": "before cleanup_worked_examples"})
        try:
            subprocess.run(
                [sys.executable, seed_script, "--load", url, "--project-id", config["scw_project_id"]], check=True
            )
            seeded_at = datetime.datetime.now(datetime.timezone.utc)
            results = os.path.join(directory, "results.json")
            with open(os.path.join(directory, "examples.yml"), "w") as handle:
                yaml.safe_dump(playbook(runs, real, results), handle, sort_keys=False)
            home = os.path.join(directory, "home")
            os.mkdir(home)
            environment = dict(
                os.environ,
                HOME=home,
                SCW_API_URL=url,
                SCW_SECRET_KEY=config["scw_secret_key"],
                ANSIBLE_LOCALHOST_WARNING="false",
                ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            )
            run = subprocess.run(
                ["ansible-playbook", os.path.join(directory, "examples.yml")],
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode or not os.path.exists(results):
                sys.exit("the playbook of the worked examples failed:\n" + run.stdout[-6000:] + run.stderr[-3000:])
            with open(results) as handle:
                outcome = json.load(handle)
        finally:
            admin("reset", {"chapter": "cleanup_worked_examples"})

    anchor = anchor.replace(tzinfo=datetime.timezone.utc)
    for run, result in zip(runs, outcome["runs"]):
        found = []
        if "text" in run.expected and normal(run.expected["text"]) != normal(result.get("msg", "")):
            found.append("msg is {!r}; the page says {!r}".format(result.get("msg"), normal(run.expected["text"])))
        if "text" not in run.expected and result.get("failed"):
            found.append("it failed: {}".format(result.get("msg")))
        if "table" in run.expected:
            found += plan_problems(run.expected["table"], result.get("plan", []), anchor, seeded_at)
        if "diff" in run.expected:
            found += diff_problems(
                run.expected["diff"],
                result.get("diff", {}).get("prepared", ""),
                result.get("plan", []),
                anchor,
                seeded_at,
            )
        print(f"{'FAIL' if found else 'ok':<4} {run}: {normal(result.get('msg', ''))}")
        problems += [f"{run}: {problem}" for problem in found]
    if real:
        run, said = real
        first, second = outcome["real"]
        checked = outcome["runs"][runs.index(run)]
        found = [
            problem
            for problem, bad in (
                (
                    "run for real, msg is {!r}; the page says {!r}".format(first.get("msg"), said),
                    first.get("msg") != said,
                ),
                ("run for real, the plan is not the check run's", first.get("plan") != checked.get("plan")),
                (
                    "run again, it changed something: {}".format(second.get("msg")),
                    second.get("changed") or second.get("deleted"),
                ),
            )
            if bad
        ]
        verdict = "FAIL" if found else "ok"
        print(f"{verdict:<4} {run}, for real and again: {first.get('msg')}; {second.get('msg')}")
        problems += [f"{run}: {problem}" for problem in found]
    said = {normal(result.get("msg", "")) for result in outcome["runs"] + outcome["real"]}
    for kind, content in blocks(page):
        if kind == "text" and normal(content).startswith(MESSAGES) and normal(content) not in said:
            problems.append(f"the page shows a message that no run gave: {normal(content)}")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"{len(runs)} runs of the worked examples of {os.path.basename(page_path)} give what the page shows")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
