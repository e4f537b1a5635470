#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tag_info
short_description: List the tags of a Scaleway Container Registry image
version_added: 0.1.0
description:
  - List the tags of one image, or get one tag by its ID.
  - Every page is read, 100 tags at a time; the listing is complete or the task fails.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  id:
    description:
      - ID of one tag. An ID that does not exist gives an empty list. Exclusive with O(image).
    type: str
  image:
    description:
      - ID of the image, or its name (which may contain V(/)) together with O(namespace). An image that does not
        exist gives an empty list.
    type: str
  namespace:
    description:
      - Name or ID of the namespace of the image, when O(image) is a name.
    type: str
  name:
    description:
      - Only the tag with exactly this name.
    type: str
  order_by:
    description:
      - Order of the tags.
    type: str
    choices: [created_at_asc, created_at_desc, name_asc, name_desc]
    default: created_at_asc
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.all_projects
  - scaleway.registry.scaleway.region
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  idempotent:
    support: full
seealso:
  - module: scaleway.registry.tag
  - module: scaleway.registry.image_info
"""

EXAMPLES = r"""
- name: The tags of an image, newest first
  scaleway.registry.tag_info:
    namespace: my-team
    image: team/app
    order_by: created_at_desc
  register: app_tags

- name: The digest of the latest tag
  ansible.builtin.debug:
    msg: "{{ (app_tags.tags | selectattr('name', '==', 'latest') | first).digest }}"
"""

RETURN = r"""
tags:
  description: The tags that match, each as the API describes it, with its region.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0bd7b99b-a1f2-4ba0-9099-5661073f8ad9
      name: latest
      image_id: 320fc700-c3fa-4c65-9a0a-427df20781ca
      status: ready
      digest: sha256:19459a6bbefb63f83f137f08c1df645f8846e2cd1f44fe209294ebc505e6495e
      created_at: "2025-11-03T15:55:04.567050Z"
      updated_at: "2025-11-03T15:55:05.201593Z"
      region: fr-par
"""

from ansible_collections.scaleway.registry.plugins.module_utils._module import ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import (
    ORDER_BY,
    Tags,
    image_id_of,
    tag_to_result,
)


def run(module):
    params, tags = module.params, Tags(module.client, module.region)
    if params["id"]:
        found = tags.get(params["id"])
        found = [found] if found is not None and params["name"] in (None, found["name"]) else []
    else:
        image_id = image_id_of(module.client, module.region, params["image"], params["namespace"])
        found = tags.list(image_id, name=params["name"], order_by=params["order_by"]) if image_id else []
    return {"changed": False, "tags": [tag_to_result(tag, module.region) for tag in found]}


def main():
    module = ScalewayModule(
        dict(
            id=dict(type="str"),
            image=dict(type="str"),
            namespace=dict(type="str"),
            name=dict(type="str"),
            order_by=dict(type="str", choices=list(ORDER_BY), default="created_at_asc"),
        ),
        mutually_exclusive=[("id", "image"), ("id", "namespace")],
        required_one_of=[("id", "image")],
        uuid_options=("id",),
        supports_check_mode=True,
    )
    module.require_image_namespace()
    module.run(run)


if __name__ == "__main__":
    main()
