#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: login
short_description: Log hosts into Scaleway Container Registry with docker or podman
version_added: 0.1.0
description:
  - Runs C(docker login) or C(podman login) on the host for the registries of Scaleway (C(rg.<region>.scw.cloud)) or
    another registry, as C(scw registry login) does, or logs out.
  - The secret key is resolved on the controller, as by every module of the collection, travels inside the module's
    arguments, and reaches docker or podman on their standard input (C(--password-stdin)), never on a command line.
  - Idempotent, when the credentials stored for a registry (in docker's C(config.json) or podman's auth file, or
    through the credential helper that serves it) already are the secret key, no login runs.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  program:
    description:
      - The client to log in with. docker needs no daemon to log in.
    type: str
    choices: [docker, podman]
    default: docker
  region:
    description:
      - The regions whose registries to log into, one, a list, or V(all) (fr-par, nl-ams, pl-waw and it-mil, one
        more than the Registry API lists; see the notes).
      - If not set, the region resolved on the controller, E(SCW_DEFAULT_REGION), then C(default_region) in the
        selected profile, then the region of E(SCW_DEFAULT_ZONE) or C(default_zone), then V(fr-par).
      - Ignored when O(registry) is set.
    type: list
    elements: str
  registry:
    description:
      - Another registry host (C(host) or C(host:port)) to log into instead, for example a local emulator's. Anything
        else, such as a URL, a path or an option, is refused.
    type: str
  state:
    description:
      - V(present) logs in; V(absent) logs out, removing the stored credentials.
    type: str
    choices: [present, absent]
    default: present
  reauthorize:
    description:
      - Whether to log in even when the stored credentials already match.
    type: bool
    default: false
  config_path:
    description:
      - With O(program=docker), docker's configuration directory, as E(DOCKER_CONFIG). Defaults to E(DOCKER_CONFIG),
        else C(~/.docker), of the user the module runs as.
    type: path
  authfile:
    description:
      - With O(program=podman), podman's auth file. Defaults to E(REGISTRY_AUTH_FILE), else
        C(containers/auth.json) in E(XDG_RUNTIME_DIR), else C(/run/containers/<uid>/auth.json).
    type: path
  tls_verify:
    description:
      - With O(program=podman), whether to require HTTPS and verify the registry's certificate. Set V(false) for a
        local registry over plain HTTP.
    type: bool
    default: true
  secret_key:
    description:
      - The secret key of a Scaleway API key, the password of the registries. The action plugin resolves it on the
        controller, from this option, else E(SCW_SECRET_KEY), else the controller's scw config file and profile, and
        sends it to the host inside the module's arguments. Not needed to log out.
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
    details: The diff shows, for each registry, whether the host is logged in, never a credential.
  idempotent:
    support: full
  action:
    description: Resolves the secret key on the controller, then runs on the host.
    support: full
notes:
  - The username is V(scaleway), as C(scw registry login) gives it; the registries check the secret key only.
  - When a credential helper already serves a registry (C(credHelpers) or C(credsStore)), a login stores nothing
    there. The module warns about it only when a login is due, that is when the helper does not already give the
    secret key, or with O(reauthorize=true). A helper that gives the key needs no login, and gets no warning.
seealso:
  - module: scaleway.registry.credential_helper
"""

EXAMPLES = r"""
- name: Log the deploy user into the registries of Paris and Amsterdam with docker
  scaleway.registry.login:
    region: [fr-par, nl-ams]
  become: true
  become_user: deploy

- name: Log root's podman into every region, in a persistent auth file
  scaleway.registry.login:
    program: podman
    region: all
    authfile: ~/.config/containers/auth.json

- name: Log out
  scaleway.registry.login:
    region: fr-par
    state: absent

- name: Log each host's docker in with a read-only key of its own, from the fleet's IAM application
  scaleway.registry.login:
    access: fleet-pull
    region: fr-par
  become: true
"""

RETURN = r"""
logins:
  description: What was done for each registry.
  returned: always
  type: list
  elements: dict
  contains:
    registry:
      description: The registry host.
      type: str
      sample: rg.fr-par.scw.cloud
    changed:
      description: Whether the module logged in or out (or would have, in check mode).
      type: bool
      sample: true
    logged_in:
      description: Whether the host is logged in once the module has run (or would be, in check mode).
      type: bool
      sample: true
    credential_helper:
      description: The credential helper that serves the registry, if any.
      type: str
      sample: scw
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

from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    LOGIN_REGIONS,
    expand_regions,
    regions_arg,
)
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import (
    REGISTRY_USERNAME,
    docker_config_path,
    helper_for,
    load,
    podman_auth_path,
    registry_host,
    registry_problems,
    stored_login,
)
from ansible_collections.scaleway.registry.plugins.module_utils._host_module import HostModule, command_said
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError


def registries_of(module):
    params = module.params
    if params["registry"]:
        problems = registry_problems([params["registry"]], "registry")
        if problems:
            raise TaskError(problems[0])
        return [params["registry"]]
    return [registry_host(region) for region in expand_regions(params["region"] or ["fr-par"], LOGIN_REGIONS)]


def config_file(module):
    params = module.params
    if params["program"] == "docker":
        return docker_config_path(params["config_path"])
    return podman_auth_path(params["authfile"])


def stored(module, data, registry):
    """(the helper that serves registry or None, the (username, secret) stored for it or None)."""
    helper = helper_for(data, registry)
    if not helper:
        return None, stored_login(data, registry)
    executable = module.get_bin_path("docker-credential-" + helper)
    if not executable:
        return helper, None
    rc, out, _err = module.run_command([executable, "get"], data=registry)
    try:
        answer = json.loads(out) if rc == 0 else {}
    except ValueError:
        answer = {}
    return helper, (answer["Username"], answer["Secret"]) if answer.get("Secret") else None


def command(module, verb, registry):
    params = module.params
    arguments = [module.get_bin_path(params["program"], required=True), verb]
    if verb == "login":
        arguments += ["--username", username(module), "--password-stdin"]
    if params["program"] == "podman":
        if params["authfile"]:
            arguments += ["--authfile", params["authfile"]]
        if verb == "login" and not params["tls_verify"]:
            arguments.append("--tls-verify=false")
    environment = (
        {"DOCKER_CONFIG": params["config_path"]} if params["program"] == "docker" and params["config_path"] else {}
    )
    # The secret key goes on standard input, where neither ps nor /proc/<pid>/cmdline shows it.
    # "--": whatever the registry is, docker and podman never read it as an option.
    rc, out, err = module.run_command(
        [*arguments, "--", registry], data=params["secret_key"] if verb == "login" else None, environ_update=environment
    )
    if rc != 0:
        raise TaskError(f"{params['program']} {verb} {registry} failed: {command_said(rc, out, err)}")


def username(module):
    return module.params["access_key"] if module.params["access"] else REGISTRY_USERNAME


def held_key(stored_logins, access_keys):
    """(access key, secret) of a key of the host's own that a registry is logged in with, or None: a login with
    access gives the access key as the user name, which the registries do not check."""
    for _helper, credentials in stored_logins.values():
        if credentials is not None and credentials[0] in access_keys:
            return credentials
    return None


def describe(module, credentials):
    """The diff's word for a registry's login: with access, which key."""
    if credentials is None:
        return "not logged in"
    return f"logged in with key {credentials[0]}" if module.params["access"] else "logged in"


def run(module):
    params = module.params
    present = params["state"] == "present"
    if present and not params["secret_key"] and not params["access"]:
        raise TaskError(
            "logging in needs the secret key; run the module through its action plugin"
            " (scaleway.registry.login), which resolves it on the controller"
        )
    path = config_file(module)
    data = load(path)
    registries = registries_of(module)
    stored_logins = {registry: stored(module, data, registry) for registry in registries}
    if present and params["access"] and not module.own_key(held_key(stored_logins, params["access_keys"] or [])):
        return {"changed": False, "key_needed": True, "logins": []}
    wanted = (username(module), params["secret_key"])
    logins, before, after = [], {}, {}
    for registry in registries:
        helper, credentials = stored_logins[registry]
        # Without access the user name is anybody's, as the registries check the secret key only; with access it
        # tells which key the host holds.
        logged_in = credentials is not None and (
            credentials[1] == wanted[1] if not params["access"] else credentials == wanted
        )
        # Only when a login is due: a helper that already gives the key is what the task asks for.
        if helper and present and (not logged_in or params["reauthorize"]):
            if module.get_bin_path("docker-credential-" + helper):
                module.warn(
                    f"docker-credential-{helper} already serves {registry} (in {path}): {params['program']} login"
                    " stores nothing there"
                )
            else:
                module.warn(
                    f"{path} names docker-credential-{helper} for {registry}, which is not installed here:"
                    f" {params['program']} login cannot store the key; install it, or remove its entry"
                )
        if helper and not present and credentials is not None:
            module.warn(
                f"docker-credential-{helper} serves {registry} (in {path}): a logout cannot take its key away;"
                " remove the helper (scaleway.registry.credential_helper with state=absent) to log out"
            )
        changed = not logged_in or params["reauthorize"] if present else credentials is not None and not helper
        if changed and not module.check_mode:
            command(module, "login" if present else "logout", registry)
        state = present or (credentials is not None and not changed)
        before[registry] = describe(module, credentials)
        after[registry] = describe(module, (wanted if present else credentials) if state else None)
        logins.append(dict(registry=registry, changed=changed, logged_in=state, credential_helper=helper))
    result = dict(changed=any(login["changed"] for login in logins), logins=logins)
    if params["access"] and present:
        result["access_key"] = params["access_key"]
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = HostModule(
        argument_spec=dict(
            program=dict(type="str", choices=["docker", "podman"], default="docker"),
            region=regions_arg(),
            registry=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            reauthorize=dict(type="bool", default=False),
            config_path=dict(type="path"),
            authfile=dict(type="path"),
            tls_verify=dict(type="bool", default=True),
        )
    )
    module.run(run)


if __name__ == "__main__":
    main()
