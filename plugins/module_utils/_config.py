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

REGISTRY_REGIONS = ("fr-par", "nl-ams", "pl-waw")
# The registries' hosts (rg.<region>.scw.cloud) of the scw CLI's login and docker-helper: it-mil besides.
LOGIN_REGIONS = REGISTRY_REGIONS + ("it-mil",)
DEFAULT_API_URL = "https://api.scaleway.com"
DEFAULT_REGION = "fr-par"
DEFAULT_PROFILE = "default"

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCESS_KEY_RE = re.compile(r"^SCW[A-Z0-9]{17}$")
ZONE_RE = re.compile(r"^([a-z]{2}-[a-z]{3,7})-[0-9]{1,2}$")

# option -> (environment variables, most recent name first; key in a scw config profile)
FIELDS = {
    "secret_key": (("SCW_SECRET_KEY", "SCW_TOKEN", "SCALEWAY_TOKEN"), "secret_key"),
    "access_key": (("SCW_ACCESS_KEY", "SCALEWAY_ACCESS_KEY"), "access_key"),
    "api_url": (("SCW_API_URL",), "api_url"),
    "project_id": (("SCW_DEFAULT_PROJECT_ID",), "default_project_id"),
    "organization_id": (("SCW_DEFAULT_ORGANIZATION_ID", "SCW_ORGANIZATION", "SCALEWAY_ORGANIZATION"),
                        "default_organization_id"),
    "region": (("SCW_DEFAULT_REGION", "SCW_REGION", "SCALEWAY_REGION"), "default_region"),
    "zone": (("SCW_DEFAULT_ZONE",), "default_zone"),
    "insecure": (("SCW_INSECURE",), "insecure"),
}
LEGACY_REGIONS = {"par1": "fr-par", "ams1": "nl-ams"}

# The connection options, documented once in the scaleway.registry.scaleway doc fragment.
# No defaults here: None means "not set", so that SCW_* variables and the scw config can fill in.
CONNECTION_ARGS = dict(
    secret_key=dict(type="str", no_log=True),
    access_key=dict(type="str", no_log=False),
    profile=dict(type="str"),
    config_file=dict(type="path"),
    api_url=dict(type="str"),
    project_id=dict(type="str"),
    organization_id=dict(type="str"),
    region=dict(type="str"),
    api_timeout=dict(type="int", default=30),
    validate_certs=dict(type="bool"),
)


class ConfigError(Exception):
    """The options, environment or config file cannot give usable credentials."""


class Settings:
    """Resolved connection settings, with where each value came from."""

    def __init__(self, values, sources, profile, config_file, warnings):
        self.secret_key = values["secret_key"]
        self.access_key = values["access_key"]
        self.api_url = values["api_url"]
        self.region = values["region"]
        self.project_id = values["project_id"]
        self.organization_id = values["organization_id"]
        self.validate_certs = values["validate_certs"]
        self.api_timeout = values["api_timeout"]
        self.sources = sources
        self.profile = profile
        self.config_file = config_file
        self.warnings = warnings

    def __repr__(self):  # never show the secret key
        return "Settings(api_url=%r, region=%r, project_id=%r, profile=%r)" % (
            self.api_url, self.region, self.project_id, self.profile)


def resolve(options, env=None, regions=REGISTRY_REGIONS, require_secret_key=True):
    """Resolve the settings from module or plugin options (None means unset) and the environment.
    Without require_secret_key, a missing key is left None, for callers that need only the rest."""
    env = os.environ if env is None else env
    config_file, file_label, must_exist = _config_path(options, env)
    document = _load(config_file, must_exist)
    profile_name, profile_label = _profile_name(options, env, document)
    profile = _profile(document, profile_name, config_file)
    where = "profile '%s' of %s" % (profile_name, file_label)

    values, sources = {}, {}
    for field, (variables, key) in FIELDS.items():
        values[field], sources[field] = _first(options.get(field), field, variables, env, profile.get(key),
                                               "%s in %s" % (key, where))

    if values["secret_key"] is None and require_secret_key:
        raise ConfigError("no Scaleway secret key found: looked at the secret_key option, the environment variables %s,"
                          " and secret_key in %s%s%s; set one of them"
                          % ("/".join(FIELDS["secret_key"][0]), where,
                             "" if document is not None else ", which does not exist",
                             " (profile chosen by %s)" % profile_label if profile_label else ""))
    _check_uuid(values, sources, "secret_key", "a Scaleway secret key")
    _check_uuid(values, sources, "project_id", "a project id")
    _check_uuid(values, sources, "organization_id", "an organization id")
    if values["access_key"] is not None and not ACCESS_KEY_RE.match(str(values["access_key"])):
        raise ConfigError("access_key from %s is not a Scaleway access key (SCW followed by 17 capitals or digits)"
                          % sources["access_key"])

    values["api_url"], sources["api_url"] = _api_url(values["api_url"], sources["api_url"])
    values["region"], sources["region"] = _region(values, sources, regions)
    values["validate_certs"] = _validate_certs(options.get("validate_certs"), values["insecure"])
    values["api_timeout"] = options.get("api_timeout") or 30
    return Settings(values, sources, profile_name, config_file, _permission_warnings(config_file, document))


def _config_path(options, env):
    """The config file to read, how to name it, and whether it must exist."""
    if options.get("config_file"):
        return os.path.expanduser(options["config_file"]), "config_file %s" % options["config_file"], True
    if env.get("SCW_CONFIG_PATH"):
        return env["SCW_CONFIG_PATH"], "%s (SCW_CONFIG_PATH)" % env["SCW_CONFIG_PATH"], False
    if env.get("XDG_CONFIG_HOME"):
        path = os.path.join(env["XDG_CONFIG_HOME"], "scw", "config.yaml")
    else:
        path = os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config", "scw", "config.yaml")
    return path, path, False


def _load(path, must_exist):
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError("scw config file %s does not exist: fix config_file or remove it" % path)
        return None
    except (OSError, IOError) as exc:
        raise ConfigError("cannot read scw config file %s: %s" % (path, exc.strerror or exc))
    try:
        import yaml  # only when there is a file: the import costs a task some 15 ms
    except ImportError:
        raise ConfigError("PyYAML is required to read the scw config file %s" % path)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = " at line %d, column %d" % (mark.line + 1, mark.column + 1) if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError("scw config file %s is not valid YAML: %s%s" % (path, problem, position))
    if document is None:
        return {}
    if not isinstance(document, dict) or not isinstance(document.get("profiles") or {}, dict):
        raise ConfigError("scw config file %s is not a scw config: expected a mapping of keys and 'profiles'" % path)
    return document


def _profile_name(options, env, document):
    if options.get("profile"):
        return options["profile"], "the profile option"
    if env.get("SCW_PROFILE"):
        return env["SCW_PROFILE"], "SCW_PROFILE"
    if document and document.get("active_profile"):
        return str(document["active_profile"]), "active_profile"
    return DEFAULT_PROFILE, None


def _profile(document, name, path):
    """The root keys, overridden by the named profile's keys."""
    document = document or {}
    root = dict((key, value) for key, value in document.items() if key not in ("profiles", "active_profile"))
    if name == DEFAULT_PROFILE:
        return root
    profiles = document.get("profiles") or {}
    if name not in profiles:
        known = ", ".join(sorted(str(key) for key in profiles)) or "none"
        raise ConfigError("profile '%s' does not exist in %s (profiles there: %s)"
                          % (name, path if document else "%s, which does not exist" % path, known))
    if not isinstance(profiles[name] or {}, dict):
        raise ConfigError("profile '%s' in %s is not a mapping" % (name, path))
    merged = dict(root)
    merged.update((key, value) for key, value in (profiles[name] or {}).items() if value not in (None, ""))
    return merged


def _first(option, field, variables, env, profile_value, profile_source):
    if option not in (None, ""):
        return option, "the %s option" % field
    for variable in variables:
        if env.get(variable):
            return env[variable], "the %s environment variable" % variable
    if profile_value not in (None, ""):
        return profile_value, profile_source
    return None, None


def _check_uuid(values, sources, field, what):
    value = values[field]
    if value is not None and not (isinstance(value, str) and UUID_RE.match(value)):
        raise ConfigError("%s from %s is not %s (expected a UUID like 11111111-2222-4333-8444-555555555555)"
                          % (field, sources[field], what))


def _api_url(value, source):
    if value is None:
        return DEFAULT_API_URL, "the default"
    value = str(value).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError("api_url from %s is not an http(s) URL: %s" % (source, value))
    return value, source


def _region(values, sources, regions):
    region, source = values["region"], sources["region"]
    if region is None and values["zone"]:
        match = ZONE_RE.match(str(values["zone"]))
        if match:
            region, source = match.group(1), "the zone from %s" % sources["zone"]
    if region is None:
        return DEFAULT_REGION, "the default"
    region = LEGACY_REGIONS.get(region, region)
    if region not in regions:
        raise ConfigError("region '%s' from %s is not a Scaleway Container Registry region; use one of %s"
                          % (region, source, ", ".join(regions)))
    return region, source


def expand_regions(value, known=REGISTRY_REGIONS):
    """The regions a region option names: one, a list, or `all` (every known region); ConfigError for another."""
    regions = list(value) if isinstance(value, (list, tuple)) else [value]
    if regions == ["all"]:
        return list(known)
    unknown = [region for region in regions if region not in known]
    if unknown:
        named = ", ".join("'%s'" % region for region in unknown)
        raise ConfigError("%s not a Scaleway Container Registry region; use %s or all"
                          % ("region %s is" % named if len(unknown) == 1 else "regions %s are" % named, ", ".join(known)))
    return regions


def _validate_certs(option, insecure):
    if option is not None:
        return bool(option)
    return str(insecure).lower() not in ("true", "1", "yes")


def _permission_warnings(path, document):
    """The scw CLI warns when its config, which holds the secret key, is readable by others; so do we."""
    if not document or not document.get("secret_key") and not document.get("profiles"):
        return []
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return []
    if mode & 0o077:
        return ["scw config file %s holds a secret key and is readable by others (mode %04o); run chmod 600 %s"
                % (path, mode, path)]
    return []
