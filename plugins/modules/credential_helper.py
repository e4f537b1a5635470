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
  - The helper is a Python script for the host's Python 3, with its standard library only.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  state:
    description:
      - V(present) installs the helper and the entries; V(absent) removes the helper, its secret file, the entries
        it added, and the directories it made for them (when they are empty), and nothing else.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - Directory of the C(docker-credential-scw) script, created if missing. It must be in the C(PATH) of whoever
        runs docker or podman; the module warns when it is not in its own.
    type: path
    default: /usr/local/bin
  region:
    description:
      - The Scaleway regions whose registries the helper serves, or V(all) (fr-par, nl-ams, pl-waw and it-mil).
    type: list
    elements: str
    default: [all]
  registries:
    description:
      - Other registry hosts (C(host) or C(host:port)) the helper serves with the same secret key, for example a local
        emulator's.
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
      - With O(source=file), where the secret key is kept, mode 0600 in a directory of mode 0700, owned by the user the
        module runs as. Only that user can use the helper.
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
  docker_configs:
    description:
      - docker config files (C(config.json)) that get a C(credHelpers) entry for each registry. Missing files are
        created with mode 0600.
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
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the script and the config files; the secret file shows as present or absent, never its
      content.
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
"""

import json
import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.plugins.module_utils._config import CONNECTION_ARGS
from ansible_collections.scaleway.registry.plugins.module_utils._credential_helper import (
    HELPER_NAME,
    installed_config,
    render,
)
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import (
    LOGIN_REGIONS,
    ConfigFileError,
    docker_config_path,
    home,
    load,
    podman_auth_path,
    registry_host,
    shadowing_auths,
    with_helpers,
    without_auths,
    without_helpers,
    write,
)

MARKER = "Installed by the scaleway.registry.credential_helper Ansible module"
# The connection options are accepted (module_defaults of the collection's group may set them) and used on the
# controller; the region of this module is a list of its own.
CONNECTION_HOST_ARGS = dict((name, spec) for name, spec in CONNECTION_ARGS.items() if name != "region")


def default_secret_file():
    return os.path.join(home(), ".config", "docker-credential-scw", "secret")


def registries_of(module):
    regions = module.params["region"]
    if regions == ["all"]:
        regions = list(LOGIN_REGIONS)
    unknown = [region for region in regions if region not in LOGIN_REGIONS]
    if unknown:
        module.fail_json(msg="region %s is not a Scaleway registry region; use %s or all"
                             % (", ".join(unknown), ", ".join(LOGIN_REGIONS)))
    return sorted(set(registry_host(region) for region in regions) | set(module.params["registries"]))


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


class Plan:
    """Every file the module manages: what it holds now and what it should hold (None: absent)."""

    def __init__(self):
        self.files = []  # (path, before, after, mode, shown)

    def add(self, path, before, after, mode, shown=True):
        self.files.append((path, before, after, mode, shown))

    def changed(self):
        return [entry for entry in self.files if entry[1] != entry[2]]

    def diff(self):
        return [{"before_header": path, "after_header": path,
                 "before": before if shown else _presence(before), "after": after if shown else _presence(after)}
                for path, before, after, _mode, shown in self.changed()]


def _presence(content):
    return "(a secret key)\n" if content else ""


def _json_text(data):
    return None if data is None else json.dumps(data, indent="\t") + "\n"


def plan_configs(module, plan, registries, present):
    params = module.params
    paths = params["docker_configs"] or [docker_config_path()]
    if params["podman"]:
        paths = paths + [podman_auth_path(params["podman_authfile"])]
    for path in paths:
        try:
            data = load(path)
        except ConfigFileError as exc:
            module.fail_json(msg=str(exc))
        if present:
            wanted = with_helpers(data, registries, HELPER_NAME)
            stale = shadowing_auths(data, registries)
            if stale and params["remove_stale_auths"]:
                wanted = without_auths(wanted, stale)
            elif stale:
                module.warn("%s has auths entries for %s, which some clients use instead of the helper; remove them"
                            " with remove_stale_auths: true" % (path, ", ".join(stale)))
        else:
            wanted = without_helpers(data, registries, HELPER_NAME) if data is not None else None
            wanted = None if wanted == {} else wanted
        before = _json_text(data)
        plan.add(path, before, before if wanted == data else _json_text(wanted), None)


def verify(module, helper, registries, secret_key):
    """Ask the helper, as docker would, and compare its answer with the secret key."""
    rc, out, _err = module.run_command([helper, "get"], data=registries[0])
    try:
        secret = json.loads(out)["Secret"] if rc == 0 else None
    except (ValueError, KeyError):
        secret = None
    if secret is None or (secret_key and secret != secret_key):
        module.fail_json(msg="the installed helper does not answer %s with the secret key: %s"
                             % (registries[0], " ".join((out or "no answer").split())[:200]))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            path=dict(type="path", default="/usr/local/bin"),
            region=dict(type="list", elements="str", default=["all"]),
            registries=dict(type="list", elements="str", default=[]),
            source=dict(type="str", choices=["file", "scw_config", "scw_cli"], default="file"),
            secret_file=dict(type="path"),
            helper_config_file=dict(type="path"),
            helper_profile=dict(type="str"),
            docker_configs=dict(type="list", elements="path"),
            podman=dict(type="bool", default=False),
            podman_authfile=dict(type="path"),
            remove_stale_auths=dict(type="bool", default=False),
            **CONNECTION_HOST_ARGS
        ),
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    registries = registries_of(module)
    helper = os.path.join(params["path"], "docker-credential-" + HELPER_NAME)
    secret_file = params["secret_file"] or default_secret_file()
    if present and params["source"] == "file" and not params["secret_key"]:
        module.fail_json(msg="source: file needs the secret key; run the module through its action plugin"
                             " (scaleway.registry.credential_helper), which resolves it on the controller")

    plan = Plan()
    script = read_text(helper)
    installed = installed_config(script) if script is not None and MARKER in script else None
    secret_after = params["secret_key"] + "\n" if present and params["source"] == "file" else None
    plan.add(secret_file, read_text(secret_file), secret_after, 0o600, shown=False)
    plan_configs(module, plan, registries, present)
    # The script records the directories made for the install, so that the removal takes them away too.
    made = sorted(set(directory for directory in (installed or {}).get("created_directories", [])
                      if os.path.isdir(directory))
                  | set(missing_directories([helper] + [entry[0] for entry in plan.files if entry[2] is not None])))
    wanted = render(sys.executable, registries, params["source"], secret_file, params["helper_config_file"],
                    params["helper_profile"], made) if present else None
    plan.files.insert(0, (helper, script, wanted if present else (None if installed is not None else script), 0o755,
                          True))

    changed = plan.changed()
    if changed and not module.check_mode:
        apply(module, changed)
    if not present and installed and not module.check_mode:
        remove_empty_directories(installed.get("created_directories", []))
    if present and not module.check_mode and params["source"] != "scw_cli":
        verify(module, helper, registries, params["secret_key"])
    if present and params["path"] not in os.environ.get("PATH", "").split(os.pathsep):
        module.warn("%s is not in PATH here: docker and podman find docker-credential-scw only on their PATH"
                    % params["path"])
    result = dict(changed=bool(changed), helper=helper, registries=registries,
                  files=[entry[0] for entry in changed])
    if module._diff:
        result["diff"] = plan.diff()
    module.exit_json(**result)


def missing_directories(paths):
    """The directories that writing these files would create."""
    missing = set()
    for path in paths:
        directory = os.path.dirname(path)
        while directory and not os.path.isdir(directory) and directory not in missing:
            missing.add(directory)
            directory = os.path.dirname(directory)
    return missing


def remove_empty_directories(directories):
    """Remove the directories the install made, deepest first, as long as they are empty."""
    for directory in sorted(directories, key=len, reverse=True):
        try:
            os.rmdir(directory)
        except OSError:
            pass


def apply(module, changed):
    for path, _before, after, mode, _shown in changed:
        try:
            if after is None:
                os.unlink(path)
            elif mode is None:
                write(path, json.loads(after))
            else:
                _write_private(path, after, mode)
        except (OSError, IOError) as exc:
            module.fail_json(msg="cannot change %s: %s" % (path, exc.strerror or exc))


def _write_private(path, content, mode):
    directory = os.path.dirname(path)
    if mode == 0o600:
        # The secret's own directory: nobody but its owner may even list it.
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        os.chmod(directory, 0o700)
    elif not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    temporary = path + ".tmp-scaleway-registry"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


if __name__ == "__main__":
    main()
