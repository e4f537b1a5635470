#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: namespace_info
short_description: List Scaleway Container Registry namespaces
version_added: 0.1.0
description:
  - List the namespaces of one region, or of every region at once, with the API's filters.
  - Every page is read; the listing is complete or the task fails.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  name:
    description:
      - Only the namespace with exactly this name.
    type: str
  namespace_id:
    description:
      - Only the namespace with this ID. An ID that does not exist gives an empty list.
    type: str
  order_by:
    description:
      - Order of the namespaces in each region. With O(region=all), the regions follow each other in the order
        fr-par, nl-ams, pl-waw.
    type: str
    choices: [created_at_asc, created_at_desc, description_asc, description_desc, name_asc, name_desc]
    default: created_at_asc
extends_documentation_fragment:
  - scaleway.registry.scaleway.info
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.attributes
seealso:
  - module: scaleway.registry.namespace
"""

EXAMPLES = r"""
- name: Every namespace of every region
  scaleway.registry.namespace_info:
    region: all
  register: all_namespaces

- name: Names and endpoints of the public namespaces
  ansible.builtin.debug:
    msg: "{{ all_namespaces.namespaces | selectattr('is_public') | map(attribute='endpoint') }}"

- name: One namespace by name in the default region
  scaleway.registry.namespace_info:
    name: my-team
  register: found
"""

RETURN = r"""
namespaces:
  description: The namespaces that match, each as the API describes it, with its region.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 77e91a59-aa35-4d6d-ae0f-ccf15ac80639
      name: my-team
      description: Images of my team
      organization_id: 105bdce1-64c0-48ab-899d-868455867ecf
      project_id: 105bdce1-64c0-48ab-899d-868455867ecf
      status: ready
      status_message: ""
      endpoint: rg.fr-par.scw.cloud/my-team
      is_public: false
      size: 4436608
      created_at: "2026-07-17T09:50:00.638933Z"
      updated_at: "2026-07-17T09:50:00.638933Z"
      image_count: 2
      region: fr-par
"""

from ansible_collections.scaleway.registry.plugins.module_utils._module import ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import (
    NAMESPACE_ORDER_BY,
    Namespaces,
    namespace_to_result,
)


def matches(namespace, params):
    """Whether a namespace fetched by ID passes the other filters, as the list endpoint would apply them."""
    return all(
        params[field] is None or namespace[field] == params[field]
        for field in ("name", "project_id", "organization_id")
    )


def list_region(module, region):
    namespaces, params = Namespaces(module.client, region), module.params
    if params["namespace_id"]:
        found = namespaces.get(params["namespace_id"])
        return [found] if found is not None and matches(found, params) else []
    return namespaces.list(
        name=params["name"],
        project_id=params["project_id"],
        organization_id=params["organization_id"],
        order_by=params["order_by"],
    )


def run(module):
    per_region = module.client.map(lambda region: list_region(module, region), module.regions)
    return {"changed": False, "namespaces": [namespace_to_result(item) for items in per_region for item in items]}


def main():
    module = ScalewayModule(
        dict(
            name=dict(type="str"),
            namespace_id=dict(type="str"),
            order_by=dict(type="str", choices=list(NAMESPACE_ORDER_BY), default="created_at_asc"),
        ),
        several_regions=True,
        uuid_options=("namespace_id",),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
