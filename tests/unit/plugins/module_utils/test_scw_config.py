# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The standard-library reader of scw config files: what it reads must be what PyYAML reads, as strings."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.scaleway.registry.plugins.module_utils._scw_config import ConfigError, parse

KEY = "11111111-1111-4111-8111-111111111111"

# Files as scw writes them, and as people edit them.
READABLE = [
    "",
    "# only a comment\n",
    f"---\nsecret_key: {KEY}\n...\n",
    f"access_key: SCWXXXXXXXXXXXXXXXXX\nsecret_key: {KEY}\ndefault_region: fr-par\ndefault_zone: fr-par-1\n",
    f"secret_key: {KEY}  # the root key\nactive_profile: dev\nprofiles:\n  dev:\n    secret_key: '{KEY}'\n"
    f'    default_region: "nl-ams"\n  prod:\n    default_project_id: {KEY} # prod\n',
    f"profiles:\n    dev:\n        default_region: pl-waw\n    empty:\nsecret_key: {KEY}\n",
    f"profiles: {{}}\nsecret_key: {KEY}\r\n",
    "api_url: http://127.0.0.1:8080/#not-a-comment\nsend_telemetry: true\ninsecure: false\n",
    "secret_key:\ndefault_region: ~\ndefault_zone: null\nprofiles:\n  p:\n    secret_key: ''\n",
    "name: 'it''s' \nother: \"a \\\"quoted\\\" # value\"\n",
]


def scalar(value):
    """A value as scw sees it: a string, and an empty value is none."""
    if isinstance(value, bool):
        return str(value).lower()
    return None if value is None or value == "" else str(value)


def normalised(document):
    """A document as scw uses it: scalars as strings, and a profile without keys as an empty mapping."""
    result = {key: scalar(value) for key, value in document.items() if key != "profiles"}
    if "profiles" in document:
        result["profiles"] = {
            name: {key: scalar(value) for key, value in (keys or {}).items()}
            for name, keys in (document["profiles"] or {}).items()
        }
    return result


@pytest.mark.parametrize("text", READABLE)
def test_a_scw_config_reads_as_pyyaml_reads_it(text):
    assert normalised(parse(text, "config.yaml")) == normalised(yaml.safe_load(text) or {})


@pytest.mark.parametrize(
    "text, problem",
    [
        ("secret_key: [unclosed\n", "'[' starts YAML that a scw config does not use"),
        (f"secret_key: &key {KEY}\n", "'&' starts YAML"),
        ("profiles:\n  dev: {secret_key: x}\n", "expected a mapping of keys below this line at line 2, column 3"),
        (f"secret_key {KEY}\n", "expected a 'key: value' line at line 1, column 1"),
        ("profiles:\n  dev:\n    a: b\n      c: d\n", "unexpected indentation at line 4, column 7"),
        (f'secret_key: "{KEY}\n', "a double-quoted value that does not end with its quote"),
        ("secret_key: 'a'b'\n", "a single-quoted value that does not end with its quote"),
        ("profiles:\n\tdev:\n", "a tab indents a line"),
    ],
)
def test_yaml_a_scw_config_does_not_use_is_refused_with_its_place(text, problem):
    with pytest.raises(ConfigError) as error:
        parse(text, "/etc/scw.yaml")
    assert str(error.value).startswith("scw config file /etc/scw.yaml is not valid YAML: ")
    assert problem in str(error.value)


def test_a_list_is_not_a_scw_config():
    with pytest.raises(ConfigError, match="is not a scw config: expected a mapping"):
        parse("- a\n- b\n", "config.yaml")
