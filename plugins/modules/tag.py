#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tag
short_description: Delete Scaleway Container Registry image tags, safely
version_added: 0.1.0
description:
  - Delete a tag of an image of Scaleway Container Registry, or make sure it exists.
  - On Scaleway, deleting a tag deletes its manifest, so every other tag of the image with the same digest goes
    with it. Without O(force=true), the module refuses such a delete and names the other tags; with it, it deletes
    them all and returns them in RV(deleted_tags).
  - Tags are created by pushing them, never by this module.
  - The tag is found by O(id), or by O(image) and O(name).
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  state:
    description:
      - V(present), the default, changes nothing. It finds the tag and returns it in RV(tag), and fails when the tag
        does not exist, since tags are created by pushing them. Use it to check that a tag is there, or to read its
        ID and digest. A task without O(state=absent) never deletes anything.
      - V(absent) deletes the tag; a tag that does not exist is no change.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - ID of the tag. Exclusive with O(image), O(namespace) and O(name).
    type: str
  image:
    description:
      - ID of the image, or its name (which may contain V(/)) together with O(namespace). Required with O(name).
    type: str
  namespace:
    description:
      - Name or ID of the namespace of the image, when O(image) is a name.
    type: str
  name:
    description:
      - Name of the tag, for example V(v1.2.0) or V(latest).
    type: str
  force:
    description:
      - Whether to delete the tag when other tags of the image share its digest, deleting them too.
    type: bool
    default: false
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
    details: The diff shows the image's tags and their digests, before and after.
  idempotent:
    support: full
seealso:
  - module: scaleway.registry.tag_info
  - module: scaleway.registry.image
"""

EXAMPLES = r"""
- name: Delete a tag
  scaleway.registry.tag:
    namespace: my-team
    image: team/app
    name: v1.0.0-rc1
    state: absent

- name: Delete a tag and every tag that shares its digest
  scaleway.registry.tag:
    id: 0bd7b99b-a1f2-4ba0-9099-5661073f8ad9
    state: absent
    force: true
  register: deleted

- name: Show what went
  ansible.builtin.debug:
    msg: "{{ deleted.deleted_tags | map(attribute='name') }}"
"""

RETURN = r"""
tag:
  description:
    - The tag as the API describes it, with its region; V(null) once deleted.
    - With O(state=absent) and O(wait=false), the tag being deleted (status V(deleting)).
  returned: always
  type: dict
  contains:
    id:
      description: ID of the tag.
      type: str
      sample: 0bd7b99b-a1f2-4ba0-9099-5661073f8ad9
    name:
      description: Name of the tag.
      type: str
      sample: latest
    image_id:
      description: ID of the image of the tag.
      type: str
      sample: 320fc700-c3fa-4c65-9a0a-427df20781ca
    status:
      description: Status of the tag.
      type: str
      sample: ready
    digest:
      description: Digest of the tag's manifest.
      type: str
      sample: sha256:19459a6bbefb63f83f137f08c1df645f8846e2cd1f44fe209294ebc505e6495e
    created_at:
      description: Date of the push (RFC 3339).
      type: str
      sample: "2025-11-03T15:55:04.567050Z"
    updated_at:
      description: Date of the last change (RFC 3339).
      type: str
      sample: "2025-11-03T15:55:05.201593Z"
    region:
      description: Region of the tag.
      type: str
      sample: fr-par
deleted_tags:
  description:
    - The tags deleted (or that would be, in check mode), the tag itself first, then those that shared its digest.
    - Each as RV(tag) describes it, as it was before the delete.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 0bd7b99b-a1f2-4ba0-9099-5661073f8ad9, name: v1.2.0, digest: "sha256:19459a6b…", status: ready}
    - {id: 5d0c6f1e-8b2a-4f0e-9a53-1c2d3e4f5a6b, name: latest, digest: "sha256:19459a6b…", status: ready}
"""

from ansible_collections.scaleway.registry.plugins.module_utils._module import WAIT_ARGS, ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import Tags, image_id_of, tag_to_result
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError, ensure_absent


def describe(params):
    if params["id"]:
        return f"tag {params['id']}"
    namespace = f" in namespace {params['namespace']}" if params["namespace"] else ""
    return f"tag {params['name']} of image {params['image']}{namespace}"


def find(module, tags):
    params = module.params
    if params["id"]:
        return tags.get(params["id"])
    image_id = image_id_of(module.client, module.region, params["image"], params["namespace"])
    return tags.find(image_id, params["name"]) if image_id else None


def sharing_digest(current, image_tags):
    """The image's other tags that carry the tag's digest: deleting the tag deletes its manifest, and them."""
    return [
        tag
        for tag in image_tags
        if tag["digest"] == current["digest"] and tag["id"] != current["id"] and tag["status"] != "deleting"
    ]


def absent(module, tags, current, sharing):
    """(changed, what remains), refusing to take the tags sharing its digest along without force."""
    if current is None:
        return False, None
    params = module.params
    if sharing and not params["force"]:
        others = ", ".join(tag["name"] for tag in sharing)
        raise TaskError(
            f"{describe(params)} shares digest {current['digest']} with {others}: deleting it deletes its manifest,"
            " and them with it; set force: true to delete them all"
        )
    return ensure_absent(
        tags, current, module.check_mode, params["wait"], params["wait_timeout"], {"force": "true"} if sharing else None
    )


def digests(tags):
    return {tag["name"]: tag["digest"] for tag in tags}


def run(module):
    params = module.params
    tags = Tags(module.client, module.region)
    current = find(module, tags)
    if params["state"] == "present":
        if current is None:
            raise TaskError(
                f"{describe(params)} does not exist in {module.region}: tags are created by pushing them, not by this"
                " module"
            )
        changed, after, deleted, image_tags = False, current, [], [current]
    else:
        # Every tag of the image: those sharing the digest go too, and the diff shows what remains.
        image_tags = tags.list(current["image_id"]) if current else []
        sharing = sharing_digest(current, image_tags) if current else []
        changed, after = absent(module, tags, current, sharing)
        deleted = [current, *sharing] if changed else []
    result = {
        "changed": changed,
        "tag": tag_to_result(after, module.region),
        "deleted_tags": [tag_to_result(tag, module.region) for tag in deleted],
    }
    if module._diff:
        gone = {tag["id"] for tag in deleted}
        result["diff"] = module.diff(
            {"tags": digests(image_tags)}, {"tags": digests(tag for tag in image_tags if tag["id"] not in gone)}
        )
    return result


def main():
    module = ScalewayModule(
        dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            id=dict(type="str"),
            image=dict(type="str"),
            namespace=dict(type="str"),
            name=dict(type="str"),
            force=dict(type="bool", default=False),
            **WAIT_ARGS,
        ),
        mutually_exclusive=[("id", "name"), ("id", "image"), ("id", "namespace")],
        required_one_of=[("id", "name")],
        required_together=[("image", "name")],
        uuid_options=("id",),
        supports_check_mode=True,
    )
    module.require_image_namespace()
    module.run(run)


if __name__ == "__main__":
    main()
