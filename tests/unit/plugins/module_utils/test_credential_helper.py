# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils import _scw_config
from ansible_collections.scaleway.registry.plugins.module_utils._credential_helper import (
    installed_config,
    render,
    summary,
)
from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

REGISTRY = "rg.fr-par.scw.cloud"
ROOT_KEY = "11111111-1111-4111-8111-111111111111"
PROFILE_KEY = "22222222-2222-4222-8222-222222222222"
OTHER_KEY = "33333333-3333-4333-8333-333333333333"

CONFIG = f"""\
secret_key: {ROOT_KEY}  # the root key
active_profile: work
profiles:
  work:
    secret_key: {PROFILE_KEY}
    default_region: nl-ams
  blank:
    secret_key: ""
    default_region: pl-waw
  other:
    default_zone: ''
    secret_key: {OTHER_KEY}
"""


def ask(tmp_path, environment=None, **options):
    """What the installed script answers docker's `get` for REGISTRY, with the scw config above."""
    config_file = tmp_path / "config.yaml"
    config_file.write_text(CONFIG)
    script = tmp_path / "docker-credential-scw"
    script.write_text(render(sys.executable, [REGISTRY], "scw_config", config_file=str(config_file), **options))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCW_")}
    env.update(environment or {})
    run = subprocess.run(
        [sys.executable, str(script), "get"], input=REGISTRY, capture_output=True, text=True, env=env, check=False
    )
    return json.loads(run.stdout)["Secret"] if run.returncode == 0 else run.stdout.strip()


def test_the_helper_reads_the_active_profile_of_the_scw_config(tmp_path):
    assert ask(tmp_path) == PROFILE_KEY


@pytest.mark.parametrize(
    "environment, profile, expected",
    [
        ({"SCW_SECRET_KEY": ROOT_KEY[:-1] + "9"}, "work", ROOT_KEY[:-1] + "9"),  # the caller's key wins
        ({"SCW_PROFILE": "blank"}, "work", PROFILE_KEY),  # helper_profile is the CLI's --profile: it beats SCW_PROFILE
        ({"SCW_PROFILE": "blank"}, None, ROOT_KEY),  # an empty value in a profile leaves the root key
        ({"SCW_PROFILE": "other"}, None, OTHER_KEY),  # and the keys after it stay in their profile
    ],
)
def test_the_helper_resolves_the_key_as_the_scw_cli_does(tmp_path, environment, profile, expected):
    assert ask(tmp_path, environment, profile=profile) == expected


@pytest.mark.parametrize("variable", ["SCW_SECRET_KEY", "SCW_TOKEN", "SCALEWAY_TOKEN"])
def test_the_helper_takes_the_key_from_the_same_variables_as_the_controller(tmp_path, variable):
    assert ask(tmp_path, {variable: OTHER_KEY}) == OTHER_KEY


def test_the_helper_embeds_the_controllers_scw_config_reader_verbatim(tmp_path):
    with open(_scw_config.__file__) as handle:
        reader = handle.read()
    script = render(sys.executable, [REGISTRY], "scw_config")
    assert reader[reader.index("from __future__ import annotations") :].rstrip("\n") in script


def test_an_unknown_profile_is_an_answer_docker_can_show_not_a_traceback(tmp_path):
    answer = ask(tmp_path, profile="nope")
    assert answer.startswith("docker-credential-scw: cannot read the secret key: profile 'nope' does not exist in ")
    assert answer.endswith("(profiles there: blank, other, work)")


def test_the_installed_script_records_how_it_was_installed(tmp_path):
    script = render("/usr/bin/python3", [REGISTRY], "file", secret_file="/root/secret")
    assert installed_config(script)["secret_file"] == "/root/secret"
    assert installed_config("#!/bin/sh\necho not ours\n") is None


def test_a_script_is_summarised_in_one_line_of_its_version_python_and_settings():
    script = render(
        "/usr/bin/python3",
        [REGISTRY, "127.0.0.1:5000"],
        "file",
        secret_file="/root/secret",
        configs=["/root/.docker/config.json"],
    )
    assert summary(script) == (
        f"docker-credential-scw {COLLECTION_VERSION}; python /usr/bin/python3; source file;"
        f" registries 127.0.0.1:5000, {REGISTRY}; secret file /root/secret; configs /root/.docker/config.json\n"
    )
    assert summary(None) == ""
    assert summary("#!/bin/sh\necho not ours\n") == "a file that the module did not install\n"


def test_the_helper_says_its_version(tmp_path):
    script = tmp_path / "docker-credential-scw"
    script.write_text(render(sys.executable, [REGISTRY], "file", secret_file=str(tmp_path / "secret")))
    run = subprocess.run([sys.executable, str(script), "version"], capture_output=True, text=True, check=True)
    assert run.stdout == f"docker-credential-scw (scaleway.registry {COLLECTION_VERSION})\n"
