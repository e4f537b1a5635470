#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: credential_helper
short_description: Install docker-credential-scw on hosts, so that docker, podman and skopeo pull without a login
version_added: 0.1.0
description:
  - Installs C(docker-credential-scw), a credential helper that gives the Scaleway secret key to docker, podman and
    skopeo for the registries of Scaleway (C(rg.<region>.scw.cloud)) and any other registry hosts given, and points
    those registries to it in docker's C(config.json) and, if asked, podman's auth file.
  - Unlike C(scw registry install-docker-helper), it asks nothing, needs neither the scw CLI nor its config on the
    hosts (with O(source=file)), keeps every other key of the files it changes, and removes only what it added.
  - The secret key is resolved on the controller, as by every module of the collection, and travels only inside
    the module's arguments, never on a command line.
  - The helper is a Python script for the host's Python 3 (O(helper_python)), with its standard library only.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  state:
    description:
      - V(present) installs the helper and the entries; V(absent) removes what the installed helper records that it
        added, and nothing else, the helper (only when it carries the collection's marker), the secret file it
        records (even when O(secret_file) is not repeated), its C(credHelpers) entries in the config files named by
        the task or recorded, those config files only when the install created them and they hold nothing else, and
        the directories it made, when they are empty. On a host where nothing was installed, it removes nothing.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - Directory of the C(docker-credential-scw) script, created if missing (mode 0755). It must be in the C(PATH)
        of whoever runs docker or podman; the module warns when it is not in its own.
      - The script is mode 0755, owned by the user the module runs as; a drift of its mode or owner is repaired. A
        symbolic link in its place is refused.
    type: path
    default: /usr/local/bin
  region:
    description:
      - The Scaleway regions whose registries the helper serves, or V(all) (fr-par, nl-ams, pl-waw and it-mil, one
        more than the Registry API lists; see the notes).
    type: list
    elements: str
    default: [all]
  registries:
    description:
      - Other registry hosts (C(host) or C(host:port)) the helper serves with the same secret key, for example a local
        emulator's. Anything else, such as a URL, a path or an option, is refused.
    type: list
    elements: str
    default: []
  source:
    description:
      - Where the helper finds the secret key when docker asks.
      - V(file) writes the secret key resolved on the controller to O(secret_file), readable by its owner only.
      - V(scw_config) reads the host's scw config file when asked (O(helper_config_file)), as the scw CLI does. The
        caller's E(SCW_SECRET_KEY) wins, else the key of the profile O(helper_profile) (like the CLI's C(--profile)),
        else of the caller's E(SCW_PROFILE), else of the file's C(active_profile). No secret is sent to the host.
      - V(scw_cli) delegates to C(scw registry docker-helper), as the scw CLI's own helper does. No secret is sent to
        the host.
    type: str
    choices: [file, scw_config, scw_cli]
    default: file
  secret_file:
    description:
      - With O(source=file), where the secret key is kept, mode 0600, owned by the user the module runs as. Only that
        user can use the helper. A drift of its mode or owner is repaired, and shown in the diff.
      - The directories the module creates for it are mode 0700. An existing directory keeps its mode, and one that
        group or others may write into (without the sticky bit) is refused. A symbolic link in the file's place is
        refused.
      - Defaults to C(~/.config/docker-credential-scw/secret) of that user.
    type: path
  helper_config_file:
    description:
      - With O(source=scw_config), the host's scw config file; by default the caller's, as the scw CLI finds it.
    type: path
  helper_profile:
    description:
      - With O(source=scw_config) or O(source=scw_cli), the profile of the host's scw config to use.
    type: str
  helper_python:
    description:
      - The Python 3 that C(docker-credential-scw) runs with, written in its first line. The host's system Python
        by default, since a virtualenv's (for example the one Ansible ran with) may go away and break every pull.
    type: path
    default: /usr/bin/python3
  docker_configs:
    description:
      - docker config files (C(config.json)) that get a C(credHelpers) entry for each registry. Missing files are
        created with mode 0600; existing ones keep their mode and owner, and every key the module does not own.
      - A config file that is a symbolic link (as dotfile managers keep them) is edited in its target, and stays a
        link, when the link and its target have the same owner; otherwise it is refused.
      - Defaults to C(config.json) in E(DOCKER_CONFIG), else in C(~/.docker), of the user the module runs as.
    type: list
    elements: path
  podman:
    description:
      - Whether to add the entries to podman's auth file too (O(podman_authfile)).
    type: bool
    default: false
  podman_authfile:
    description:
      - podman's auth file. Defaults to E(REGISTRY_AUTH_FILE), else C(containers/auth.json) in E(XDG_RUNTIME_DIR),
        else C(/run/containers/<uid>/auth.json).
    type: path
  remove_stale_auths:
    description:
      - Whether to remove the C(auths) entries of the same registries, which some clients use before the helper.
        When false, the module warns about them.
    type: bool
    default: false
  secret_key:
    description:
      - The secret key of a Scaleway API key. With O(source=file), the action plugin resolves it on the controller,
        from this option, else E(SCW_SECRET_KEY), else the controller's scw config file and profile, and sends it to
        the host inside the module's arguments; with the other sources no secret goes to the host.
    type: str
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.host
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the script in one line (its version, its Python and its settings) and the config files,
      with each file's mode where the module sets it. Credentials
      never show. In the config files, each C(auths) entry shows as V((credentials)) and any C(auth),
      C(identitytoken), C(password) or C(registrytoken) value as V((hidden)); the secret file shows as present or
      absent.
  idempotent:
    support: full
  action:
    description: Resolves the secret key on the controller, then runs on the host.
    support: full
notes:
  - After installing, the module asks the helper for the first registry's credentials, as docker would, and fails
    when the answer is not the secret key.
seealso:
  - module: scaleway.registry.login
"""

EXAMPLES = r"""
- name: Let root's docker, podman and skopeo pull from Scaleway Container Registry
  scaleway.registry.credential_helper:
    docker_configs:
      - ~/.docker/config.json
    podman: true
  become: true

- name: Serve the registries of Paris and Amsterdam from the host's scw config
  scaleway.registry.credential_helper:
    region: [fr-par, nl-ams]
    source: scw_config

- name: Remove everything the helper installed
  scaleway.registry.credential_helper:
    state: absent

- name: Give each host a read-only key of its own, from the fleet's IAM application (see scaleway.registry.access)
  scaleway.registry.credential_helper:
    access: fleet-pull
    key_lifetime: 30d
    key_renew_before: 7d
  become: true
"""

RETURN = r"""
helper:
  description: Path of the C(docker-credential-scw) script.
  returned: always
  type: str
  sample: /usr/local/bin/docker-credential-scw
registries:
  description: The registry hosts the helper serves.
  returned: always
  type: list
  elements: str
  sample: [rg.fr-par.scw.cloud, rg.it-mil.scw.cloud, rg.nl-ams.scw.cloud, rg.pl-waw.scw.cloud]
files:
  description: The files the module changed (or would change, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/usr/local/bin/docker-credential-scw, /root/.docker/config.json]
access_key:
  description: With O(access), the access key of the host's own key (never its secret).
  returned: with O(access) and O(state=present)
  type: str
  sample: SCWXXXXXXXXXXXXXXXXX
key_created:
  description: With O(access), whether a new key was issued to the host (or would be, in check mode).
  returned: with O(access) and O(state=present)
  type: bool
  sample: false
key_expires_at:
  description: With O(access), when the host's key expires (by the API's clock).
  returned: with O(access) and O(state=present)
  type: str
  sample: "2027-03-03T13:09:05Z"
keys_deleted:
  description: With O(access), the access keys of the host's keys that were deleted (or would be, in check mode),
    because a new key replaced them, a create lost its answer, or O(state=absent).
  returned: with O(access)
  type: list
  elements: str
  sample: [SCWYYYYYYYYYYYYYYYYY]
"""

import json
import os

from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    LOGIN_REGIONS,
    expand_regions,
    regions_arg,
)
from ansible_collections.scaleway.registry.plugins.module_utils._credential_helper import (
    HELPER_NAME,
    installed_config,
    render,
    summary,
)
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import (
    docker_config_path,
    dumps,
    home,
    load,
    masked,
    podman_auth_path,
    registry_host,
    registry_problems,
    shadowing_auths,
    with_helpers,
    without_auths,
    without_helpers,
    write,
)
from ansible_collections.scaleway.registry.plugins.module_utils._host_files import (
    FileState,
    check_directory,
    make_directories,
    missing_directories,
    read_regular,
    remove_empty_directories,
    remove_file,
    write_file,
)
from ansible_collections.scaleway.registry.plugins.module_utils._host_module import HostModule
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

MARKER = "Installed by the scaleway.registry.credential_helper Ansible module"
SCRIPT_MODE = 0o755
SECRET_MODE = 0o600


def default_secret_file():
    return os.path.join(home(), ".config", "docker-credential-scw", "secret")


def registries_of(module):
    regions = expand_regions(module.params["region"], LOGIN_REGIONS)
    problems = registry_problems(module.params["registries"], "registries")
    if problems:
        raise TaskError(problems[0])
    return sorted({registry_host(region) for region in regions} | set(module.params["registries"]))


class Change:
    """One file the module manages: what it is (a FileState), and what it should hold (None: absent).

    kind is script, secret or config. A mode of None keeps the file's own (a config file is the user's)."""

    def __init__(self, kind, path, before, after, mode=None):
        self.kind, self.path, self.before, self.after, self.mode = kind, path, before, after, mode

    @property
    def changed(self):
        if self.after != self.before.content:
            return True
        return (
            self.after is not None
            and self.mode is not None
            and (self.before.mode != self.mode or self.before.uid != os.geteuid())
        )

    def diff(self):
        before, after = self.before.content, self.after
        if self.kind == "secret":
            before, after = _presence(before), _presence(after, before)
        elif self.kind == "script":
            before, after = summary(before), summary(after)
        elif self.kind == "config":
            old, new = _json(before), _json(after)
            before = None if old is None else dumps(masked(old, new))
            after = None if new is None else dumps(masked(new, old))
        mode_after = self.mode if self.mode is not None else self.before.mode
        return {
            "before_header": _header(self.path, self.before.mode),
            "before": before or "",
            "after_header": _header(self.path, mode_after if after else None),
            "after": after or "",
        }


def _header(path, mode):
    return path if mode is None else f"{path} (mode {mode:04o})"


def _presence(content, previous=None):
    if not content:
        return ""
    return "(another secret key)\n" if previous and previous != content else "(a secret key)\n"


def _json(text):
    return None if text is None else (json.loads(text) if text.strip() else {})


def plan_configs(module, paths, registries, present, installed):
    """The changes to docker and podman config files: entries added where present, removed elsewhere. A file is
    removed only when the install created it and it would hold nothing else."""
    created_by_us = set((installed or {}).get("created_files", []))
    changes = []
    for path in paths:
        data = load(path)
        if present:
            wanted = with_helpers(data, registries, HELPER_NAME)
            stale = shadowing_auths(data, registries)
            if stale and module.params["remove_stale_auths"]:
                wanted = without_auths(wanted, stale)
            elif stale:
                module.warn(
                    "{} has auths entries for {}, which some clients use instead of the helper; remove them"
                    " with remove_stale_auths: true".format(path, ", ".join(stale))
                )
        elif data is None:
            continue
        else:
            wanted = without_helpers(data, registries, HELPER_NAME)
            if wanted == {} and path in created_by_us:
                wanted = None
        before = FileState(None if data is None else dumps(data))
        after = before.content if wanted == data else (None if wanted is None else dumps(wanted))
        changes.append(Change("config", path, before, after))
    return changes


def verify(module, helper, registries, secret_key):
    """Ask the helper, as docker would, and compare its answer with the secret key."""
    rc, out, _err = module.run_command([helper, "get"], data=registries[0])
    try:
        secret = json.loads(out)["Secret"] if rc == 0 else None
    except (ValueError, KeyError):
        secret = None
    if secret is None or (secret_key and secret != secret_key):
        raise TaskError(
            "the installed helper does not answer {} with the secret key: {}".format(
                registries[0], " ".join((out or "no answer").split())[:200]
            )
        )


def installed_record(script):
    """The CONFIG of the installed helper (script: its FileState), or None when there is none of ours."""
    return installed_config(script.content) if script.exists and MARKER in script.content else None


def held_key(helper):
    """(access key, secret) of the host's own key that the installed helper holds, or None."""
    record = installed_record(read_regular(helper)) or {}
    if not record.get("access_key") or not record.get("secret_file"):
        return None
    secret = read_regular(record["secret_file"])
    return (record["access_key"], secret.content.strip()) if secret.exists else None


def plan(module, helper, registries):
    """(every change, in the order to apply them, and the directories the install made).

    The script records the install: its secret file, the config files that got entries, those it created and
    the directories it made. So it is written last, and removed last, and a run that fails half-way leaves a
    record that the next run completes from; and state=absent removes what the record names, and nothing else."""
    params = module.params
    present = params["state"] == "present"
    script = read_regular(helper)
    installed = installed_record(script)
    recorded = installed or {}

    secret_file = params["secret_file"] or default_secret_file()
    wanted_secret = present and params["source"] == "file"
    changes = []
    if wanted_secret:
        changes.append(
            Change("secret", secret_file, read_regular(secret_file), params["secret_key"] + "\n", SECRET_MODE)
        )
    old_secret = recorded.get("secret_file")
    if old_secret and not (wanted_secret and old_secret == secret_file):
        changes.append(Change("secret", old_secret, read_regular(old_secret), None))
    if not present and params["secret_file"] and params["secret_file"] != old_secret:
        module.warn(
            "{} is not the secret file this helper recorded ({}): left as it is".format(
                params["secret_file"], old_secret or "none"
            )
        )

    named = params["docker_configs"] or [docker_config_path()]
    if params["podman"]:
        named = [*named, podman_auth_path(params["podman_authfile"])]
    # A removal also cleans the configs that earlier installs recorded; an install leaves those it is not given.
    configs = named if present else list(dict.fromkeys(named + recorded.get("configs", [])))
    changes += plan_configs(module, configs, registries, present, installed)

    written = [change.path for change in changes if change.after is not None] + ([helper] if present else [])
    made = sorted(
        {directory for directory in recorded.get("created_directories", []) if os.path.isdir(directory)}
        | {directory for path in written for directory in missing_directories(path)}
    )
    for path in written:
        if os.path.isdir(os.path.dirname(path)):
            check_directory(os.path.dirname(path))
    if present:
        created_files = set(recorded.get("created_files", [])) | {
            change.path for change in changes if change.kind == "config" and not change.before.exists
        }
        content = render(
            params["helper_python"],
            registries,
            params["source"],
            secret_file if wanted_secret else None,
            params["helper_config_file"],
            params["helper_profile"],
            made,
            set(named) | set(recorded.get("configs", [])),
            created_files,
            params["access_key"] if params["access"] else None,
        )
        changes.append(Change("script", helper, script, content, SCRIPT_MODE))
    elif installed is not None:
        changes.append(Change("script", helper, script, None))
    return changes, installed


def apply(changes):
    for change in changes:
        if change.after is None:
            remove_file(change.path)
        elif change.kind == "config":
            write(change.path, json.loads(change.after))
        else:
            # The secret's own directories: nobody but its owner may even list them.
            make_directories(change.path, 0o700 if change.kind == "secret" else 0o755)
            write_file(change.path, change.after, change.mode)


def run(module):
    params = module.params
    present = params["state"] == "present"
    registries = registries_of(module)
    helper = os.path.join(params["path"], "docker-credential-" + HELPER_NAME)
    if present and not os.access(params["helper_python"], os.X_OK):
        raise TaskError(
            "helper_python {} is not an executable on this host: install Python 3 there, or set"
            " helper_python to the Python 3 that docker-credential-scw should run with".format(params["helper_python"])
        )
    if present and params["access"] and not module.own_key(held_key(helper)):
        return {"changed": False, "key_needed": True, "helper": helper, "registries": registries, "files": []}
    if present and params["source"] == "file" and not params["secret_key"]:
        raise TaskError(
            "source: file needs the secret key; run the module through its action plugin"
            " (scaleway.registry.credential_helper), which resolves it on the controller"
        )
    try:
        changes, installed = plan(module, helper, registries)
        changed = [change for change in changes if change.changed]
        if changed and not module.check_mode:
            apply(changed)
    except OSError as exc:
        raise TaskError(f"cannot change {exc.filename or helper}: {exc.strerror or exc}") from None
    if not present and installed and not module.check_mode:
        remove_empty_directories(installed.get("created_directories", []))
    if present and not module.check_mode and params["source"] != "scw_cli":
        verify(module, helper, registries, params["secret_key"])
    if present and params["path"] not in os.environ.get("PATH", "").split(os.pathsep):
        module.warn(
            "{} is not in PATH here: docker and podman find docker-credential-scw only on their PATH".format(
                params["path"]
            )
        )
    result = dict(
        changed=bool(changed), helper=helper, registries=registries, files=[change.path for change in changed]
    )
    if params["access"] and present:
        result["access_key"] = params["access_key"]
    if module._diff:
        result["diff"] = [change.diff() for change in changed]
    return result


def main():
    module = HostModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            path=dict(type="path", default="/usr/local/bin"),
            region=regions_arg(default=["all"]),
            registries=dict(type="list", elements="str", default=[]),
            source=dict(type="str", choices=["file", "scw_config", "scw_cli"], default="file"),
            secret_file=dict(type="path"),
            helper_config_file=dict(type="path"),
            helper_profile=dict(type="str"),
            helper_python=dict(type="path", default="/usr/bin/python3"),
            docker_configs=dict(type="list", elements="path"),
            podman=dict(type="bool", default=False),
            podman_authfile=dict(type="path"),
            remove_stale_auths=dict(type="bool", default=False),
        )
    )
    module.run(run)


if __name__ == "__main__":
    main()
