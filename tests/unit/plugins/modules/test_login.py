# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.login, run in-process on a fake host: the commands it runs, with what, and what it returns.

No emulator: the module reads docker's or podman's config from tmp_path and runs docker, podman or a credential
helper through AnsibleModule.run_command, which these tests replace with a recorder that answers as told. The
module gets only what its action plugin passes: its own options and secret_key.
"""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.plugins.modules import login
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import run_module, scw_free_environ

SECRET = "7d0c6b2e-51f4-4a3e-9d6a-0f3c2b1a9e88"
OTHER_SECRET = "0b9f8e7d-6c5b-4a39-8271-605f4e3d2c1b"
PARIS = "rg.fr-par.scw.cloud"


def auth(secret, username="scaleway"):
    return {"auth": base64.b64encode((f"{username}:{secret}").encode()).decode()}


class Host:
    """A fake host: a home, a PATH with docker, podman and docker-credential-scw (never run), and a recorder in
    place of run_command that answers each program as `answers` says: {program name: (rc, out, err)}."""

    def __init__(self, tmp_path):
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        for program in ("docker", "podman", "docker-credential-scw"):
            path = self.bin / program
            path.write_text("#!/bin/sh\nexit 99\n")
            path.chmod(0o755)
        self.docker_dir = tmp_path / "docker"
        self.authfile = tmp_path / "containers" / "auth.json"
        self.calls = []
        self.answers = {}

    def docker_config(self, data):
        self.docker_dir.mkdir(exist_ok=True)
        (self.docker_dir / "config.json").write_text(json.dumps(data))

    def run(self, args, check_mode=False, diff=False):
        def run_command(_module, argv, **kwargs):
            self.calls.append(
                {"argv": list(argv), "data": kwargs.get("data"), "environ_update": kwargs.get("environ_update")}
            )
            return self.answers.get(os.path.basename(argv[0]), (0, "", ""))

        env = dict(
            scw_free_environ(),
            HOME=str(self.home),
            PATH=str(self.bin),
            DOCKER_CONFIG=None,
            REGISTRY_AUTH_FILE=None,
            XDG_RUNTIME_DIR=None,
        )
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(AnsibleModule, "run_command", run_command)
            return run_module(login.main, args, check_mode=check_mode, diff=diff, env=env)

    def docker(self, *arguments):
        return [str(self.bin / "docker"), *arguments]

    def login_call(self, registry=PARIS):
        """docker login, as the module runs it with config_path set: the key on stdin, nowhere on the command."""
        return {
            "argv": self.docker("login", "--username", "scaleway", "--password-stdin", "--", registry),
            "data": SECRET,
            "environ_update": {"DOCKER_CONFIG": str(self.docker_dir)},
        }


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path)


def docker_args(host, **more):
    return dict({"config_path": str(host.docker_dir), "secret_key": SECRET}, **more)


def paris(changed, logged_in, credential_helper=None):
    return [{"registry": PARIS, "changed": changed, "logged_in": logged_in, "credential_helper": credential_helper}]


# Logging in


def test_logs_in_with_the_secret_key_on_standard_input_when_nothing_is_stored(host):
    outcome = host.run(docker_args(host))
    assert not outcome.failed, outcome
    assert outcome.result == {"changed": True, "logins": paris(True, True)}
    assert host.calls == [host.login_call()]
    assert not any(SECRET in argument for argument in host.calls[0]["argv"])
    assert outcome.warnings == []


def test_logs_in_again_when_the_stored_secret_is_another_key(host):
    host.docker_config({"auths": {PARIS: auth(OTHER_SECRET)}})
    outcome = host.run(docker_args(host))
    assert outcome.result == {"changed": True, "logins": paris(True, True)}
    assert host.calls == [host.login_call()]


def test_runs_nothing_when_the_stored_credentials_already_are_the_key(host):
    host.docker_config({"auths": {PARIS: auth(SECRET)}})
    outcome = host.run(docker_args(host))
    assert outcome.result == {"changed": False, "logins": paris(False, True)}
    assert host.calls == []


def test_logs_in_although_the_key_is_stored_with_reauthorize(host):
    host.docker_config({"auths": {PARIS: auth(SECRET)}})
    outcome = host.run(docker_args(host, reauthorize=True))
    assert outcome.result == {"changed": True, "logins": paris(True, True)}
    assert host.calls == [host.login_call()]


def test_logs_into_each_registry_of_the_regions_given_including_it_mil_with_all(host):
    host.docker_config({"auths": {"rg.nl-ams.scw.cloud": auth(SECRET)}})
    outcome = host.run(docker_args(host, region=["all"]))
    registries = ["rg.fr-par.scw.cloud", "rg.nl-ams.scw.cloud", "rg.pl-waw.scw.cloud", "rg.it-mil.scw.cloud"]
    assert [login["registry"] for login in outcome.result["logins"]] == registries
    assert [login["changed"] for login in outcome.result["logins"]] == [True, False, True, True]
    assert host.calls == [host.login_call(registry) for registry in registries if registry != "rg.nl-ams.scw.cloud"]


def test_logs_podman_into_another_registry_with_its_authfile_and_without_tls_verification(host):
    outcome = host.run(
        {
            "program": "podman",
            "registry": "127.0.0.1:5000",
            "authfile": str(host.authfile),
            "tls_verify": False,
            "secret_key": SECRET,
        }
    )
    assert outcome.result == {
        "changed": True,
        "logins": [{"registry": "127.0.0.1:5000", "changed": True, "logged_in": True, "credential_helper": None}],
    }
    assert host.calls == [
        {
            "argv": [
                str(host.bin / "podman"),
                "login",
                "--username",
                "scaleway",
                "--password-stdin",
                "--authfile",
                str(host.authfile),
                "--tls-verify=false",
                "--",
                "127.0.0.1:5000",
            ],
            "data": SECRET,
            "environ_update": {},
        }
    ]


def test_reads_docker_config_from_home_when_no_config_path_is_given(host):
    (host.home / ".docker").mkdir()
    (host.home / ".docker" / "config.json").write_text(json.dumps({"auths": {PARIS: auth(SECRET)}}))
    outcome = host.run({"secret_key": SECRET})
    assert outcome.result == {"changed": False, "logins": paris(False, True)}
    assert host.calls == []


# Logging out


def test_logs_out_of_a_registry_with_stored_credentials_without_sending_the_key(host):
    host.docker_config({"auths": {PARIS: auth(SECRET)}})
    outcome = host.run(docker_args(host, state="absent"))
    assert outcome.result == {"changed": True, "logins": paris(True, False)}
    assert host.calls == [
        {
            "argv": host.docker("logout", "--", PARIS),
            "data": None,
            "environ_update": {"DOCKER_CONFIG": str(host.docker_dir)},
        }
    ]


def test_logout_needs_no_secret_key_and_runs_nothing_when_nothing_is_stored(host):
    outcome = host.run({"config_path": str(host.docker_dir), "state": "absent"})
    assert outcome.result == {"changed": False, "logins": paris(False, False)}
    assert host.calls == []


# Check and diff modes


@pytest.mark.parametrize(
    "stored, state", [(None, "present"), ({PARIS: auth(SECRET)}, "absent")], ids=["login", "logout"]
)
def test_check_mode_runs_no_command_and_predicts_what_a_real_run_returns(host, stored, state):
    if stored:
        host.docker_config({"auths": stored})
    predicted = host.run(docker_args(host, state=state), check_mode=True, diff=True)
    assert host.calls == []
    done = host.run(docker_args(host, state=state), diff=True)
    assert len(host.calls) == 1
    assert predicted.result == done.result
    assert predicted.result["changed"] is True


def test_the_diff_says_whether_each_registry_is_logged_in_and_nothing_more(host):
    host.docker_config({"auths": {"rg.nl-ams.scw.cloud": auth(SECRET)}})
    outcome = host.run(docker_args(host, region=["fr-par", "nl-ams"]), diff=True)
    assert outcome.result["diff"] == {
        "before": {PARIS: "not logged in", "rg.nl-ams.scw.cloud": "logged in"},
        "after": {PARIS: "logged in", "rg.nl-ams.scw.cloud": "logged in"},
    }
    assert SECRET not in json.dumps(outcome.result)


# Credential helpers


def helper_answer(secret):
    return (0, json.dumps({"ServerURL": PARIS, "Username": "nologin", "Secret": secret}), "")


def test_trusts_a_credential_helper_that_gives_the_key_and_warns_of_nothing(host):
    host.docker_config({"credHelpers": {PARIS: "scw"}})
    host.answers["docker-credential-scw"] = helper_answer(SECRET)
    outcome = host.run(docker_args(host))
    assert outcome.result == {"changed": False, "logins": paris(False, True, "scw")}
    assert host.calls == [
        {"argv": [str(host.bin / "docker-credential-scw"), "get"], "data": PARIS, "environ_update": None}
    ]
    assert outcome.warnings == []


def test_warns_that_a_login_stores_nothing_when_a_helper_serves_the_registry_with_another_key(host):
    host.docker_config({"credsStore": "scw"})
    host.answers["docker-credential-scw"] = helper_answer(OTHER_SECRET)
    outcome = host.run(docker_args(host))
    assert outcome.result == {"changed": True, "logins": paris(True, True, "scw")}
    assert host.calls[1:] == [host.login_call()]
    assert outcome.warnings == [
        "docker-credential-scw already serves {} (in {}): docker login stores nothing there".format(
            PARIS, host.docker_dir / "config.json"
        )
    ]


def test_a_logout_that_a_helper_defeats_changes_nothing_and_says_how_to_log_out(host):
    host.docker_config({"credHelpers": {PARIS: "scw"}})
    host.answers["docker-credential-scw"] = helper_answer(SECRET)
    outcome = host.run(docker_args(host, state="absent"))
    assert outcome.result == {"changed": False, "logins": paris(False, True, "scw")}
    assert host.calls == [
        {"argv": [str(host.bin / "docker-credential-scw"), "get"], "data": PARIS, "environ_update": None}
    ]
    assert outcome.warnings == [
        "docker-credential-scw serves {} (in {}): a logout cannot take its key away; remove"
        " the helper (scaleway.registry.credential_helper with state=absent) to log out".format(
            PARIS, host.docker_dir / "config.json"
        )
    ]


def test_a_helper_that_is_not_installed_counts_as_no_stored_credentials_and_is_named_as_missing(host):
    host.docker_config({"credHelpers": {PARIS: "missing"}})
    outcome = host.run(docker_args(host), check_mode=True)
    assert outcome.result == {"changed": True, "logins": paris(True, True, "missing")}
    assert host.calls == []
    assert outcome.warnings == [
        f"{host.docker_dir / 'config.json'} names docker-credential-missing for {PARIS}, which is not installed here:"
        " docker login cannot store the key; install it, or remove its entry"
    ]


# Failures


def test_reports_a_failed_login_in_one_line_from_the_last_line_of_its_error(host):
    host.answers["docker"] = (
        1,
        "",
        f'Login did not succeed\nError response from daemon:   Get "https://{PARIS}/v2/":'
        "\n  unauthorized: invalid username or secret key\n\n",
    )
    outcome = host.run(docker_args(host))
    assert outcome.failed
    assert outcome.result == {"msg": f"docker login {PARIS} failed: unauthorized: invalid username or secret key"}


def test_reports_a_failed_login_without_output_by_its_exit_status(host):
    host.answers["docker"] = (3, "", "")
    outcome = host.run(docker_args(host))
    assert outcome.result == {"msg": f"docker login {PARIS} failed: exit status 3"}


def test_refuses_to_log_in_without_a_secret_key_before_running_anything(host):
    outcome = host.run({"config_path": str(host.docker_dir)})
    assert outcome.failed
    assert outcome.result == {
        "msg": "logging in needs the secret key; run the module through its action plugin"
        " (scaleway.registry.login), which resolves it on the controller"
    }
    assert host.calls == []


def test_refuses_a_registry_that_is_not_a_host_before_running_anything(host):
    outcome = host.run(docker_args(host, registry="https://rg.fr-par.scw.cloud"))
    assert outcome.result == {
        "msg": "registry: 'https://rg.fr-par.scw.cloud' is not a registry host; write host or"
        " host:port, such as rg.fr-par.scw.cloud or 127.0.0.1:5000"
    }
    assert host.calls == []


def test_refuses_a_region_without_a_registry(host):
    outcome = host.run(docker_args(host, region=["fr-mrs"]))
    assert outcome.failed
    assert outcome.result["msg"].startswith("region 'fr-mrs' is not a Scaleway Container Registry region; use fr-par,")
    assert host.calls == []


def test_refuses_a_docker_config_that_is_not_json_and_leaves_it_as_it_was(host):
    host.docker_dir.mkdir()
    config = host.docker_dir / "config.json"
    config.write_text("{not json")
    config.chmod(0o600)
    outcome = host.run(docker_args(host))
    assert outcome.failed
    assert outcome.result["msg"].startswith(f"{config} is not valid JSON (")
    assert outcome.result["msg"].endswith("); fix or remove it")
    assert config.read_text() == "{not json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert host.calls == []


# A key of the host's own (access): the access key is the user name, which tells which key the host holds

HOST_KEY = "SCWHOSTKEYXXXXXXXXXX"
NEW_KEY = "SCWNEWKEYXXXXXXXXXXX"
AMSTERDAM = "rg.nl-ams.scw.cloud"


def access_args(host, **more):
    return dict({"config_path": str(host.docker_dir), "access": "fleet-pull", "region": ["fr-par"]}, **more)


def test_with_access_logs_in_with_the_access_key_as_user_name(host):
    outcome = host.run(access_args(host, access_key=NEW_KEY, access_keys=[NEW_KEY], secret_key=SECRET), diff=True)
    assert outcome.result["access_key"] == NEW_KEY and outcome.result["logins"] == paris(True, True)
    assert host.calls == [
        dict(host.login_call(), argv=host.docker("login", "--username", NEW_KEY, "--password-stdin", "--", PARIS))
    ]
    assert outcome.result["diff"] == {
        "before": {PARIS: "not logged in"},
        "after": {PARIS: f"logged in with key {NEW_KEY}"},
    }


def test_with_access_a_host_logged_in_with_a_listed_key_runs_nothing_and_is_sent_no_secret(host):
    host.docker_config({"auths": {PARIS: auth(SECRET, HOST_KEY)}})
    outcome = host.run(access_args(host, access_keys=[HOST_KEY]))
    assert outcome.result == {"changed": False, "logins": paris(False, True), "access_key": HOST_KEY}
    assert host.calls == []


def test_with_access_the_held_key_logs_in_the_registries_that_lack_it(host):
    host.docker_config({"auths": {PARIS: auth(SECRET, HOST_KEY)}})
    outcome = host.run(access_args(host, access_keys=[HOST_KEY], region=["fr-par", "nl-ams"]))
    assert outcome.result["changed"] is True and outcome.result["access_key"] == HOST_KEY
    login_amsterdam = host.docker("login", "--username", HOST_KEY, "--password-stdin", "--", AMSTERDAM)
    assert [call["argv"] for call in host.calls] == [login_amsterdam]
    assert host.calls[0]["data"] == SECRET
    assert SECRET not in json.dumps(outcome.result)


def test_with_access_a_host_without_a_listed_key_asks_for_one_and_runs_nothing(host):
    host.docker_config({"auths": {PARIS: auth(SECRET, HOST_KEY)}})
    outcome = host.run(access_args(host, access_keys=[NEW_KEY]))
    assert outcome.result == {"changed": False, "key_needed": True, "logins": []}
    assert host.calls == []


def test_with_access_a_login_with_the_controller_key_is_not_the_host_s_key(host):
    host.docker_config({"auths": {PARIS: auth(SECRET)}})
    outcome = host.run(access_args(host, access_key=NEW_KEY, access_keys=[NEW_KEY], secret_key=SECRET))
    assert outcome.result["logins"] == paris(True, True)
