# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""docker's config.json and podman's auth.json on a host: where they are, what they say, how to change them.

It runs on managed hosts, with their Python 3 and its standard library only. Files are rewritten
through the one atomic writer, keeping every key this code does not own, the file's mode and its owner.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import re
from typing import Any, Container, Iterable

from ansible_collections.scaleway.registry.plugins.module_utils._host_files import (
    HostFileError,
    followed_link,
    make_directories,
    write_file,
)


def home() -> str:
    """The home of the user the code runs as: $HOME, else the password database's."""
    return os.environ.get("HOME") or pwd.getpwuid(os.geteuid()).pw_dir


def registry_host(region: str) -> str:
    return f"rg.{region}.scw.cloud"


# A registry as docker and podman name it: a host name or an IP address, and an optional port. Nothing that a
# command line could take for an option, a path or a URL.
# The username of every login to a Scaleway registry, as the scw CLI gives it (registry login and docker-helper);
# the registries check only the secret key.
REGISTRY_USERNAME = "scaleway"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
REGISTRY_PATTERN = re.compile(rf"^(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?$")


def registry_problems(registries: Iterable[str | None], option: str) -> list[str]:
    """One line for each registry that is not host or host:port, naming the option."""
    return [
        f"{option}: {registry!r} is not a registry host; write host or host:port, such as rg.fr-par.scw.cloud or"
        " 127.0.0.1:5000"
        for registry in registries
        if not REGISTRY_PATTERN.match(registry or "")
    ]


def docker_config_path(config_dir: str | None = None) -> str:
    """config.json in config_dir, else in $DOCKER_CONFIG, else in ~/.docker."""
    directory = config_dir or os.environ.get("DOCKER_CONFIG") or os.path.join(home(), ".docker")
    return os.path.join(directory, "config.json")


def podman_auth_path(authfile: str | None = None) -> str:
    """podman's auth file: authfile, else $REGISTRY_AUTH_FILE, else in $XDG_RUNTIME_DIR, else /run/containers/<uid>."""
    if authfile or os.environ.get("REGISTRY_AUTH_FILE"):
        return authfile or os.environ["REGISTRY_AUTH_FILE"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "containers", "auth.json")
    return os.path.join("/run/containers", str(os.getuid()), "auth.json")


class ConfigFileError(Exception):
    """A config file that cannot be read or is not a JSON object."""


def edited_path(path: str) -> str:
    """The file to read and write for path: the target of a dotfile manager's link, which stays a link."""
    try:
        return followed_link(path) or path
    except HostFileError as exc:
        raise ConfigFileError(str(exc)) from exc


def load(path: str) -> dict[str, Any] | None:
    """(the JSON object, or None when the file does not exist). An empty file is an empty object."""
    try:
        with open(edited_path(path)) as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigFileError(f"{path} is not valid JSON ({exc}); fix or remove it") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path} is not a JSON object; fix or remove it")
    return data


def dumps(data: Any) -> str:
    return json.dumps(data, indent="\t") + "\n"


def write(path: str, data: Any) -> list[str]:
    """Write data through the one atomic writer. An existing file keeps its mode and owner; a new one is 0600, in
    directories made 0700, owned like its directory (so that root writing a user's config leaves it that user's).
    A link keeps pointing to the file, which gets the new content. Returns the directories it made."""
    target = edited_path(path)
    created = make_directories(target, 0o700)
    try:
        reference = os.stat(target)
    except FileNotFoundError:
        reference = os.stat(os.path.dirname(target))
        reference_mode = 0o600
    else:
        reference_mode = reference.st_mode & 0o7777
    write_file(target, dumps(data), reference_mode, reference.st_uid, reference.st_gid)
    return created


# The keys of a config whose values are credentials, wherever they are; and every auths entry, whole.
CREDENTIAL_KEYS = frozenset(("auth", "identitytoken", "password", "registrytoken"))
HIDDEN = "(hidden)"


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: HIDDEN if key in CREDENTIAL_KEYS else _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def masked(data: Any, other: Any = None) -> Any:
    """A copy of a config fit for a diff or a result: each auths entry shows that credentials are there, and
    whether they differ from other's, never what they are; any credential key elsewhere is hidden too."""
    if not isinstance(data, dict):
        return data
    result = _masked(data)
    auths = data.get("auths")
    if isinstance(auths, dict):
        other_auths = (other or {}).get("auths") if isinstance(other, dict) else None
        other_auths = other_auths if isinstance(other_auths, dict) else {}
        result["auths"] = {
            registry: "(credentials)" if other_auths.get(registry, entry) == entry else "(other credentials)"
            for registry, entry in auths.items()
        }
    return result


def with_helpers(data: dict[str, Any] | None, registries: Iterable[str], helper: str) -> dict[str, Any]:
    """A copy of data where credHelpers sends each registry to helper."""
    result = dict(data or {})
    helpers = dict(result.get("credHelpers") or {})
    helpers.update((registry, helper) for registry in registries)
    result["credHelpers"] = helpers
    return result


def without_helpers(data: dict[str, Any] | None, registries: Container[str], helper: str) -> dict[str, Any]:
    """A copy of data without the credHelpers entries that send these registries to helper."""
    result = dict(data or {})
    helpers = {
        registry: name
        for registry, name in (result.get("credHelpers") or {}).items()
        if not (registry in registries and name == helper)
    }
    if helpers:
        result["credHelpers"] = helpers
    else:
        result.pop("credHelpers", None)
    return result


def shadowing_auths(data: dict[str, Any] | None, registries: Iterable[str]) -> list[str]:
    """The registries that also have an auths entry, which some clients use instead of the helper."""
    auths = (data or {}).get("auths") or {}
    return sorted(registry for registry in registries if registry in auths)


def without_auths(data: dict[str, Any] | None, registries: Container[str]) -> dict[str, Any]:
    result = dict(data or {})
    auths = {registry: entry for registry, entry in (result.get("auths") or {}).items() if registry not in registries}
    if auths or "auths" in (data or {}):
        result["auths"] = auths
    return result


def stored_login(data: dict[str, Any] | None, registry: str) -> tuple[str, str] | None:
    """(username, secret) stored in the auths of a config for registry, or None."""
    entry = ((data or {}).get("auths") or {}).get(registry) or {}
    try:
        decoded = base64.b64decode(entry.get("auth") or "").decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    username, separator, secret = decoded.partition(":")
    return (username, secret) if separator else None


def helper_for(data: dict[str, Any] | None, registry: str) -> str | None:
    """The credential helper that serves registry: its credHelpers entry, else credsStore, else None."""
    data = data or {}
    return (data.get("credHelpers") or {}).get(registry) or data.get("credsStore") or None
