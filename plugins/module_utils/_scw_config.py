# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The scw config file and the SCW_* variables, read as the scw CLI reads them.

The controller resolves its settings with this, and the docker-credential-scw script that
credential_helper installs embeds this very file (its source, by inspect.getsource) to find the
secret key on hosts. So it imports only the standard library, and runs on Python 3.7 and later.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Mapping, NoReturn

DEFAULT_PROFILE = "default"

# option -> (environment variables, most recent name first; key in a scw config profile)
FIELDS = {
    "secret_key": (("SCW_SECRET_KEY", "SCW_TOKEN", "SCALEWAY_TOKEN"), "secret_key"),
    "access_key": (("SCW_ACCESS_KEY", "SCALEWAY_ACCESS_KEY"), "access_key"),
    "api_url": (("SCW_API_URL",), "api_url"),
    "project_id": (("SCW_DEFAULT_PROJECT_ID",), "default_project_id"),
    "organization_id": (
        ("SCW_DEFAULT_ORGANIZATION_ID", "SCW_ORGANIZATION", "SCALEWAY_ORGANIZATION"),
        "default_organization_id",
    ),
    "region": (("SCW_DEFAULT_REGION", "SCW_REGION", "SCALEWAY_REGION"), "default_region"),
    "zone": (("SCW_DEFAULT_ZONE",), "default_zone"),
    "insecure": (("SCW_INSECURE",), "insecure"),
}

_KEY_RE = re.compile(r"^([A-Za-z0-9_.-]+):(?:\s+(.*))?$")
# What YAML allows and a scw config never holds: flow collections, anchors, aliases, tags, block scalars.
_UNSUPPORTED_START = ("[", "{", "&", "*", "!", "|", ">", "%", "@", "`")


class ConfigError(Exception):
    """The options, environment or config file cannot give usable settings."""


class Profile:
    """The selected profile of a scw config file: its values (root keys overridden by the profile's), and where
    they came from, for messages."""

    def __init__(self, values, name, label, path, where, document):
        self.values = values
        self.name = name
        self.label = label  # what chose the profile: the option, SCW_PROFILE, active_profile, or None
        self.path = path
        self.where = where  # "profile 'x' of <file>", for messages
        self.document = document  # the whole file (see parse), or None when there is none


def read_profile(
    config_file: str | None = None, profile: str | None = None, env: Mapping[str, str] | None = None
) -> Profile:
    """The profile that the scw CLI would use, given the config_file and profile options (None when unset)."""
    env = os.environ if env is None else env
    path, label, must_exist = config_path(config_file, env)
    document = load(path, must_exist)
    name, chosen_by = profile_name(profile, env, document)
    return Profile(
        profile_values(document, name, path), name, chosen_by, path, f"profile '{name}' of {label}", document
    )


def first(option: Any, field: str, env: Mapping[str, str], profile: Profile) -> tuple[Any, str | None]:
    """(value, where it came from) of a field: the option, else its SCW_* variable, else the profile; else
    (None, None)."""
    variables, key = FIELDS[field]
    if option not in (None, ""):
        return option, f"the {field} option"
    for variable in variables:
        if env.get(variable):
            return env[variable], f"the {variable} environment variable"
    if profile.values.get(key) not in (None, ""):
        return profile.values[key], f"{key} in {profile.where}"
    return None, None


def secret_key(config_file: str | None = None, profile: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The secret key, as the scw CLI finds it; ConfigError when there is none."""
    env = os.environ if env is None else env
    selected = read_profile(config_file, profile, env)
    key = first(None, "secret_key", env, selected)[0]
    if key is None:
        raise ConfigError("no secret key in {}, nor in {}".format(selected.where, "/".join(FIELDS["secret_key"][0])))
    return key


def config_path(config_file: str | None, env: Mapping[str, str]) -> tuple[str, str, bool]:
    """The config file to read, how to name it, and whether it must exist."""
    if config_file:
        return os.path.expanduser(config_file), f"config_file {config_file}", True
    if env.get("SCW_CONFIG_PATH"):
        return env["SCW_CONFIG_PATH"], "{} (SCW_CONFIG_PATH)".format(env["SCW_CONFIG_PATH"]), False
    if env.get("XDG_CONFIG_HOME"):
        path = os.path.join(env["XDG_CONFIG_HOME"], "scw", "config.yaml")
    else:
        path = os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config", "scw", "config.yaml")
    return path, path, False


def load(path: str, must_exist: bool) -> dict[str, Any] | None:
    """The document of the file (see parse), or None when it does not exist and need not."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"scw config file {path} does not exist: fix config_file or remove it") from None
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read scw config file {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"scw config file {path} is not valid YAML: it is not UTF-8 text") from None
    return parse(text, path)


def parse(text: str, path: str) -> dict[str, Any]:
    """{root keys, "profiles": {name: {keys}}} of the text of a scw config file.

    scw writes flat YAML: `key: value` lines, and under `profiles:` a mapping of keys per profile. This
    reads that (block mappings, plain and quoted scalars, comments) with the standard library, so that hosts
    need no PyYAML; the YAML a scw config does not use is refused, with its line and column.
    """
    document: dict[str, Any] = {}
    profiles: dict[str, dict[str, str | None]] | None = None
    profile: dict[str, str | None] | None = None
    profile_indent: int | None = None
    key_indent: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        content = _without_comment(line).rstrip()
        if not content.strip() or (not line.startswith(" ") and content in ("---", "...")):
            continue
        indent = len(content) - len(content.lstrip(" "))
        if content[indent] == "\t":
            _invalid(path, "a tab indents a line (YAML indents with spaces)", number, indent)
        if (indent == 0 and content.startswith(("- ", "-\t"))) or content == "-":
            raise ConfigError(f"scw config file {path} is not a scw config: expected a mapping of keys and 'profiles'")
        key, value = _key_value(content[indent:], path, number, indent)
        if indent == 0:
            profiles = profile = None
            if key == "profiles":
                _expect_mapping(value, path, number, indent)
                profiles = document.setdefault("profiles", {})
                profile_indent = None
            else:
                document[key] = _scalar(value, path, number, indent)
        elif profiles is not None and profile_indent in (None, indent):
            _expect_mapping(value, path, number, indent)
            profile_indent, key_indent = indent, None
            profile = profiles[key] = {}
        elif (
            profile is not None
            and profile_indent is not None
            and indent > profile_indent
            and key_indent
            in (
                None,
                indent,
            )
        ):
            key_indent = indent
            profile[key] = _scalar(value, path, number, indent)
        else:
            _invalid(path, "unexpected indentation", number, indent)
    return document


def profile_name(option: str | None, env: Mapping[str, str], document: dict[str, Any] | None) -> tuple[str, str | None]:
    """The profile to use, and what chose it (None for the default)."""
    if option:
        return option, "the profile option"
    if env.get("SCW_PROFILE"):
        return env["SCW_PROFILE"], "SCW_PROFILE"
    if document and document.get("active_profile"):
        return str(document["active_profile"]), "active_profile"
    return DEFAULT_PROFILE, None


def profile_values(document: dict[str, Any] | None, name: str, path: str) -> dict[str, Any]:
    """The root keys, overridden by the named profile's keys that are set."""
    document = document or {}
    root = {key: value for key, value in document.items() if key not in ("profiles", "active_profile")}
    if name == DEFAULT_PROFILE:
        return root
    profiles = document.get("profiles") or {}
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(
            "profile '{}' does not exist in {} (profiles there: {})".format(
                name, path if document else f"{path}, which does not exist", known
            )
        )
    merged = dict(root)
    merged.update((key, value) for key, value in profiles[name].items() if value not in (None, ""))
    return merged


def _without_comment(line):
    """The line without its comment: a # that starts the line or follows a space, outside quotes."""
    quote, escaped = None, False
    for index, character in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif character == "\\" and quote == '"':
                escaped = True
            elif character == quote:
                quote = None
        elif character in "\"'" and (index == 0 or line[index - 1] in " :"):
            quote = character
        elif character == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


def _key_value(content, path, number, indent):
    match = _KEY_RE.match(content)
    if match is None:
        _invalid(path, "expected a 'key: value' line", number, indent)
    return match.group(1), (match.group(2) or "").strip()


def _expect_mapping(value, path, number, indent):
    if value not in ("", "{}"):
        _invalid(path, "expected a mapping of keys below this line", number, indent)


def _scalar(value, path, number, indent):
    """A value as a string, or None for an empty or null one."""
    column = indent
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value.startswith('"'):
        try:
            decoded, end = json.JSONDecoder().raw_decode(value)
        except ValueError:
            decoded, end = None, -1
        if end != len(value):
            _invalid(path, "a double-quoted value that does not end with its quote", number, column)
        return decoded
    if value.startswith("'"):
        if len(value) < 2 or not value.endswith("'") or "'" in value[1:-1].replace("''", ""):
            _invalid(path, "a single-quoted value that does not end with its quote", number, column)
        return value[1:-1].replace("''", "'")
    if value.startswith(_UNSUPPORTED_START):
        _invalid(
            path,
            f"'{value[0]}' starts YAML that a scw config does not use (flow collections, anchors, tags, block"
            " scalars); write the value plain or quoted",
            number,
            column,
        )
    return value


def _invalid(path: str, problem: str, number: int, column: int) -> NoReturn:
    raise ConfigError(f"scw config file {path} is not valid YAML: {problem} at line {number}, column {column + 1}")
