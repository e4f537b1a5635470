"""Credential, region and endpoint resolution, as the scw CLI does it: a table of cases."""

from __future__ import annotations

import os

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    LOGIN_REGIONS,
    REGISTRY_REGIONS,
    ConfigError,
    expand_regions,
    resolve,
)

KEY_OPTION = "11111111-1111-4111-8111-111111111111"
KEY_ENV = "22222222-2222-4222-8222-222222222222"
KEY_ROOT = "33333333-3333-4333-8333-333333333333"
KEY_PROD = "44444444-4444-4444-8444-444444444444"
KEY_DEV = "55555555-5555-4555-8555-555555555555"
PROJECT = "66666666-6666-4666-8666-666666666666"
PROJECT_PROD = "77777777-7777-4777-8777-777777777777"

CONFIG = f"""
secret_key: {KEY_ROOT}
default_project_id: {PROJECT}
default_region: nl-ams
active_profile: %s
profiles:
  prod:
    secret_key: {KEY_PROD}
    default_project_id: {PROJECT_PROD}
  dev:
    secret_key: {KEY_DEV}
"""
DEFAULT_CONFIG = CONFIG % "default"
DEV_ACTIVE = CONFIG % "dev"
HOME_CONFIG = "home/.config/scw/config.yaml"
XDG_CONFIG = "xdg/scw/config.yaml"

# (case, options, environment, files relative to a temporary directory, expected values)
CASES = [
    (
        "the option wins over the environment and the file",
        {"secret_key": KEY_OPTION},
        {"SCW_SECRET_KEY": KEY_ENV},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_OPTION, "sources.secret_key": "the secret_key option"},
    ),
    (
        "the environment wins over the file",
        {},
        {"SCW_SECRET_KEY": KEY_ENV},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_ENV, "project_id": PROJECT, "region": "nl-ams"},
    ),
    (
        "the root keys are the default profile",
        {},
        {},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_ROOT, "project_id": PROJECT, "region": "nl-ams", "profile": "default"},
    ),
    (
        "a named profile overrides the root keys and inherits the others",
        {"profile": "prod"},
        {},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_PROD, "project_id": PROJECT_PROD, "region": "nl-ams"},
    ),
    (
        "SCW_PROFILE selects the profile",
        {},
        {"SCW_PROFILE": "dev"},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_DEV, "project_id": PROJECT, "profile": "dev"},
    ),
    (
        "active_profile selects the profile",
        {},
        {},
        {HOME_CONFIG: DEV_ACTIVE},
        {"secret_key": KEY_DEV, "profile": "dev"},
    ),
    (
        "the profile option wins over SCW_PROFILE and active_profile",
        {"profile": "prod"},
        {"SCW_PROFILE": "dev"},
        {HOME_CONFIG: DEV_ACTIVE},
        {"secret_key": KEY_PROD},
    ),
    (
        "SCW_PROFILE wins over active_profile",
        {},
        {"SCW_PROFILE": "prod"},
        {HOME_CONFIG: DEV_ACTIVE},
        {"secret_key": KEY_PROD},
    ),
    (
        "environment variables win over a named profile, as in the CLI",
        {"profile": "prod"},
        {"SCW_SECRET_KEY": KEY_ENV},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_ENV, "project_id": PROJECT_PROD},
    ),
    (
        "the config_file option wins over SCW_CONFIG_PATH",
        {"config_file": "{tmp}/a.yaml"},
        {"SCW_CONFIG_PATH": "{tmp}/b.yaml"},
        {"a.yaml": f"secret_key: {KEY_OPTION}", "b.yaml": f"secret_key: {KEY_ENV}"},
        {"secret_key": KEY_OPTION},
    ),
    (
        "SCW_CONFIG_PATH wins over XDG_CONFIG_HOME",
        {},
        {"SCW_CONFIG_PATH": "{tmp}/b.yaml"},
        {"b.yaml": f"secret_key: {KEY_ENV}", XDG_CONFIG: f"secret_key: {KEY_ROOT}"},
        {"secret_key": KEY_ENV},
    ),
    (
        "XDG_CONFIG_HOME wins over HOME",
        {},
        {},
        {XDG_CONFIG: f"secret_key: {KEY_ENV}", HOME_CONFIG: DEFAULT_CONFIG},
        {"secret_key": KEY_ENV},
    ),
    (
        "a missing SCW_CONFIG_PATH file is no config, as in the CLI",
        {},
        {"SCW_CONFIG_PATH": "{tmp}/none.yaml", "SCW_SECRET_KEY": KEY_ENV},
        {},
        {"secret_key": KEY_ENV},
    ),
    ("an empty config file is no config", {}, {"SCW_SECRET_KEY": KEY_ENV}, {HOME_CONFIG: ""}, {"secret_key": KEY_ENV}),
    ("legacy SCW_TOKEN is read after SCW_SECRET_KEY", {}, {"SCW_TOKEN": KEY_ENV}, {}, {"secret_key": KEY_ENV}),
    (
        "the region defaults to fr-par and the API URL to api.scaleway.com",
        {"secret_key": KEY_OPTION},
        {},
        {},
        {"region": "fr-par", "api_url": "https://api.scaleway.com", "validate_certs": True, "api_timeout": 30},
    ),
    (
        "the region comes from the zone when no region is set",
        {},
        {"SCW_SECRET_KEY": KEY_ENV, "SCW_DEFAULT_ZONE": "pl-waw-2"},
        {},
        {"region": "pl-waw"},
    ),
    (
        "a legacy region name is translated",
        {},
        {"SCW_SECRET_KEY": KEY_ENV, "SCW_REGION": "ams1"},
        {},
        {"region": "nl-ams"},
    ),
    (
        "SCW_DEFAULT_REGION wins over the profile's region",
        {},
        {"SCW_DEFAULT_REGION": "pl-waw"},
        {HOME_CONFIG: DEFAULT_CONFIG},
        {"region": "pl-waw"},
    ),
    (
        "the API URL loses its trailing slash",
        {"api_url": "http://127.0.0.1:8080/"},
        {"SCW_SECRET_KEY": KEY_ENV},
        {},
        {"api_url": "http://127.0.0.1:8080"},
    ),
    (
        "insecure in the profile turns certificate checks off",
        {},
        {},
        {HOME_CONFIG: f"secret_key: {KEY_ROOT}\ninsecure: true"},
        {"validate_certs": False},
    ),
    (
        "validate_certs wins over insecure",
        {"validate_certs": True},
        {"SCW_INSECURE": "true", "SCW_SECRET_KEY": KEY_ENV},
        {},
        {"validate_certs": True},
    ),
]

ERRORS = [
    (
        "no secret key anywhere names every place looked at",
        {},
        {},
        {},
        [
            "no Scaleway secret key found",
            "secret_key option",
            "SCW_SECRET_KEY",
            "home/.config/scw/config.yaml",
            "does not exist",
        ],
    ),
    (
        "an unknown profile names the profiles there",
        {"profile": "staging"},
        {},
        {HOME_CONFIG: DEFAULT_CONFIG},
        ["profile 'staging' does not exist", "dev, prod"],
    ),
    (
        "an unknown profile from SCW_PROFILE",
        {},
        {"SCW_PROFILE": "staging"},
        {HOME_CONFIG: DEFAULT_CONFIG},
        ["profile 'staging' does not exist"],
    ),
    ("a config_file that does not exist", {"config_file": "{tmp}/none.yaml"}, {}, {}, ["none.yaml does not exist"]),
    (
        "a config file that is not YAML",
        {},
        {},
        {HOME_CONFIG: "secret_key: [unclosed\n"},
        ["is not valid YAML", "line 1"],
    ),
    ("a config file that is not a mapping", {}, {}, {HOME_CONFIG: "- a\n- b\n"}, ["is not a scw config"]),
    (
        "a config file that cannot be read",
        {"config_file": "{tmp}/adir"},
        {},
        {"adir/keep": ""},
        ["cannot read scw config file", "adir"],
    ),
    (
        "a secret key that is not a UUID names its source, not its value",
        {},
        {"SCW_SECRET_KEY": "hunter2-not-a-uuid"},
        {},
        ["SCW_SECRET_KEY environment variable", "not a Scaleway secret key"],
    ),
    (
        "an invalid region",
        {"region": "us-east"},
        {"SCW_SECRET_KEY": KEY_ENV},
        {},
        ["region 'us-east'", "fr-par, nl-ams, pl-waw"],
    ),
    (
        "an invalid project id",
        {"project_id": "my-project"},
        {"SCW_SECRET_KEY": KEY_ENV},
        {},
        ["project_id from the project_id option is not a project id"],
    ),
    ("an invalid access key", {"access_key": "AKIA123"}, {"SCW_SECRET_KEY": KEY_ENV}, {}, ["access_key"]),
    (
        "an API URL that is not a URL",
        {"api_url": "api.scaleway.com"},
        {"SCW_SECRET_KEY": KEY_ENV},
        {},
        ["api_url from the api_url option is not an http(s) URL"],
    ),
]


def setup_files(tmp_path, files):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        path.chmod(0o600)


def environment(tmp_path, env):
    base = {"HOME": str(tmp_path / "home")}
    if (tmp_path / "xdg").exists():
        base["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    base.update((key, value.replace("{tmp}", str(tmp_path))) for key, value in env.items())
    return base


def options_for(tmp_path, options):
    return {
        key: value.replace("{tmp}", str(tmp_path)) if isinstance(value, str) else value
        for key, value in options.items()
    }


@pytest.mark.parametrize("case,options,env,files,expected", CASES, ids=[case[0] for case in CASES])
def test_resolution(tmp_path, case, options, env, files, expected):
    setup_files(tmp_path, files)
    settings = resolve(options_for(tmp_path, options), environment(tmp_path, env))
    for key, value in expected.items():
        if key.startswith("sources."):
            assert settings.sources[key.split(".", 1)[1]] == value
        else:
            assert getattr(settings, key) == value, case


@pytest.mark.parametrize("case,options,env,files,fragments", ERRORS, ids=[case[0] for case in ERRORS])
def test_errors_are_one_line_naming_the_cause(tmp_path, case, options, env, files, fragments):
    setup_files(tmp_path, files)
    with pytest.raises(ConfigError) as raised:
        resolve(options_for(tmp_path, options), environment(tmp_path, env))
    message = str(raised.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, case
    assert "hunter2" not in message


def test_a_config_file_readable_by_others_gets_a_warning(tmp_path):
    setup_files(tmp_path, {HOME_CONFIG: DEFAULT_CONFIG})
    os.chmod(str(tmp_path / HOME_CONFIG), 0o644)
    settings = resolve({}, environment(tmp_path, {}))
    assert len(settings.warnings) == 1 and "chmod 600" in settings.warnings[0]


def test_a_private_config_file_gets_no_warning(tmp_path):
    setup_files(tmp_path, {HOME_CONFIG: DEFAULT_CONFIG})
    assert resolve({}, environment(tmp_path, {})).warnings == []


def test_the_secret_key_never_shows_in_the_settings_repr(tmp_path):
    settings = resolve({"secret_key": KEY_OPTION}, environment(tmp_path, {}))
    assert KEY_OPTION not in repr(settings)


def test_without_a_key_the_rest_still_resolves_when_no_key_is_needed(tmp_path):
    # As for logging out: the region comes from the environment or the config, as when a key is there.
    settings = resolve({}, environment(tmp_path, {"SCW_DEFAULT_REGION": "nl-ams"}), require_secret_key=False)
    assert (settings.secret_key, settings.region, settings.sources["region"]) == (
        None,
        "nl-ams",
        "the SCW_DEFAULT_REGION environment variable",
    )


def test_a_bad_value_fails_even_when_no_key_is_needed(tmp_path):
    with pytest.raises(ConfigError, match="region 'us-east'"):
        resolve({}, environment(tmp_path, {"SCW_DEFAULT_REGION": "us-east"}), require_secret_key=False)


def test_a_region_option_names_one_region_a_list_or_all_of_the_known_ones():
    assert expand_regions("nl-ams") == ["nl-ams"]
    assert expand_regions(["fr-par", "pl-waw"]) == ["fr-par", "pl-waw"]
    assert expand_regions(["all"]) == list(REGISTRY_REGIONS)
    assert expand_regions("all", LOGIN_REGIONS) == ["fr-par", "nl-ams", "pl-waw", "it-mil"]


def test_unknown_regions_are_named_in_one_line_with_the_known_ones():
    with pytest.raises(ConfigError) as raised:
        expand_regions(["fr-par", "mars-1", "it-mil"])
    assert str(raised.value) == (
        "regions 'mars-1', 'it-mil' are not a Scaleway Container Registry region; use fr-par, nl-ams, pl-waw or all"
    )
