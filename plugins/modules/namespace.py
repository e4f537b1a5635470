#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: namespace
short_description: Manage Scaleway Container Registry namespaces
version_added: 0.1.0
description:
  - Create, update and delete a namespace of Scaleway Container Registry, found by its name in its region.
  - Only the options you set are compared, and a change is sent only when something differs.
  - Images are pushed into a namespace at its RV(namespace.endpoint) with C(docker push) or C(podman push).
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  state:
    description:
      - V(present) creates the namespace if it is missing and updates what differs.
      - V(absent) deletes it, with its images and tags.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name of the namespace, unique in its region across all Scaleway organizations.
      - Lowercase letters, digits and single hyphens between them, 4 to 54 characters. It cannot be changed.
    type: str
    required: true
  description:
    description:
      - Description of the namespace. Left as it is when not set; new namespaces get an empty one.
    type: str
  is_public:
    description:
      - Whether anyone may pull the images of the namespace whose visibility is V(inherit).
      - Left as it is when not set; new namespaces are private.
    type: bool
  project_id:
    description:
      - The project (a UUID) that the module creates the namespace in. A namespace of that name found in another
        project is left alone (see the notes).
      - If not set, E(SCW_DEFAULT_PROJECT_ID), then C(default_project_id) in the selected profile.
  organization_id:
    description:
      - The organization (a UUID) whose default project the module creates the namespace in when no project is
        known (none from O(project_id), E(SCW_DEFAULT_PROJECT_ID) or the scw config). Not used otherwise.
      - If not set, E(SCW_DEFAULT_ORGANIZATION_ID), then C(default_organization_id) in the selected profile.
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
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
  - The namespace is looked up by name with a single request, across the projects of the organization; one found in
    another project than O(project_id) is left alone, and makes V(present) fail, in check mode too, as names are
    unique per region. With no project known, the namespace found is managed whatever its project. A name taken by
    another organization cannot be seen, so there only the create fails.
  - A namespace found while it is being deleted is waited for and then created again when O(wait=true);
    with O(wait=false) the task fails and says so.
  - A create is never sent twice blindly. After a failure that leaves it unknown whether the namespace was created,
    the module looks it up by name before sending it again.
seealso:
  - module: scaleway.registry.namespace_info
"""

EXAMPLES = r"""
- name: Create a private namespace
  scaleway.registry.namespace:
    name: my-team
    description: Images of my team
    region: fr-par
    project_id: 105bdce1-64c0-48ab-899d-868455867ecf

- name: Make it public, with the connection options set once for the whole collection
  module_defaults:
    group/scaleway.registry.all:
      region: nl-ams
  scaleway.registry.namespace:
    name: my-public-images
    is_public: true

- name: Delete a namespace and wait until it is gone
  scaleway.registry.namespace:
    name: my-team
    state: absent
"""

RETURN = r"""
namespace:
  description:
    - The namespace as the API describes it, or V(null) once it is deleted.
    - With O(state=absent) and O(wait=false), the namespace being deleted (status V(deleting)).
    - In check mode, the predicted namespace. What only the API can know is not predicted, the V(id) and dates of a
      namespace that would be created are V(null), and an update keeps the current RV(namespace.updated_at).
      With an O(api_url) other than Scaleway's, the RV(namespace.endpoint) of a namespace that would be created is
      V(null) too.
  returned: always
  type: dict
  contains:
    id:
      description: ID of the namespace.
      type: str
      sample: 77e91a59-aa35-4d6d-ae0f-ccf15ac80639
    name:
      description: Name of the namespace.
      type: str
      sample: my-team
    description:
      description: Description of the namespace.
      type: str
      sample: Images of my team
    organization_id:
      description: Organization that owns the namespace.
      type: str
      sample: 105bdce1-64c0-48ab-899d-868455867ecf
    project_id:
      description: Project of the namespace.
      type: str
      sample: 105bdce1-64c0-48ab-899d-868455867ecf
    status:
      description: Status of the namespace.
      type: str
      sample: ready
    status_message:
      description: Details about the status.
      type: str
      sample: ""
    endpoint:
      description: Where images are pushed and pulled, C(<registry host>/<name>).
      type: str
      sample: rg.fr-par.scw.cloud/my-team
    is_public:
      description: Whether images with visibility C(inherit) may be pulled by anyone.
      type: bool
      sample: false
    size:
      description: Total size of the images, in bytes.
      type: int
      sample: 4436608
    created_at:
      description: Creation date (RFC 3339).
      type: str
      sample: "2026-07-17T09:50:00.638933Z"
    updated_at:
      description: Date of the last change (RFC 3339).
      type: str
      sample: "2026-07-17T09:50:00.638933Z"
    image_count:
      description: Number of images in the namespace.
      type: int
      sample: 2
    region:
      description: Region of the namespace.
      type: str
      sample: fr-par
"""

from ansible_collections.scaleway.registry.plugins.module_utils._client import AlreadyExists
from ansible_collections.scaleway.registry.plugins.module_utils._config import DEFAULT_API_URL
from ansible_collections.scaleway.registry.plugins.module_utils._module import WAIT_ARGS, ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import (
    Namespaces,
    namespace_name_problem,
    namespace_to_result,
)
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError, ensure_absent, ensure_fields

UPDATABLE = ("description", "is_public")


def predicted_endpoint(module):
    """Scaleway's registry host of the region; another API (an emulator) has registries of its own."""
    if module.settings.api_url != DEFAULT_API_URL:
        return None
    return f"rg.{module.region}.scw.cloud/{module.params['name']}"


def predicted_namespace(module, project_id):
    """What the API would answer to the create, as far as it can be known without sending it."""
    params, region = module.params, module.region
    return namespace_to_result(
        {
            "id": None,
            "name": params["name"],
            "description": params["description"] or "",
            "organization_id": module.settings.organization_id,
            "project_id": project_id,
            "status": "ready",
            "status_message": "",
            "endpoint": predicted_endpoint(module),
            "is_public": bool(params["is_public"]),
            "size": 0,
            "created_at": None,
            "updated_at": None,
            "image_count": 0,
            "region": region,
        }
    )


def create(module, namespaces):
    settings = module.settings
    project_id = settings.project_id or settings.organization_id
    if not project_id:
        raise TaskError(
            f"cannot create namespace {module.params['name']}: no project is known; set project_id, or the"
            " SCW_DEFAULT_PROJECT_ID environment variable, or default_project_id in the scw config"
        )
    if module.check_mode:
        return predicted_namespace(module, project_id)
    try:
        return namespaces.create(
            module.params["name"],
            settings.project_id,
            settings.organization_id,
            module.params["description"] or "",
            bool(module.params["is_public"]),
        )
    except AlreadyExists:
        raise TaskError(
            f"namespace {module.params['name']} already exists in {module.region} outside project {project_id}:"
            " names are unique per region across all Scaleway organizations; choose another name"
        ) from None


def present(module, namespaces, current):
    if current is not None and current["status"] == "deleting":
        if not module.params["wait"]:
            raise TaskError(
                f"namespace {current['name']} in {module.region} is being deleted; run again once it is gone, or set"
                " wait: true to wait for it"
            )
        namespaces.wait_until_gone(current["id"], module.params["wait_timeout"])
        current = None
    if current is None:
        return True, create(module, namespaces)
    return ensure_fields(namespaces, current, {field: module.params[field] for field in UPDATABLE}, module.check_mode)


def taken_elsewhere(module, found):
    """The namespace's project, when it is not the one asked for."""
    project_id = module.settings.project_id
    return found["project_id"] if found and project_id and found["project_id"] != project_id else None


def run(module):
    namespaces = Namespaces(module.client, module.region)
    # Without the project filter, so that check mode sees a name taken in another project, as the create would.
    current = namespace_to_result(namespaces.find_by_name(module.params["name"]))
    other_project = taken_elsewhere(module, current)
    if other_project and module.params["state"] == "present":
        raise TaskError(
            f"namespace {module.params['name']} already exists in {module.region} in project {other_project}, not in"
            f" project {module.settings.project_id}: names are unique per region; choose another name, or set"
            f" project_id to {other_project}"
        )
    if other_project:
        current = None
    if module.params["state"] == "present":
        changed, after = present(module, namespaces, current)
    else:
        changed, after = ensure_absent(
            namespaces, current, module.check_mode, module.params["wait"], module.params["wait_timeout"]
        )
    result = {"changed": changed, "namespace": namespace_to_result(after)}
    if module._diff:
        result["diff"] = module.diff(current, result["namespace"])
    return result


def main():
    module = ScalewayModule(
        dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            name=dict(type="str", required=True),
            description=dict(type="str"),
            is_public=dict(type="bool"),
            **WAIT_ARGS,
        ),
        supports_check_mode=True,
    )
    problem = namespace_name_problem(module.params["name"])
    if problem:
        module.fail_json(msg=problem)
    module.run(run)


if __name__ == "__main__":
    main()
