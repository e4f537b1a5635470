# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Resolve credentials, region and endpoint exactly as the scw CLI does.

Each value comes from the first of: the option, its SCW_* environment variable, the
selected profile of the scw config file (a named profile overrides the root keys),
a built-in default. Nothing here knows Ansible.
"""

from __future__ import annotations

import os
import re
import stat

from ansible_collections.scaleway.registry.plugins.module_utils._scw_config import (
    FIELDS,
    ConfigError,
    first,
    read_profile,
)

REGISTRY_REGIONS = ("fr-par", "nl-ams", "pl-waw")
# The registries' hosts (rg.<region>.scw.cloud) of the scw CLI's login and docker-helper: it-mil besides.
LOGIN_REGIONS = (*REGISTRY_REGIONS, "it-mil")
DEFAULT_API_URL = "https://api.scaleway.com"
DEFAULT_REGION = "fr-par"

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCESS_KEY_RE = re.compile(r"^SCW[A-Z0-9]{17}$")
ZONE_RE = re.compile(r"^([a-z]{2}-[a-z]{3,7})-[0-9]{1,2}$")

LEGACY_REGIONS = {"par1": "fr-par", "ams1": "nl-ams"}

# The connection options, documented once in the scaleway.registry.scaleway doc fragment.
# No defaults here: None means "not set", so that SCW_* variables and the scw config can fill in.
# ACCOUNT_ARGS are what the controller reads, whatever a module's or plugin's region option is: the API modules
# take them with region (CONNECTION_ARGS); the action plugins of the host modules and the inventory plugin read
# them beside their own region option. The host modules declare them too, because validate-modules wants every
# documented option in the argument_spec; their action plugin takes them out, so only secret_key reaches a host.
ACCOUNT_ARGS = dict(
    secret_key=dict(type="str", no_log=True),
    access_key=dict(type="str", no_log=False),
    profile=dict(type="str"),
    config_file=dict(type="path"),
    api_url=dict(type="str"),
    project_id=dict(type="str"),
    organization_id=dict(type="str"),
    api_timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool"),
)
CONNECTION_ARGS = dict(ACCOUNT_ARGS, region=dict(type="str"))


def regions_arg(default=None):
    """The region option of what works in several regions at once: one region, a list of them, or `all`.

    A list, so that a single region (a string) is a list of one; expand_regions() reads it."""
    return dict(type="list", elements="str", default=default)


class Settings:
    """Resolved connection settings, with where each value came from."""

    def __init__(self, values, sources, profile, warnings):
        self.secret_key = values["secret_key"]
        self.api_url = values["api_url"]
        self.region = values["region"]
        self.project_id = values["project_id"]
        self.organization_id = values["organization_id"]
        self.validate_certs = values["validate_certs"]
        self.api_timeout = values["api_timeout"]
        self.sources = sources
        self.profile = profile
        self.warnings = warnings

    def __repr__(self):  # never show the secret key
        return (
            f"Settings(api_url={self.api_url!r}, region={self.region!r}, project_id={self.project_id!r},"
            f" profile={self.profile!r})"
        )


def resolve(options, env=None, regions=REGISTRY_REGIONS, require_secret_key=True):
    """Resolve the settings from module or plugin options (None means unset) and the environment.
    Without require_secret_key, a missing key is left None, for callers that need only the rest."""
    env = os.environ if env is None else env
    profile = read_profile(options.get("config_file"), options.get("profile"), env)
    values, sources = {}, {}
    for field in FIELDS:
        values[field], sources[field] = first(options.get(field), field, env, profile)

    if values["secret_key"] is None and require_secret_key:
        raise ConfigError(
            "no Scaleway secret key found: looked at the secret_key option, the environment variables {},"
            " and secret_key in {}{}{}; set one of them".format(
                "/".join(FIELDS["secret_key"][0]),
                profile.where,
                "" if profile.document is not None else ", which does not exist",
                f" (profile chosen by {profile.label})" if profile.label else "",
            )
        )
    _check_uuid(values, sources, "secret_key", "a Scaleway secret key")
    _check_uuid(values, sources, "project_id", "a project id")
    _check_uuid(values, sources, "organization_id", "an organization id")
    if values["access_key"] is not None and not ACCESS_KEY_RE.match(str(values["access_key"])):
        raise ConfigError(
            "access_key from {} is not a Scaleway access key (SCW followed by 17 capitals or digits)".format(
                sources["access_key"]
            )
        )

    values["api_url"], sources["api_url"] = _api_url(values["api_url"], sources["api_url"])
    values["region"], sources["region"] = _region(values, sources, regions)
    values["validate_certs"] = _validate_certs(options.get("validate_certs"), values["insecure"])
    values["api_timeout"] = options.get("api_timeout") or 30
    return Settings(values, sources, profile.name, _permission_warnings(profile))


def _check_uuid(values, sources, field, what):
    value = values[field]
    if value is not None and not (isinstance(value, str) and UUID_RE.match(value)):
        raise ConfigError(
            f"{field} from {sources[field]} is not {what} (expected a UUID like 11111111-2222-4333-8444-555555555555)"
        )


def _api_url(value, source):
    if value is None:
        return DEFAULT_API_URL, "the default"
    value = str(value).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"api_url from {source} is not an http(s) URL: {value}")
    return value, source


def _region(values, sources, regions):
    region, source = values["region"], sources["region"]
    if region is None and values["zone"]:
        match = ZONE_RE.match(str(values["zone"]))
        if match:
            region, source = match.group(1), "the zone from {}".format(sources["zone"])
    if region is None:
        return DEFAULT_REGION, "the default"
    region = LEGACY_REGIONS.get(region, region)
    if region not in regions:
        raise ConfigError(
            "region '{}' from {} is not a Scaleway Container Registry region; use one of {}".format(
                region, source, ", ".join(regions)
            )
        )
    return region, source


def expand_regions(value, known=REGISTRY_REGIONS):
    """The regions a region option names: one, a list, or `all` (every known region); ConfigError for another."""
    regions = list(value) if isinstance(value, (list, tuple)) else [value]
    if regions == ["all"]:
        return list(known)
    unknown = [region for region in regions if region not in known]
    if unknown:
        named = ", ".join(f"'{region}'" for region in unknown)
        raise ConfigError(
            "{} not a Scaleway Container Registry region; use {} or all".format(
                f"region {named} is" if len(unknown) == 1 else f"regions {named} are", ", ".join(known)
            )
        )
    return regions


def _validate_certs(option, insecure):
    if option is not None:
        return bool(option)
    return str(insecure).lower() not in ("true", "1", "yes")


def _permission_warnings(profile):
    """The scw CLI warns when its config, which holds the secret key, is readable by others; so do we."""
    path, document = profile.path, profile.document
    if not document or (not document.get("secret_key") and not document.get("profiles")):
        return []
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return []
    if mode & 0o077:
        return [
            f"scw config file {path} holds a secret key and is readable by others (mode {mode:04o});"
            f" run chmod 600 {path}"
        ]
    return []
