#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image
short_description: Manage the visibility of Scaleway Container Registry images, or delete them
version_added: 0.1.0
description:
  - Set who may pull an image of Scaleway Container Registry, or delete the image with all its tags.
  - Images are created by pushing them, C(docker push <namespace endpoint>/<name>:<tag>), never by this module.
  - The image is found by O(id), or by O(namespace) and O(name).
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  state:
    description:
      - V(present) makes sure the image exists and has the wanted O(visibility). An image that does not exist is
        an error.
      - V(absent) deletes the image with all its tags. An image that does not exist is no change.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - ID of the image. Exclusive with O(namespace) and O(name).
    type: str
  namespace:
    description:
      - Name or ID of the namespace that holds the image. Required with O(name).
    type: str
  name:
    description:
      - Name of the image in its namespace, which may contain V(/) (for example V(team/app)).
    type: str
  visibility:
    description:
      - Who may pull the image. V(public) lets anyone pull it, V(private) only the project's API keys, and
        V(inherit) follows the namespace's C(is_public).
      - Left as it is when not set.
    type: str
    choices: [inherit, public, private]
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.all_projects
  - scaleway.registry.scaleway.region
  - scaleway.registry.scaleway.wait
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
notes:
  - Given O(id) with nothing to change, the module sends a single request; given O(namespace) and O(name), two.
seealso:
  - module: scaleway.registry.image_info
  - module: scaleway.registry.tag
"""

EXAMPLES = r"""
- name: Let anyone pull team/app
  scaleway.registry.image:
    namespace: my-team
    name: team/app
    visibility: public

- name: Make an image follow its namespace again
  scaleway.registry.image:
    id: afd49649-437b-44de-bcff-69732c31104d
    region: nl-ams
    visibility: inherit

- name: Delete an image with all its tags, and wait until it is gone
  scaleway.registry.image:
    namespace: my-team
    name: old-app
    state: absent
"""

RETURN = r"""
image:
  description:
    - The image as the API describes it, with the name of its namespace and its region; V(null) once deleted.
    - With O(state=absent) and O(wait=false), the image being deleted (status V(deleting)).
    - In check mode, the predicted image; an update keeps the current RV(image.updated_at).
  returned: always
  type: dict
  contains:
    id:
      description: ID of the image.
      type: str
      sample: afd49649-437b-44de-bcff-69732c31104d
    name:
      description: Name of the image.
      type: str
      sample: team/app
    namespace_id:
      description: ID of the namespace that holds the image.
      type: str
      sample: c2914c11-bd01-4416-9a48-7b259e741468
    status:
      description: Status of the image.
      type: str
      sample: ready
    status_message:
      description: Details about the status.
      type: str
      sample: ""
    visibility:
      description: Who may pull the image, V(inherit), V(public) or V(private).
      type: str
      sample: inherit
    size:
      description: Size of the image's layers, in bytes.
      type: int
      sample: 4436608
    created_at:
      description: Date of the first push (RFC 3339).
      type: str
      sample: "2026-08-07T16:16:39.346371Z"
    updated_at:
      description: Date of the last change (RFC 3339).
      type: str
      sample: "2026-08-07T16:16:39.813628Z"
    tags:
      description: Names of the image's tags.
      type: list
      elements: str
      sample: [latest, v1.2.0]
    namespace:
      description:
        - Name of the namespace that holds the image.
        - V(null) when the image was given by O(id) alone, since the API's image names only the namespace's ID and
          the module spends no request to look the name up.
      type: str
      sample: my-team
    region:
      description: Region of the image.
      type: str
      sample: fr-par
"""

from ansible_collections.scaleway.registry.plugins.module_utils._module import WAIT_ARGS, ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import (
    VISIBILITIES,
    Images,
    image_to_result,
    locate_image,
)
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError, ensure_absent, ensure_fields


def describe(module):
    params = module.params
    if params["id"]:
        return f"image {params['id']} in {module.region}"
    return f"image {params['name']} in namespace {params['namespace']} of {module.region}"


def present(module, images, namespace, current):
    if current is None and namespace is None:  # given by ID: there is no name to push
        raise TaskError(f"{describe(module)} does not exist")
    if current is None:
        raise TaskError(
            f"{describe(module)} does not exist: images are created by pushing them (docker push"
            f" {namespace['endpoint']}/{module.params['name']}:TAG), not by this module"
        )
    if current["status"] == "deleting":
        raise TaskError(f"{describe(module)} is being deleted")
    return ensure_fields(images, current, {"visibility": module.params["visibility"]}, module.check_mode)


def run(module):
    params = module.params
    namespace, image = locate_image(module.client, module.region, params["id"], params["namespace"], params["name"])
    if namespace is None and not params["id"] and params["state"] == "present":
        raise TaskError(f"namespace {params['namespace']} does not exist in {module.region}")
    namespace_name = namespace["name"] if namespace else None
    images = Images(module.client, module.region)
    if params["state"] == "present":
        changed, after = present(module, images, namespace, image)
    else:
        changed, after = ensure_absent(images, image, module.check_mode, params["wait"], params["wait_timeout"])
    before = image_to_result(image, namespace_name, module.region)
    result = {"changed": changed, "image": image_to_result(after, namespace_name, module.region)}
    if module._diff:
        result["diff"] = module.diff(before, result["image"])
    return result


def main():
    module = ScalewayModule(
        dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            id=dict(type="str"),
            namespace=dict(type="str"),
            name=dict(type="str"),
            visibility=dict(type="str", choices=list(VISIBILITIES)),
            **WAIT_ARGS,
        ),
        mutually_exclusive=[("id", "name"), ("id", "namespace")],
        required_one_of=[("id", "name")],
        required_together=[("namespace", "name")],
        uuid_options=("id",),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
