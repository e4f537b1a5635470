# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""docker's config.json and podman's auth.json on a host: where they are, what they say, how to change them.

It runs on managed hosts, with their Python 3 and its standard library only. Files are rewritten
atomically, keeping every key this code does not own, the file's mode and its owner.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import tempfile

# Registry regions of Scaleway: the registry API's three, and it-mil, which `scw registry login` also knows.
LOGIN_REGIONS = ("fr-par", "nl-ams", "pl-waw", "it-mil")


def home():
    """The home of the user the code runs as: $HOME, else the password database's."""
    return os.environ.get("HOME") or pwd.getpwuid(os.geteuid()).pw_dir


def registry_host(region):
    return "rg.%s.scw.cloud" % region


def docker_config_path(config_dir=None, environ=None):
    """config.json in config_dir, else in $DOCKER_CONFIG, else in ~/.docker."""
    environ = os.environ if environ is None else environ
    directory = config_dir or environ.get("DOCKER_CONFIG") or os.path.join(home(), ".docker")
    return os.path.join(directory, "config.json")


def podman_auth_path(authfile=None, environ=None, uid=None):
    """podman's auth file: authfile, else $REGISTRY_AUTH_FILE, else in $XDG_RUNTIME_DIR, else /run/containers/<uid>."""
    environ = os.environ if environ is None else environ
    if authfile or environ.get("REGISTRY_AUTH_FILE"):
        return authfile or environ["REGISTRY_AUTH_FILE"]
    if environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(environ["XDG_RUNTIME_DIR"], "containers", "auth.json")
    return os.path.join("/run/containers", str(os.getuid() if uid is None else uid), "auth.json")


class ConfigFileError(Exception):
    """A config file that cannot be read or is not a JSON object."""


def load(path):
    """(the JSON object, or None when the file does not exist). An empty file is an empty object."""
    try:
        with open(path) as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, IOError) as exc:
        raise ConfigFileError("cannot read %s: %s" % (path, exc.strerror or exc))
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigFileError("%s is not valid JSON (%s); fix or remove it" % (path, exc))
    if not isinstance(data, dict):
        raise ConfigFileError("%s is not a JSON object; fix or remove it" % path)
    return data


def write(path, data):
    """Write atomically: an existing file keeps its mode and owner; a new one is 0600 in a 0700 directory,
    owned like its directory (so that root writing a user's config leaves it that user's)."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    try:
        reference = os.stat(path)
    except FileNotFoundError:
        reference = None
    descriptor, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle, indent="\t")
            handle.write("\n")
        owner = reference or os.stat(directory)
        os.chmod(temporary, (reference.st_mode & 0o7777) if reference else 0o600)
        if os.geteuid() == 0:
            os.chown(temporary, owner.st_uid, owner.st_gid)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def with_helpers(data, registries, helper):
    """A copy of data where credHelpers sends each registry to helper."""
    result = dict(data or {})
    helpers = dict(result.get("credHelpers") or {})
    helpers.update((registry, helper) for registry in registries)
    result["credHelpers"] = helpers
    return result


def without_helpers(data, registries, helper):
    """A copy of data without the credHelpers entries that send these registries to helper."""
    result = dict(data or {})
    helpers = dict((registry, name) for registry, name in (result.get("credHelpers") or {}).items()
                   if not (registry in registries and name == helper))
    if helpers:
        result["credHelpers"] = helpers
    else:
        result.pop("credHelpers", None)
    return result


def shadowing_auths(data, registries):
    """The registries that also have an auths entry, which some clients use instead of the helper."""
    auths = (data or {}).get("auths") or {}
    return sorted(registry for registry in registries if registry in auths)


def without_auths(data, registries):
    result = dict(data or {})
    auths = dict((registry, entry) for registry, entry in (result.get("auths") or {}).items()
                 if registry not in registries)
    if auths or "auths" in (data or {}):
        result["auths"] = auths
    return result


def stored_login(data, registry):
    """(username, secret) stored in the auths of a config for registry, or None."""
    entry = ((data or {}).get("auths") or {}).get(registry) or {}
    try:
        decoded = base64.b64decode(entry.get("auth") or "").decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    username, separator, secret = decoded.partition(":")
    return (username, secret) if separator else None


def helper_for(data, registry):
    """The credential helper that serves registry: its credHelpers entry, else credsStore, else None."""
    data = data or {}
    return (data.get("credHelpers") or {}).get(registry) or data.get("credsStore") or None
