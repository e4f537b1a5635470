"""tests/utils/system_deps.sh, run as make deps and .ci/run run it, with apt-get replaced by a recorder."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tests" / "utils" / "system_deps.sh"
REQUIREMENTS = ROOT / "tests" / "system-requirements.txt"
NOBODY = 65534


@pytest.fixture
def machine():
    """A directory that every user can read, with the script, a fake apt-get that records its calls, and a list."""
    where = Path(tempfile.mkdtemp())
    try:
        where.chmod(0o755)
        shutil.copy(SCRIPT, where / "system_deps.sh")
        (where / "bin").mkdir()
        fake = where / "bin" / "apt-get"
        fake.write_text(f'#!/bin/sh\necho "$*" >> {where}/apt-get.log\n', encoding="utf-8")
        fake.chmod(0o755)
        yield where
    finally:
        shutil.rmtree(where)


def run(machine, listed, *arguments, as_nobody=False):
    (machine / "list.txt").write_text(listed, encoding="utf-8")
    env = dict(
        os.environ, PATH=f"{machine / 'bin'}:{os.environ['PATH']}", SYSTEM_REQUIREMENTS=str(machine / "list.txt")
    )
    command = ["bash", str(machine / "system_deps.sh"), *arguments]
    if as_nobody:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def apt_get_calls(machine):
    log = machine / "apt-get.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


PRESENT = "bash command:bash all a shell\n"
MISSING = "no-such-package command:no-such-command-here molecule for the test\n"


def test_nothing_missing_prints_nothing_and_runs_no_apt_get(machine):
    result = run(machine, "# a comment\n\n" + PRESENT + "tmp file:/tmp all a directory\n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert apt_get_calls(machine) == []


def test_as_root_the_missing_packages_are_installed_with_one_update(machine):
    if os.getuid() != 0:
        pytest.skip("needs root")
    result = run(machine, PRESENT + MISSING)
    assert result.returncode == 0, result.stderr
    assert apt_get_calls(machine) == ["update -q", "install -y -q --no-install-recommends no-such-package"]


@pytest.mark.skipif(os.getuid() != 0 or not shutil.which("setpriv"), reason="needs root, to run as nobody")
def test_without_root_or_sudo_one_line_names_the_packages_and_the_command(machine):
    result = run(machine, PRESENT + MISSING + "other-package file:/no/such/file all why\n", as_nobody=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "missing system packages: no-such-package other-package; install them as root, run: apt-get update && "
        "apt-get install -y -q --no-install-recommends no-such-package other-package\n"
    )
    assert apt_get_calls(machine) == []


def test_a_target_checks_only_its_own_packages_and_those_of_all(machine):
    listed = PRESENT + MISSING + "needed-everywhere file:/no/such/file all why\n"
    assert "needed-everywhere;" in run(machine, listed, "--check", "sanity").stderr
    assert "needed-everywhere;" not in run(machine, MISSING, "--check", "sanity").stderr
    assert run(machine, MISSING, "--check", "sanity").returncode == 0
    assert "no-such-package;" in run(machine, MISSING, "--check", "integration,molecule", "molecule").stderr
    assert apt_get_calls(machine) == []


def listed_packages():
    """(package, needed by, why) for each line of the list."""
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return [
        tuple(line.split(None, 3)[i] for i in (0, 2, 3)) for line in lines if line.strip() and not line.startswith("#")
    ]


def test_the_package_list_appears_once_in_the_repository():
    specific = {package for package, _needed, _why in listed_packages()} - {
        "make",
        "git",
        "python3-venv",
        "ca-certificates",
    }
    assert {"docker-registry", "skopeo", "podman", "debootstrap", "shellcheck"} <= specific
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "tests/utils/system_deps.sh" in ci
    assert [p for p in specific if p in ci] == []
    for path in (ROOT / ".ci" / "run", ROOT / "Makefile"):
        assert "apt-get" not in path.read_text(encoding="utf-8"), path


def test_the_readme_table_says_what_the_list_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = listed_packages()

    def row(package, needed, why):
        targets = ", ".join("every target" if target == "all" else f"`{target}`" for target in needed.split(","))
        return f"| `{package}` | {targets} | {why} |"

    shown = [line for line in readme.splitlines() if any(line.startswith(f"| `{p}` |") for p, _n, _w in listed)]
    assert shown == [row(*package) for package in listed]
