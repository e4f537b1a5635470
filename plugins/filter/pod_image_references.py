# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: pod_image_references
short_description: The image references that a Kubernetes cluster's pods use, for the keep_references of cleanup
version_added: 0.2.0
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
description:
  - Takes the pods that C(kubernetes.core.k8s_info) returns and gives the sorted list, without duplicates, of the
    image references they use, ready for O(scaleway.registry.cleanup#module:keep_references), so that a cleanup
    keeps what the cluster runs. The collection does not depend on C(kubernetes.core), since the filter only reads
    the pods it is given.
  - From each container status (C(status.containerStatuses), C(initContainerStatuses) and
    C(ephemeralContainerStatuses)), C(imageID) gives C(repository@sha256:<digest>) and C(image) gives
    C(repository:tag). A scheme before the C(imageID), such as C(docker-pullable://), is removed.
  - From the spec of every pod (C(spec.containers), C(initContainers) and C(ephemeralContainers)), C(image) gives
    C(repository:tag) or C(repository@sha256:<digest>). So the image of a pod that does not run yet is kept, and so
    is the one that a restarted or rescheduled container pulls, which is the one the spec names.
  - An C(imageID) without a repository, such as C(sha256:<id>) or C(docker://sha256:<id>), is ignored. It is the
    ID of the image on the node (the digest of its configuration), not the digest of a manifest in a registry, so
    it names no tag. The container runtime writes one when the image has no repository digest (built or imported
    on the node). With Kubernetes 1.30 or later, the kubelet writes one for every container of a runtime that
    fills the CRI field C(image_id) (containerd does since a change of January 2026). The C(image) and the spec
    still give the tag.
  - A name without a registry host, such as C(nginx:1.25) or C(team/app:v1), is skipped. docker and containerd
    pull it from Docker Hub, and CRI-O from its unqualified-search registries, never from a Scaleway registry, and
    a cleanup could not use it. containerd and CRI-O report the full name, such as
    C(docker.io/library/nginx:1.25), in the status.
  - Only the references to the registries of Scaleway (C(rg.<region>.scw.cloud), any region) are kept, and those
    to the hosts of O(registries). Every reference returned is one that
    O(scaleway.registry.cleanup#module:keep_references) accepts.
positional: registries
options:
  _input:
    description:
      - The pods, as the C(resources) of the result of C(kubernetes.core.k8s_info) with C(kind=Pod) give them (a list
        of Pod objects), or a C(PodList) with its C(items) (C(kubectl get pods -o json)), or that whole result.
    type: raw
    required: true
  registries:
    description:
      - Other registry hosts whose references to keep, as C(host) or C(host:port), such as a local emulator's
        C(127.0.0.1:5000) or C(docker.io). Compared without regard to case.
      - The registries of Scaleway are always kept.
    type: list
    elements: str
    default: []
seealso:
  - module: scaleway.registry.cleanup
  - name: kubernetes.core.k8s_info
    description: The module that lists the pods, in the kubernetes.core collection.
    link: https://docs.ansible.com/projects/ansible/latest/collections/kubernetes/core/k8s_info_module.html
notes:
  - The references are those of the pods at the moment C(kubernetes.core.k8s_info) listed them. A pod created
    afterwards, with an image that nothing else uses, is not seen; list the pods just before the cleanup, in the same
    play.
  - A cluster with no pods gives an empty list, which keeps nothing. Check that the listing found pods before a
    cleanup relies on it.
"""

EXAMPLES = r"""
- name: List the pods of every namespace
  kubernetes.core.k8s_info:
    kind: Pod
  register: pods

- name: Keep what the cluster runs; delete the other tags once older than 30 days
  scaleway.registry.cleanup:
    region: all
    older_than: 30d
    keep_last: 5
    keep_references: "{{ pods.resources | scaleway.registry.pod_image_references }}"

- name: Show the references, with those of a local registry too
  ansible.builtin.debug:
    msg: "{{ pods.resources | scaleway.registry.pod_image_references(registries=['127.0.0.1:5000']) }}"
"""

RETURN = r"""
_value:
  description:
    - The references, sorted, each once, as C(repository:tag) or C(repository@sha256:<digest>), where
      C(repository) is C(host/namespace/image).
  type: list
  elements: str
  sample:
    - rg.fr-par.scw.cloud/team-web/app:v1.2.0
    - rg.fr-par.scw.cloud/team-web/app@sha256:2fbd3d9ace56ac3ec2775f64f5ec5e6551ab30c5e25cc0c2633f33b15b8ca542
"""

import re
from collections.abc import Iterator, Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import registry_problems
from ansible_collections.scaleway.registry.plugins.module_utils._references import (
    BadReference,
    parse_reference,
    registry_host,
    reported,
)

NAME = "pod_image_references"
# docker-pullable://, docker:// (dockershim, cri-dockerd) and any other scheme a runtime may put before an imageID.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
STATUSES = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
SPECS = ("containers", "initContainers", "ephemeralContainers")


def pod_image_references(pods, registries=None):
    """The sorted references (repository:tag, repository@digest) that the pods use, in the registries kept."""
    hosts = wanted_hosts(registries)
    found = set()
    for pod in pod_list(pods):
        status, spec = pod.get("status") or {}, pod.get("spec") or {}
        for container in containers(status, STATUSES):
            found.update(from_image_id(container.get("imageID")))
            found.update(from_image(container.get("image")))
        for container in containers(spec, SPECS):
            found.update(from_image(container.get("image")))
    return sorted(reference for reference in found if reported(reference.split("/", 1)[0], hosts))


def wanted_hosts(registries):
    if registries is None:
        return set()
    if isinstance(registries, str) or not isinstance(registries, (list, tuple)):
        raise AnsibleFilterError(f"{NAME}: registries is a list of registry hosts, not {type(registries).__name__}")
    problems = registry_problems([str(registry) for registry in registries], "registries")
    if problems:
        raise AnsibleFilterError(f"{NAME}: {'; '.join(problems)}")
    return {registry_host(str(registry)) for registry in registries}


def pod_list(pods) -> list[Mapping]:
    """The pods of a list of pods, of a PodList (items) or of a k8s_info result (resources)."""
    if isinstance(pods, Mapping):
        for key in ("items", "resources"):
            if isinstance(pods.get(key), list):
                return check_pods(pods[key])
        raise AnsibleFilterError(
            f"{NAME}: expects the pods that kubernetes.core.k8s_info returns (its resources), or a PodList with items;"
            f" got a mapping with neither (keys: {', '.join(sorted(map(str, pods))[:5]) or 'none'})"
        )
    if isinstance(pods, (list, tuple)):
        return check_pods(pods)
    raise AnsibleFilterError(
        f"{NAME}: expects the pods that kubernetes.core.k8s_info returns (its resources), or a PodList with items;"
        f" got {type(pods).__name__}"
    )


def check_pods(pods) -> list[Mapping]:
    for index, pod in enumerate(pods):
        if not isinstance(pod, Mapping):
            raise AnsibleFilterError(f"{NAME}: item {index} is {type(pod).__name__}, not a Pod object")
    return list(pods)


def containers(section: Mapping, keys: tuple[str, ...]) -> Iterator[Mapping]:
    for key in keys:
        for container in section.get(key) or ():
            if isinstance(container, Mapping):
                yield container


def from_image_id(image_id) -> list[str]:
    """repository@digest from an imageID; nothing from an image ID without a repository (sha256:<id>)."""
    if not isinstance(image_id, str) or not image_id:
        return []
    reference = parsed(_SCHEME.sub("", image_id, count=1))
    if reference is None or reference.digest is None:
        return []
    return [f"{reference.repository}@{reference.digest}"]


def from_image(image) -> list[str]:
    """repository:tag and/or repository@digest from an image as a spec or a status names it."""
    reference = parsed(image) if isinstance(image, str) and image else None
    if reference is None:
        return []
    forms = [f"{reference.repository}@{reference.digest}"] if reference.digest else []
    return forms + ([f"{reference.repository}:{reference.tag}"] if reference.tag else [])


def parsed(text: str):
    """The Reference of text when it names a repository with its registry host, else None."""
    try:
        reference = parse_reference(text, NAME)
    except BadReference:
        return None  # no registry host (nginx:1.25), or not a reference at all
    return reference if reference.repository is not None else None  # a bare digest is an image ID here


class FilterModule:
    """The image references that a Kubernetes cluster's pods use."""

    def filters(self):
        return {NAME: pod_image_references}
