# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The docker-credential-scw script that the credential_helper module installs on hosts.

It runs on managed hosts, with their Python 3 and its standard library only.
"""

from __future__ import annotations

import ast
import inspect
import json
import re

from ansible_collections.scaleway.registry.plugins.module_utils import _scw_config
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import REGISTRY_USERNAME
from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

HELPER_NAME = "scw"  # docker runs docker-credential-<name>

# The script, with CONFIG filled in by render(). It implements the docker credential-helper protocol:
# get, list, store, erase (the last two do nothing, as scw's own helper), and version.
_TEMPLATE = r"""#!%(python)s
# docker-credential-scw: gives docker, podman and skopeo the Scaleway secret key for the registries below.
# Installed by the scaleway.registry.credential_helper Ansible module, which overwrites changes.
# What follows up to CONFIG is the collection's scw config reader, the one its controller side uses.
%(scw_config)s

import json
import os
import sys

CONFIG = json.loads(%(config)r)
NOT_FOUND = "credentials not found in native keychain"


def server_name(url):
    url = url.strip()
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme):]
    return url.rstrip("/")


def secret():
    if CONFIG["source"] == "file":
        with open(CONFIG["secret_file"]) as handle:
            return handle.read().strip()
    return secret_key(CONFIG.get("config_file"), CONFIG.get("profile"))


def main(arguments):
    action = arguments[1] if len(arguments) > 1 else ""
    if CONFIG["source"] == "scw_cli":
        profile = ["--profile", CONFIG["profile"]] if CONFIG.get("profile") else []
        os.execvp("scw", ["scw"] + profile + ["registry", "docker-helper"] + arguments[1:])
    if action == "get":
        server = server_name(sys.stdin.read())
        if server not in CONFIG["registries"]:
            sys.stdout.write(NOT_FOUND + "\n")
            return 1
        try:
            key = secret()
        except (OSError, ConfigError) as exc:
            sys.stdout.write("docker-credential-scw: cannot read the secret key: %%s\n" %% exc)
            return 1
        sys.stdout.write(json.dumps({"ServerURL": server, "Username": CONFIG["username"], "Secret": key}))
        return 0
    if action == "list":
        sys.stdout.write(json.dumps(dict((registry, CONFIG["username"]) for registry in CONFIG["registries"])))
        return 0
    if action in ("store", "erase"):
        sys.stdin.read()
        return 0
    if action == "version":
        sys.stdout.write("docker-credential-scw (scaleway.registry %%s)\n" %% CONFIG["version"])
        return 0
    sys.stdout.write("usage: docker-credential-scw get|list|store|erase|version\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""


def render(
    python,
    registries,
    source,
    secret_file=None,
    config_file=None,
    profile=None,
    created_directories=(),
    configs=(),
    created_files=(),
    access_key=None,
):
    """The script's text: the interpreter path goes in the shebang, the rest in CONFIG.

    With access_key (a key of the host's own, see the access option), the script answers with it as the user
    name, which the registries do not check, and records it, so that the module tells which key the host holds.

    The installed script is the record of the install, so that a removal takes away what it added and nothing
    else: the secret file, the config files that got entries (configs) and those of them it created
    (created_files), and the directories it made for its files (created_directories, removed when empty).
    """
    config = json.dumps(
        {
            "registries": sorted(registries),
            "username": access_key or REGISTRY_USERNAME,
            "access_key": access_key,
            "source": source,
            "secret_file": secret_file,
            "config_file": config_file,
            "profile": profile,
            "created_directories": sorted(created_directories),
            "configs": sorted(configs),
            "created_files": sorted(created_files),
            "version": COLLECTION_VERSION,
        },
        sort_keys=True,
    )
    return _TEMPLATE % {"python": python, "config": config, "scw_config": _scw_config_source()}


def _scw_config_source():
    """_scw_config.py as the script embeds it: its code, from its future import on (the script has its own header)."""
    source = inspect.getsource(_scw_config)
    return source[source.index("from __future__ import annotations") :].rstrip("\n")


# What a summary of the script shows, in this order: its interpreter, then the settings of its CONFIG.
_SUMMARY = (
    ("source", "source"),
    ("access_key", "access key"),
    ("registries", "registries"),
    ("secret_file", "secret file"),
    ("config_file", "scw config"),
    ("profile", "profile"),
    ("configs", "configs"),
    ("created_files", "created"),
    ("created_directories", "made directories"),
)


def summary(script):
    """One line that says what a script is: for the diff, in place of its hundred lines."""
    if script is None:
        return ""
    config = installed_config(script)
    if config is None:
        return "a file that the module did not install\n"
    python = script.split("\n", 1)[0][2:]
    parts = ["docker-credential-scw %s" % (config.get("version") or "(an earlier version)"), f"python {python}"]
    for key, label in _SUMMARY:
        value = config.get(key)
        if value:
            parts.append("{} {}".format(label, ", ".join(value) if isinstance(value, list) else value))
    return "; ".join(parts) + "\n"


def installed_config(script):
    """The CONFIG of a script render() made, or None for any other text."""
    match = re.search(r"^CONFIG = json\.loads\((.*)\)$", script or "", re.MULTILINE)
    try:
        return json.loads(ast.literal_eval(match.group(1))) if match else None
    except (ValueError, SyntaxError):
        return None
