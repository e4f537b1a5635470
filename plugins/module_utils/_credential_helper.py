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
import json
import re

from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

HELPER_NAME = "scw"  # docker runs docker-credential-<name>
USERNAME = "scaleway"  # what `scw registry docker-helper` answers; the registry checks only the secret

# The script, with CONFIG filled in by render(). It implements the docker credential-helper protocol:
# get, list, store, erase (the last two do nothing, as scw's own helper), and version.
_TEMPLATE = r'''#!%(python)s
# docker-credential-scw: gives docker, podman and skopeo the Scaleway secret key for the registries below.
# Installed by the scaleway.registry.credential_helper Ansible module, which overwrites changes.
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


def scw_config_path():
    if CONFIG.get("config_file"):
        return CONFIG["config_file"]
    if os.environ.get("SCW_CONFIG_PATH"):
        return os.environ["SCW_CONFIG_PATH"]
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "scw", "config.yaml")


def read_scw_config(path):
    """The root keys and the profiles of a scw config file (its flat YAML: keys, and profiles of keys)."""
    root, profiles, profile, in_profiles, name_indent = {}, {}, None, False, None
    with open(path) as handle:
        for line in handle:
            text = line.split(" #", 1)[0].rstrip()
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            indent = len(text) - len(text.lstrip())
            key, value = text.strip().partition(":")[::2]
            value = value.strip().strip("\"'")
            if indent == 0:
                in_profiles, profile = key == "profiles", None
                if not in_profiles and value:
                    root[key] = value
            elif in_profiles and (name_indent is None or indent <= name_indent):
                name_indent = indent
                profile = profiles.setdefault(key, {})
            elif profile is not None and value:
                # An empty value sets nothing: the root key still applies, as for the scw CLI.
                profile[key] = value
    return root, profiles


def secret_from_scw_config():
    """As the scw CLI: SCW_SECRET_KEY, else the selected profile (over the root keys) of the config file."""
    if os.environ.get("SCW_SECRET_KEY"):
        return os.environ["SCW_SECRET_KEY"]
    root, profiles = read_scw_config(scw_config_path())
    name = CONFIG.get("profile") or os.environ.get("SCW_PROFILE") or root.get("active_profile") or "default"
    values = dict(root)
    if name != "default":
        if name not in profiles:
            raise LookupError("profile %%s does not exist in %%s" %% (name, scw_config_path()))
        values.update(profiles[name])
    if not values.get("secret_key"):
        raise LookupError("no secret_key in profile %%s of %%s" %% (name, scw_config_path()))
    return values["secret_key"]


def secret():
    if CONFIG["source"] == "file":
        with open(CONFIG["secret_file"]) as handle:
            return handle.read().strip()
    return secret_from_scw_config()


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
        except (OSError, LookupError) as exc:
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
'''


def render(python, registries, source, secret_file=None, config_file=None, profile=None, created_directories=(),
           configs=(), created_files=()):
    """The script's text: the interpreter path goes in the shebang, the rest in CONFIG.

    The installed script is the record of the install, so that a removal takes away what it added and nothing
    else: the secret file, the config files that got entries (configs) and those of them it created
    (created_files), and the directories it made for its files (created_directories, removed when empty).
    """
    config = json.dumps({"registries": sorted(registries), "username": USERNAME, "source": source,
                         "secret_file": secret_file, "config_file": config_file, "profile": profile,
                         "created_directories": sorted(created_directories), "configs": sorted(configs),
                         "created_files": sorted(created_files), "version": COLLECTION_VERSION}, sort_keys=True)
    return _TEMPLATE % {"python": python, "config": config}


# What a summary of the script shows, in this order: its interpreter, then the settings of its CONFIG.
_SUMMARY = (("source", "source"), ("registries", "registries"), ("secret_file", "secret file"),
            ("config_file", "scw config"), ("profile", "profile"), ("configs", "configs"),
            ("created_files", "created"), ("created_directories", "made directories"))


def summary(script):
    """One line that says what a script is: for the diff, in place of its hundred lines."""
    if script is None:
        return ""
    config = installed_config(script)
    if config is None:
        return "a file that the module did not install\n"
    python = script.split("\n", 1)[0][2:]
    parts = ["docker-credential-scw %s" % (config.get("version") or "(an earlier version)"), "python %s" % python]
    for key, label in _SUMMARY:
        value = config.get(key)
        if value:
            parts.append("%s %s" % (label, ", ".join(value) if isinstance(value, list) else value))
    return "; ".join(parts) + "\n"


def installed_config(script):
    """The CONFIG of a script render() made, or None for any other text."""
    match = re.search(r"^CONFIG = json\.loads\((.*)\)$", script or "", re.MULTILINE)
    try:
        return json.loads(ast.literal_eval(match.group(1))) if match else None
    except (ValueError, SyntaxError):
        return None
