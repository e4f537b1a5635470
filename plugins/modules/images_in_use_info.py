#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: images_in_use_info
short_description: List the registry images that the containers of a host use
version_added: 0.2.0
description:
  - Lists every container of the host, running or stopped, of docker and of podman, with the reference it was
    created from and the digest of the image it runs, so that a cleanup of the registry keeps them (RV(references)).
  - Reports the images of Scaleway's registries (C(rg.<region>.scw.cloud), in any region) and of the registries
    named in O(registries). The containers of other registries are only counted, in RV(other_registries).
  - Reads the engines' JSON output, with three commands per engine however many containers there are, C(ps --all),
    one C(container inspect) of all the containers and one C(image inspect) of their images. Calls no API.
  - An engine that is not installed, or whose daemon does not answer, is skipped and named in RV(engines); a
    container whose digest cannot be told is listed with a null digest and a reason. Neither fails the task.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  registries:
    description:
      - Other registries whose images to report, besides Scaleway's, each C(host) or C(host:port) as the references
        write it, such as a private registry or a local emulator's (V(127.0.0.1:5000)). Anything else, such as a
        URL or a path, is refused.
    type: list
    elements: str
    default: []
  timeout:
    description:
      - How long each engine command may take, in seconds. An engine that takes longer, such as a docker daemon
        that hangs, is killed and noted with the status V(error), so that the task ends.
      - It needs the C(timeout) command of coreutils (or BusyBox), which every Debian and Ubuntu host has; without
        it, the engine commands run with no limit.
    type: int
    default: 60
extends_documentation_fragment:
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads, and runs the same commands in check mode, with the same result.
  diff_mode:
    support: N/A
    details: The module changes nothing.
  idempotent:
    support: full
  action_group:
    description: Not in C(group/scaleway.registry.all), since the module takes no connection option.
    support: none
    membership: []
notes:
  - docker, the containers of the daemon that the docker CLI talks to (E(DOCKER_HOST), else the current docker
    context), which the user that the module runs as must be allowed to reach (root, or the C(docker) group).
  - podman, the containers of the user that the module runs as. As root (C(become=true)), the system's containers,
    those of C(sudo podman ps); as another user, that user's rootless containers. To cover both, run the module
    with and without C(become), and add up the RV(references). Other users' rootless containers are not read.
  - A container created from an image ID is listed under each name of that image.
  - A C(docker) that shows podman's containers (the C(podman-docker) package, or E(DOCKER_HOST) on podman's socket)
    lists them once, under podman.
  - An engine with the status V(error) may have containers that are not listed. Before a cleanup, check that none
    has it, as C(examples/cleanup-in-use.yml) does.
seealso:
  - module: scaleway.registry.cleanup
"""

EXAMPLES = r"""
- name: Find the Scaleway images that the containers of each host use, running or stopped
  scaleway.registry.images_in_use_info:
  become: true
  register: in_use

- name: Gather them for the whole fleet, on the controller, ready for a cleanup to keep
  ansible.builtin.set_fact:
    in_use_fleet: >-
      {{ ansible_play_hosts | map('extract', hostvars, ['in_use', 'references']) | flatten | unique | sort }}
  run_once: true

- name: Report the images of a private registry too, as repository@digest and repository:tag
  scaleway.registry.images_in_use_info:
    registries: [registry.example.com:5000]
  register: in_use_private

- name: Show the references
  ansible.builtin.debug:
    msg: "{{ in_use_private.references }}"
"""

RETURN = r"""
images:
  description: One entry per engine, image reference and digest, sorted by reference. Containers created from one
    tag before and after it moved to another image run two images, and make two entries.
  returned: always
  type: list
  elements: dict
  contains:
    reference:
      description: The reference that the containers were created from, written out in full,
        C(host[:port]/path:tag) or C(host[:port]/path@sha256:<digest>) (a name with no registry is C(docker.io)'s,
        with no tag nor digest it is C(:latest)); as the engine records it when it cannot be read.
      type: str
      sample: rg.fr-par.scw.cloud/my-team/app:v1
    repository:
      description: The repository, host and path, in lower case; null when the reference cannot be read.
      type: str
      sample: rg.fr-par.scw.cloud/my-team/app
    tag:
      description: The tag of the reference, if it has one.
      type: str
      sample: v1
    digest:
      description:
        - The digest of the image that the containers run, the one in the reference, else the one that the engine
          records for that repository (C(RepoDigests)), else podman's manifest digest of the image (C(Digest)).
        - Null when it cannot be told (an image built or tagged on the host, never pulled from or pushed to that
          repository, or one that is gone), with a RV(images[].reason).
      type: str
      sample: sha256:e298864a85b21ac66769654a5a38807483d298b3c35dc1f496f7aed679575dc6
    engine:
      description: The engine of the containers.
      type: str
      choices: [docker, podman]
      sample: podman
    containers:
      description: The names of the containers, sorted.
      type: list
      elements: str
      sample: [web-1, web-2]
    running:
      description: Whether any of the containers runs.
      type: bool
      sample: true
    reason:
      description: Why RV(images[].digest) is null; null when it is not.
      type: str
references:
  description: The references that a cleanup must keep, sorted, without duplicates, C(repository@digest) for every
    digest that the engines record for the images in use, and C(repository:tag) for every tag they were created from.
  returned: always
  type: list
  elements: str
  sample:
    - rg.fr-par.scw.cloud/my-team/app:v1
    - rg.fr-par.scw.cloud/my-team/app@sha256:e298864a85b21ac66769654a5a38807483d298b3c35dc1f496f7aed679575dc6
engines:
  description: What each engine gave, docker and then podman.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The engine.
      type: str
      choices: [docker, podman]
    status:
      description:
        - V(used), its containers were read; V(not installed), its program is not in the PATH; V(not running),
          docker's daemon is not running; V(is podman), docker lists podman's containers, which are reported under
          podman; V(error), the engine failed otherwise, or took longer than O(timeout) (RV(engines[].reason)).
      type: str
      choices: [used, not installed, not running, is podman, error]
      sample: not running
    reason:
      description: What the engine said, when it was not used; for docker, also how many of its containers podman
        lists, when some are podman's.
      type: str
      sample: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?
    containers:
      description: How many containers it has, running or stopped, of every registry; for docker, without those
        that podman lists too.
      type: int
      sample: 0
other_registries:
  description: The registries left out, with how many containers use each.
  returned: always
  type: dict
  sample: {"docker.io": 2}
"""

from ansible_collections.scaleway.registry.plugins.module_utils._containers import (
    image_id,
    images_in_use,
    inspected,
    ps_ids,
)
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import registry_problems
from ansible_collections.scaleway.registry.plugins.module_utils._host_module import HostModule, command_said
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

PS = {
    "docker": ["ps", "--all", "--no-trunc", "--format", "{{json .}}"],
    "podman": ["ps", "--all", "--format", "json"],
}
DAEMON_DOWN = "Cannot connect to the Docker daemon"
# coreutils' and BusyBox's timeout exit with 124 when the command ran out of time, 137 when it had to be killed.
TIMED_OUT = (124, 137)
GRACE_SECONDS = "5"


class EngineError(Exception):
    """An engine that cannot be used: (status, what it said)."""


def engine_command(module, engine, program, arguments):
    """run_command of an engine command, killed when it takes longer than the timeout option."""
    limit = module.params["timeout"]
    bound = module.get_bin_path("timeout")
    prefix = [bound, "-k", GRACE_SECONDS, str(limit)] if bound else []
    rc, out, err = module.run_command([*prefix, program, *arguments])
    if bound and rc in TIMED_OUT:
        raise EngineError("error", f"{engine} {' '.join(arguments[:2])} gave no answer within {limit} s")
    return rc, out, err


def inspect(module, engine, program, kind, ids):
    """The objects of one `<kind> inspect` of all ids; those that went away meanwhile are left out."""
    if not ids:
        return []
    rc, out, err = engine_command(module, engine, program, [kind, "inspect", *ids])
    try:
        return inspected(out)
    except ValueError:
        raise EngineError("error", f"{kind} inspect failed: {command_said(rc, out, err)}") from None


def query(module, engine):
    """(the engine's entry of `engines`, its containers inspected, their images inspected)."""
    program = module.get_bin_path(engine)
    try:
        if not program:
            raise EngineError("not installed", f"{engine} is not in the PATH")
        rc, out, err = engine_command(module, engine, program, PS[engine])
        if rc != 0:
            raise EngineError("not running" if DAEMON_DOWN in err else "error", command_said(rc, out, err))
        try:
            ids = ps_ids(out)
        except ValueError:
            raise EngineError("error", f"ps --all printed no JSON: {command_said(rc, out, '')}") from None
        containers = inspect(module, engine, program, "container", ids)
        images = inspect(
            module, engine, program, "image", sorted({image_id(item.get("Image")) for item in containers} - {""})
        )
    except EngineError as exc:
        status, reason = exc.args
        return dict(name=engine, status=status, reason=reason, containers=0), [], []
    return dict(name=engine, status="used", reason=None, containers=len(containers)), containers, images


def apart(docker, podman):
    """docker's query without the containers that podman lists too: podman-docker's docker is podman, and the
    docker CLI shows podman's containers when DOCKER_HOST is podman's socket. Each container counts once."""
    status, containers, images = docker
    podmans = {item.get("Id") for item in podman[1]}
    own = [item for item in containers if item.get("Id") not in podmans]
    if len(own) == len(containers):
        return docker
    shared = len(containers) - len(own)
    if own:
        status = dict(status, containers=len(own), reason=f"{shared} of its containers are podman's, listed there")
    else:
        status = dict(status, status="is podman", containers=0, reason=f"its {shared} containers are podman's")
    return status, own, images


def run(module):
    registries = module.params["registries"]
    problems = registry_problems(registries, "registries")
    if module.params["timeout"] < 1:
        problems.append(f"timeout: {module.params['timeout']} is no time; give the seconds an engine command may take")
    if problems:
        raise TaskError(problems[0])
    queried = {engine: query(module, engine) for engine in PS}
    queried["docker"] = apart(queried["docker"], queried["podman"])
    engines, images, references, others = [], [], set(), {}
    for engine, (status, containers, inspected_images) in queried.items():
        found = images_in_use(engine, containers, inspected_images, registries)
        engines.append(status)
        images.extend(found.entries.values())
        references |= found.keep
        for registry, count in found.others.items():
            others[registry] = others.get(registry, 0) + count
    images.sort(key=lambda entry: (entry["reference"], entry["engine"], entry["digest"] or "", entry["reason"] or ""))
    return dict(changed=False, images=images, references=sorted(references), engines=engines, other_registries=others)


def main():
    spec = dict(registries=dict(type="list", elements="str", default=[]), timeout=dict(type="int", default=60))
    module = HostModule(spec, connection=False)
    module.run(run)


if __name__ == "__main__":
    main()
