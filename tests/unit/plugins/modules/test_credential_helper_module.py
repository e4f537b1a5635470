# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.credential_helper, run in-process on a host made of tmp_path: the files it writes, their modes,
the record the script keeps, what a removal takes away, and what check and diff modes say.

The script itself (how it answers docker) is tested in tests/unit/plugins/module_utils/test_credential_helper.py;
here it only has to answer the module's own check after an install, which runs it for real with this Python.
The module gets only what its action plugin passes: its own options and secret_key.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._credential_helper import installed_config
from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.scaleway.registry.plugins.modules import credential_helper
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import run_module, scw_free_environ

SECRET = "7d0c6b2e-51f4-4a3e-9d6a-0f3c2b1a9e88"
PARIS = "rg.fr-par.scw.cloud"
EVERY_REGION = ["rg.fr-par.scw.cloud", "rg.it-mil.scw.cloud", "rg.nl-ams.scw.cloud", "rg.pl-waw.scw.cloud"]


class Host:
    """Where the module installs: bin (the script's directory, made by the install), the secret file in a
    directory of its own, and docker's config in home."""

    def __init__(self, tmp_path):
        self.root = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.bin = tmp_path / "bin"
        self.script = self.bin / "docker-credential-scw"
        self.secret_dir = tmp_path / "secrets"
        self.secret = self.secret_dir / "scw" / "secret"
        self.config = self.home / ".docker" / "config.json"

    def args(self, **more):
        return dict(
            {
                "path": str(self.bin),
                "secret_file": str(self.secret),
                "docker_configs": [str(self.config)],
                "helper_python": sys.executable,
                "region": ["fr-par"],
                "secret_key": SECRET,
            },
            **more,
        )

    def run(self, args, check_mode=False, diff=False):
        env = dict(
            scw_free_environ(),
            HOME=str(self.home),
            DOCKER_CONFIG=None,
            REGISTRY_AUTH_FILE=None,
            XDG_RUNTIME_DIR=None,
            PATH=os.pathsep.join([str(self.bin), "/usr/bin", "/bin"]),
        )
        return run_module(credential_helper.main, args, check_mode=check_mode, diff=diff, env=env)

    def install(self, **more):
        outcome = self.run(self.args(**more))
        assert not outcome.failed, outcome
        return outcome

    def files(self):
        """Every file and directory under tmp_path, but home itself: {relative path: mode}."""
        found = {}
        for directory, directories, files in os.walk(str(self.root)):
            for name in directories + files:
                path = os.path.join(directory, name)
                found[os.path.relpath(path, str(self.root))] = stat.S_IMODE(os.lstat(path).st_mode)
        found.pop("home")
        return found


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path)


def mode(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


# Installing


def test_installs_the_secret_the_config_entry_and_the_script_with_their_modes(host):
    outcome = host.install()
    assert outcome.result == {
        "changed": True,
        "helper": str(host.script),
        "registries": [PARIS],
        "files": [str(host.secret), str(host.config), str(host.script)],
    }
    assert outcome.warnings == []
    assert host.files() == {
        "bin": 0o755,
        "bin/docker-credential-scw": 0o755,
        "secrets": 0o700,
        "secrets/scw": 0o700,
        "secrets/scw/secret": 0o600,
        "home/.docker": 0o700,
        "home/.docker/config.json": 0o600,
    }
    assert host.secret.read_text() == SECRET + "\n"
    assert json.loads(host.config.read_text()) == {"credHelpers": {PARIS: "scw"}}
    assert host.script.read_text().startswith(f"#!{sys.executable}\n")


def test_the_script_records_what_the_install_made_so_that_a_removal_knows(host):
    host.install()
    assert installed_config(host.script.read_text()) == {
        "registries": [PARIS],
        "username": "scaleway",
        "access_key": None,
        "source": "file",
        "secret_file": str(host.secret),
        "config_file": None,
        "profile": None,
        "created_directories": sorted(
            [str(host.bin), str(host.secret_dir), str(host.secret_dir / "scw"), str(host.home / ".docker")]
        ),
        "configs": [str(host.config)],
        "created_files": [str(host.config)],
        "version": COLLECTION_VERSION,
    }


def test_keeps_every_other_key_and_the_mode_of_an_existing_docker_config(host):
    host.config.parent.mkdir()
    host.config.write_text(json.dumps({"credHelpers": {"gcr.io": "gcloud"}, "detachKeys": "ctrl-q"}))
    host.config.chmod(0o640)
    host.install()
    assert json.loads(host.config.read_text()) == {
        "credHelpers": {"gcr.io": "gcloud", PARIS: "scw"},
        "detachKeys": "ctrl-q",
    }
    assert mode(host.config) == 0o640
    assert installed_config(host.script.read_text())["created_files"] == []


def test_a_second_run_changes_nothing(host):
    host.install()
    before = host.files()
    outcome = host.install()
    assert outcome.result == {"changed": False, "helper": str(host.script), "registries": [PARIS], "files": []}
    assert host.files() == before


def test_repairs_the_mode_of_the_secret_file(host):
    host.install()
    host.secret.chmod(0o644)
    outcome = host.install()
    assert outcome.result["changed"] is True
    assert outcome.result["files"] == [str(host.secret)]
    assert mode(host.secret) == 0o600


def test_serves_every_login_region_and_the_other_registries_given(host):
    outcome = host.install(region=["all"], registries=["127.0.0.1:5000"])
    assert outcome.result["registries"] == ["127.0.0.1:5000", *EVERY_REGION]
    assert json.loads(host.config.read_text())["credHelpers"] == dict.fromkeys(outcome.result["registries"], "scw")


def test_warns_when_the_script_directory_is_not_in_path(host):
    outcome = host.run(host.args(path=str(host.root / "elsewhere")))
    assert outcome.warnings == [
        "%s is not in PATH here: docker and podman find docker-credential-scw only on"
        " their PATH" % (host.root / "elsewhere")
    ]


def test_warns_about_stale_auths_entries_and_removes_them_only_when_asked(host):
    host.config.parent.mkdir()
    host.config.write_text(json.dumps({"auths": {PARIS: {"auth": "bm9sb2dpbjpvbGQ="}, "docker.io": {}}}))
    outcome = host.install()
    assert outcome.warnings == [
        f"{host.config} has auths entries for {PARIS}, which some clients use instead of the helper; remove"
        " them with remove_stale_auths: true"
    ]
    assert PARIS in json.loads(host.config.read_text())["auths"]
    outcome = host.install(remove_stale_auths=True)
    assert outcome.warnings == []
    assert json.loads(host.config.read_text()) == {"auths": {"docker.io": {}}, "credHelpers": {PARIS: "scw"}}


# Check mode and diff


def test_check_mode_predicts_the_same_files_and_writes_nothing(host):
    predicted = host.run(host.args(), check_mode=True)
    assert host.files() == {}
    done = host.install()
    assert predicted.result == done.result
    assert predicted.warnings == done.warnings


def test_check_mode_predicts_no_change_on_an_installed_host(host):
    host.install()
    before = host.files()
    predicted = host.run(host.args(), check_mode=True)
    assert predicted.result["changed"] is False
    assert predicted.result["files"] == []
    assert host.files() == before


def test_the_diff_shows_the_script_in_one_line_and_never_the_secret(host):
    outcome = host.run(host.args(), diff=True)
    assert not outcome.failed, outcome
    secret, config, script = outcome.result["diff"]
    assert secret == {
        "before_header": str(host.secret),
        "before": "",
        "after_header": f"{host.secret} (mode 0600)",
        "after": "(a secret key)\n",
    }
    assert config == {
        "before_header": str(host.config),
        "before": "",
        "after_header": str(host.config),
        "after": json.dumps({"credHelpers": {PARIS: "scw"}}, indent="\t") + "\n",
    }
    assert script["before_header"] == str(host.script)
    assert script["before"] == ""
    assert script["after_header"] == f"{host.script} (mode 0755)"
    assert script["after"].count("\n") == 1
    assert script["after"].startswith(
        f"docker-credential-scw {COLLECTION_VERSION}; python {sys.executable}; source file; registries {PARIS};"
        f" secret file {host.secret}; "
    )
    assert SECRET not in json.dumps(outcome.result)


def test_the_diff_of_a_new_secret_says_another_key_without_either(host):
    host.install()
    other = "0b9f8e7d-6c5b-4a39-8271-605f4e3d2c1b"
    outcome = host.run(host.args(secret_key=other), diff=True)
    assert outcome.result["files"] == [str(host.secret)]
    assert outcome.result["diff"] == [
        {
            "before_header": f"{host.secret} (mode 0600)",
            "before": "(a secret key)\n",
            "after_header": f"{host.secret} (mode 0600)",
            "after": "(another secret key)\n",
        }
    ]
    assert SECRET not in json.dumps(outcome.result) and other not in json.dumps(outcome.result)


# Removing


def test_absent_removes_what_the_install_recorded_and_nothing_else(host):
    host.install()
    (host.bin / "docker-credential-other").write_text("#!/bin/sh\n")
    host.config.write_text(json.dumps({"credHelpers": {PARIS: "scw", "gcr.io": "gcloud"}}))
    outcome = host.run(
        {"state": "absent", "path": str(host.bin), "docker_configs": [str(host.config)], "region": ["fr-par"]}
    )
    assert not outcome.failed, outcome
    assert outcome.result == {
        "changed": True,
        "helper": str(host.script),
        "registries": [PARIS],
        "files": [str(host.secret), str(host.config), str(host.script)],
    }
    assert host.files() == {
        "bin": 0o755,
        "bin/docker-credential-other": mode(host.bin / "docker-credential-other"),
        "home/.docker": 0o700,
        "home/.docker/config.json": 0o600,
    }
    assert json.loads(host.config.read_text()) == {"credHelpers": {"gcr.io": "gcloud"}}


def test_absent_removes_a_config_file_the_install_created_once_it_holds_nothing_else(host):
    host.install()
    outcome = host.run({"state": "absent", "path": str(host.bin), "region": ["fr-par"]})
    assert outcome.result["files"] == [str(host.secret), str(host.config), str(host.script)]
    assert host.files() == {}


def test_absent_leaves_a_docker_credential_scw_that_it_did_not_install(host):
    host.bin.mkdir()
    host.script.write_text("#!/bin/sh\necho theirs\n")
    outcome = host.run({"state": "absent", "path": str(host.bin), "docker_configs": [str(host.config)]})
    assert outcome.result == {"changed": False, "helper": str(host.script), "registries": EVERY_REGION, "files": []}
    assert host.script.read_text() == "#!/bin/sh\necho theirs\n"


def test_absent_in_check_mode_removes_nothing_and_predicts_the_removal(host):
    host.install()
    before = host.files()
    args = {"state": "absent", "path": str(host.bin), "docker_configs": [str(host.config)], "region": ["fr-par"]}
    predicted = host.run(args, check_mode=True)
    assert host.files() == before
    done = host.run(args)
    assert predicted.result == done.result


# Refusals


def test_refuses_a_symbolic_link_in_place_of_the_script_and_leaves_it(host):
    host.bin.mkdir()
    target = host.root / "target"
    target.write_text("theirs\n")
    host.script.symlink_to(target)
    outcome = host.run(host.args())
    assert outcome.failed
    assert outcome.result == {
        "msg": f"{host.script} is a symbolic link; the module keeps this file as a regular file only:"
        " remove the link or choose another path"
    }
    assert os.path.islink(str(host.script))
    assert target.read_text() == "theirs\n"
    assert not host.secret.exists()


def test_refuses_a_helper_python_that_is_not_executable_in_one_line(host):
    python = str(host.root / "no-python")
    outcome = host.run(host.args(helper_python=python))
    assert outcome.result == {
        "msg": f"helper_python {python} is not an executable on this host: install Python 3 there, or"
        " set helper_python to the Python 3 that docker-credential-scw should run with"
    }
    assert host.files() == {}


def test_refuses_source_file_without_a_secret_key(host):
    args = host.args()
    del args["secret_key"]
    outcome = host.run(args)
    assert outcome.result == {
        "msg": "source: file needs the secret key; run the module through its action plugin"
        " (scaleway.registry.credential_helper), which resolves it on the controller"
    }
    assert host.files() == {}


def test_refuses_a_secret_directory_that_others_may_write_into(host):
    host.secret.parent.mkdir(parents=True)
    host.secret.parent.chmod(0o777)
    outcome = host.run(host.args())
    assert outcome.result == {
        "msg": f"{host.secret.parent} is writable by others (mode 0777), who could replace a file the module"
        " writes there; choose a directory that only its owner can write"
    }
    assert not host.secret.exists() and not host.script.exists()


# A key of the host's own (access): what the action plugin learns from the host, and what the host keeps

HOST_KEY = "SCWHOSTKEYXXXXXXXXXX"
NEW_KEY = "SCWNEWKEYXXXXXXXXXXX"


def test_with_access_the_helper_answers_with_the_host_key_and_records_its_access_key(host):
    outcome = host.install(access="fleet-pull", access_key=HOST_KEY, access_keys=[HOST_KEY])
    assert outcome.result["access_key"] == HOST_KEY
    assert installed_config(host.script.read_text())["access_key"] == HOST_KEY
    answer = subprocess.run([str(host.script), "get"], input=PARIS, capture_output=True, text=True, check=True)
    assert json.loads(answer.stdout) == {"ServerURL": PARIS, "Username": HOST_KEY, "Secret": SECRET}


def test_with_access_a_host_that_holds_a_listed_key_keeps_it_without_being_sent_a_secret(host):
    host.install(access="fleet-pull", access_key=HOST_KEY)
    outcome = host.run(host.args(access="fleet-pull", access_keys=[HOST_KEY], secret_key=None))
    assert not outcome.failed, outcome
    assert outcome.result == {
        "changed": False,
        "helper": str(host.script),
        "registries": [PARIS],
        "files": [],
        "access_key": HOST_KEY,
    }
    assert host.secret.read_text() == SECRET + "\n"


def test_with_access_a_host_whose_key_is_not_listed_asks_for_one_and_changes_nothing(host):
    host.install(access="fleet-pull", access_key=HOST_KEY)
    before = host.files()
    outcome = host.run(host.args(access="fleet-pull", access_keys=[NEW_KEY], secret_key=None, region=["nl-ams"]))
    assert outcome.result == {
        "changed": False,
        "key_needed": True,
        "helper": str(host.script),
        "registries": ["rg.nl-ams.scw.cloud"],
        "files": [],
    }
    assert host.files() == before and host.secret.read_text() == SECRET + "\n"


def test_with_access_a_helper_installed_with_the_controller_key_holds_no_host_key(host):
    host.install()
    outcome = host.run(host.args(access="fleet-pull", access_keys=[HOST_KEY], secret_key=None))
    assert outcome.result["key_needed"] is True


def test_with_access_a_new_key_replaces_the_held_one_and_the_diff_names_neither_secret(host):
    host.install(access="fleet-pull", access_key=HOST_KEY)
    new_secret = "9e8d7c6b-5a49-4382-9170-f6e5d4c3b2a1"
    outcome = host.run(
        host.args(access="fleet-pull", access_key=NEW_KEY, access_keys=[NEW_KEY], secret_key=new_secret), diff=True
    )
    assert outcome.result["changed"] is True and outcome.result["access_key"] == NEW_KEY
    assert host.secret.read_text() == new_secret + "\n"
    shown = json.dumps(outcome.result["diff"])
    assert "(another secret key)" in shown and f"access key {NEW_KEY}" in shown
    assert SECRET not in shown and new_secret not in shown
