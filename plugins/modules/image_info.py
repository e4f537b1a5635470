#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_info
short_description: List Scaleway Container Registry images, with their tags if asked
version_added: 0.1.0
description:
  - List the images of one region, or of every region at once, with the API's filters.
  - Every page is read, 100 images at a time; the listing is complete or the task fails.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  namespace:
    description:
      - Only the images of this namespace, given by name or ID. A namespace that does not exist gives no image.
    type: str
  name:
    description:
      - Only the images with exactly this name (which may contain V(/)).
    type: str
  image_id:
    description:
      - Only the image with this ID. An ID that does not exist gives an empty list.
    type: str
  order_by:
    description:
      - Order of the images in each region. With O(region=all), the regions follow each other in the order
        fr-par, nl-ams, pl-waw.
    type: str
    choices: [created_at_asc, created_at_desc, name_asc, name_desc]
    default: created_at_asc
  include_tags:
    description:
      - Whether to add to each image RV(images[].tag_details), its tag objects, fetched for several images at once.
      - This costs at least one request per image.
    type: bool
    default: false
extends_documentation_fragment:
  - scaleway.registry.scaleway.info
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.attributes
notes:
  - Besides the image listing, each region costs one listing of its namespaces (sent at the same time) to name
    the namespace of each image, unless O(namespace) is given.
seealso:
  - module: scaleway.registry.image
  - module: scaleway.registry.tag_info
"""

EXAMPLES = r"""
- name: Every image of every region
  scaleway.registry.image_info:
    region: all
  register: every_image

- name: The images of one namespace, with the digest of every tag
  scaleway.registry.image_info:
    namespace: my-team
    include_tags: true
  register: team_images

- name: Pull references of every tag
  ansible.builtin.debug:
    msg: "{{ team_images.images | map(attribute='tag_details') | flatten | map(attribute='name') }}"
"""

RETURN = r"""
images:
  description: The images that match, each as the API describes it, with the name of its namespace and its region.
  returned: always
  type: list
  elements: dict
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
      description: Name of the namespace that holds the image.
      type: str
      sample: my-team
    region:
      description: Region of the image.
      type: str
      sample: fr-par
    tag_details:
      description: The image's tags as the API describes them, oldest first.
      returned: when O(include_tags=true)
      type: list
      elements: dict
      sample:
        - id: 0bd7b99b-a1f2-4ba0-9099-5661073f8ad9
          name: latest
          image_id: afd49649-437b-44de-bcff-69732c31104d
          status: ready
          digest: sha256:19459a6bbefb63f83f137f08c1df645f8846e2cd1f44fe209294ebc505e6495e
          created_at: "2025-11-03T15:55:04.567050Z"
          updated_at: "2025-11-03T15:55:05.201593Z"
"""

from ansible_collections.scaleway.registry.plugins.module_utils._module import ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import (
    ORDER_BY,
    Images,
    Namespaces,
    image_to_result,
)
from ansible_collections.scaleway.registry.plugins.module_utils._scan import Found, Scope, fetch_tags, scan


def one_image(module, region):
    """The image of image_id in the region, if it passes the other filters; else None."""
    params, client = module.params, module.client
    image = Images(client, region).get(params["image_id"])
    if image is None:
        return None
    # The image object holds neither project nor organization: its namespace does.
    namespace = Namespaces(client, region).get(image["namespace_id"]) or {}
    wanted = {
        "name": image["name"],
        "project_id": namespace.get("project_id"),
        "organization_id": namespace.get("organization_id"),
    }
    if any(params[key] is not None and params[key] != value for key, value in wanted.items()):
        return None
    if params["namespace"] and params["namespace"] not in (namespace.get("id"), namespace.get("name")):
        return None
    return Found(region, namespace, image)


def run(module):
    params, client = module.params, module.client
    if params["image_id"]:
        images = [found for found in client.map(lambda region: one_image(module, region), module.regions) if found]
    else:
        scope = Scope(
            namespace=params["namespace"],
            project_id=params["project_id"],
            organization_id=params["organization_id"],
            image_filters={"name": params["name"], "order_by": params["order_by"]},
        )
        images = scan(client, module.regions, scope).images
    if params["include_tags"]:
        images = fetch_tags(client, images)
    results = []
    for item in images:
        result = image_to_result(item.image, item.namespace.get("name"), item.region)
        if item.tags is not None:
            result["tag_details"] = item.tags
        results.append(result)
    return {"changed": False, "images": results}


def main():
    module = ScalewayModule(
        dict(
            namespace=dict(type="str"),
            name=dict(type="str"),
            image_id=dict(type="str"),
            order_by=dict(type="str", choices=list(ORDER_BY), default="created_at_asc"),
            include_tags=dict(type="bool", default=False),
        ),
        several_regions=True,
        uuid_options=("image_id",),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
