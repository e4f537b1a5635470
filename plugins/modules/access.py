#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access
short_description: Manage the IAM application and policy behind a fleet's registry keys
version_added: 0.2.0
description:
  - Creates, updates and deletes a Scaleway IAM application, and the policy that gives it the right to pull (or
    push) in the registries of chosen projects, and nothing else.
  - The hosts of a fleet then each hold a key of this application, of their own, that expires and can be revoked,
    instead of the controller's key.
  - With O(keep_hosts), deletes the keys that the collection issued to hosts that are not in the list, so that a
    host that left the inventory loses its access.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  name:
    description:
      - Name of the IAM application, in the organization. The policy gets the same name.
    type: str
    required: true
  permission:
    description:
      - V(pull) grants C(ContainerRegistryReadOnly), V(push) C(ContainerRegistryFullAccess), on O(project_ids).
    type: str
    choices: [pull, push]
    default: pull
  project_ids:
    description:
      - The projects whose registries the application's keys may use.
      - If not set, the resolved project (O(project_id), E(SCW_DEFAULT_PROJECT_ID), C(default_project_id)).
    type: list
    elements: str
  description:
    description:
      - Description of the application. Left as it is when not set; a new application gets an empty one.
    type: str
  state:
    description:
      - V(present) creates what is missing and updates what differs.
      - V(absent) deletes the application's keys, its policies and the application.
    type: str
    choices: [present, absent]
    default: present
  keep_hosts:
    description:
      - The inventory host names whose keys stay. A key that the collection issued to another host is deleted.
      - Keys that the collection did not issue (their description does not start with C(scaleway.registry host=))
        are never deleted by this option.
      - Every key stays when not set.
    type: list
    elements: str
  project_id:
    description:
      - The project that O(project_ids) defaults to.
      - If not set, E(SCW_DEFAULT_PROJECT_ID), then C(default_project_id) in the selected profile.
  organization_id:
    description:
      - The organization of the application. Required, from this option, E(SCW_DEFAULT_ORGANIZATION_ID) or
        C(default_organization_id) in the selected profile.
  region:
    description:
      - Not used; IAM has no region.
    type: str
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
notes:
  - The API key that runs this module needs IAM rights in the organization (C(IAMManager), or an owner's key).
  - Other policies attached to the application are left alone, with a warning, since its keys have their rights too.
  - The module never returns a secret key; the IAM API shows one only when it creates a key.
seealso:
  - module: scaleway.registry.credential_helper
  - module: scaleway.registry.login
"""

EXAMPLES = r"""
- name: An application whose keys may pull the images of the default project
  scaleway.registry.access:
    name: fleet-pull

- name: Revoke the keys of hosts that left the fleet
  scaleway.registry.access:
    name: fleet-pull
    keep_hosts: "{{ groups['all'] }}"

- name: Delete the application, its policy and its keys
  scaleway.registry.access:
    name: fleet-pull
    state: absent
"""

RETURN = r"""
application:
  description: The IAM application, as the API describes it; null when absent.
  returned: always
  type: dict
  sample: {"id": "2e57910e-e3f9-414e-8b62-a674808be86e", "name": "fleet-pull", "description": "",
           "organization_id": "105bdce1-64c0-48ab-899d-868455867ecf", "nb_api_keys": 3}
policy:
  description: The policy that gives the application its registry rights, with its O(permission) and rules.
  returned: always
  type: dict
  sample: {"id": "4e9ef083-1a9b-41f5-82f4-cccc58ed259b", "name": "fleet-pull", "permission": "pull",
           "rules": [{"permission_set_names": ["ContainerRegistryReadOnly"],
                      "project_ids": ["105bdce1-64c0-48ab-899d-868455867ecf"]}]}
keys:
  description: The application's API keys that remain, without their secret.
  returned: always
  type: list
  elements: dict
  contains:
    access_key:
      description: The access key (C(SCW...)).
      type: str
    host:
      description: The inventory host it was issued to, or null for a key that the collection did not issue.
      type: str
    created_at:
      description: When it was created (RFC 3339).
      type: str
    expires_at:
      description: When it expires (RFC 3339), or null.
      type: str
revoked:
  description: The keys deleted because their host is not in O(keep_hosts) (in check mode, that would be).
  returned: always
  type: list
  elements: dict
  sample: [{"access_key": "SCW9AXCN349HVWTA0M0H", "host": "web-3"}]
"""

from ansible_collections.scaleway.registry.plugins.module_utils._client import PermissionsDenied
from ansible_collections.scaleway.registry.plugins.module_utils._iam import (
    ApiKeys,
    Applications,
    Policies,
    comparable_rules,
    key_host,
    organization_of,
    wanted_rules,
    without_iam_rights,
)
from ansible_collections.scaleway.registry.plugins.module_utils._module import ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import is_uuid
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

APPLICATION_FIELDS = ("id", "name", "description", "organization_id", "created_at", "updated_at", "nb_api_keys")
KEY_FIELDS = ("access_key", "created_at", "expires_at")


def key_to_result(key):
    return dict({field: key.get(field) for field in KEY_FIELDS}, host=key_host(key))


def ensure_application(apps, current, name, description, check_mode):
    """(changed, the application after): created when missing, its description updated when it differs."""
    if current is None:
        if check_mode:
            return True, {"id": None, "name": name, "description": description or "", "nb_api_keys": 0}
        return True, apps.create(name, description or "")
    if description is None or current.get("description") == description:
        return False, current
    return True, current if check_mode else apps.update(current["id"], {"description": description})


def read_policies(policies, application, name):
    """(the application's policies, the rules of the one of its name or None): its rights as they are."""
    found = policies.of_application(application["id"])
    ours = next((policy for policy in found if policy["name"] == name), None)
    return found, policies.rules(ours["id"]) if ours else None


def ensure_policy(policies, application, name, rules, current, check_mode):
    """(changed, the policy after with its rules, its rules before or None, the application's other policies).

    The application has one policy of its name, whose rules are the wanted ones; current is read_policies().
    """
    found, current_rules = current
    ours = next((policy for policy in found if policy["name"] == name), None)
    others = [policy for policy in found if policy is not ours]
    if ours is None:
        policy = {"id": None, "name": name} if check_mode else policies.create(name, application["id"], rules)
        return True, dict(policy, rules=comparable_rules(rules)), None, others
    current = comparable_rules(current_rules)
    if current == comparable_rules(rules):
        return False, dict(ours, rules=current), current, others
    after = rules if check_mode else policies.set_rules(ours["id"], rules)
    return True, dict(ours, rules=comparable_rules(after)), current, others


def ensure_keys(keys_api, keys, keep_hosts, check_mode):
    """(changed, the keys that remain, the keys revoked): of the application's keys, those issued to hosts outside
    keep_hosts are deleted."""
    if keep_hosts is None:
        return False, keys, []
    revoked = [key for key in keys if key_host(key) is not None and key_host(key) not in keep_hosts]
    if not check_mode:
        keys_api.client.map(lambda key: keys_api.delete(key["access_key"]), revoked)
    return bool(revoked), [key for key in keys if key not in revoked], revoked


def remove(module, apps, current):
    """(changed, the diff's before): the application's keys deleted, then its policies, then the application."""
    if current is None:
        return False, {}
    client, check_mode = module.client, module.check_mode
    keys_api, policies_api = ApiKeys(client), Policies(client, current["organization_id"])
    keys, policies = client.map(
        lambda read: read(current["id"]), [keys_api.of_application, policies_api.of_application]
    )
    if not check_mode:
        client.map(lambda key: keys_api.delete(key["access_key"]), keys)
        client.map(lambda policy: policies_api.delete(policy["id"]), policies)
        apps.delete(current["id"])
    before = {
        "application": {"name": current["name"], "description": current.get("description")},
        "policies": sorted(policy["name"] for policy in policies),
        "keys": {key["access_key"]: key_host(key) for key in keys},
    }
    return True, before


def summary(application, policy, keys):
    """What the diff compares: the application, its rights, and which host holds which key."""
    if application is None:
        return {}
    return {
        "application": {"name": application["name"], "description": application.get("description")},
        "rules": policy["rules"],
        "keys": {key["access_key"]: key_host(key) for key in keys},
    }


def project_ids(module):
    wanted = module.params["project_ids"] or [project for project in [module.settings.project_id] if project]
    if not wanted:
        raise TaskError(
            "no project for the policy: set project_ids, or project_id, SCW_DEFAULT_PROJECT_ID or default_project_id"
            " for the default project"
        )
    bad = [project for project in wanted if not is_uuid(project)]
    if bad:
        raise TaskError(f"project_ids must be project UUIDs, not {', '.join(repr(project) for project in bad)}")
    return wanted


def run(module):
    params, name = module.params, module.params["name"]
    apps = Applications(module.client, organization_of(module.settings))
    # Checked before any request: a bad input changes nothing.
    rules = wanted_rules(params["permission"], project_ids(module)) if params["state"] == "present" else None
    try:
        current = apps.find(name)
    except PermissionsDenied as exc:
        raise without_iam_rights(exc, module.settings.sources["secret_key"], "this module") from None
    if params["state"] == "absent":
        changed, before = remove(module, apps, current)
        result = {"changed": changed, "application": None, "policy": None, "keys": [], "revoked": []}
        if module._diff:
            result["diff"] = module.diff(before, {})
        return result
    app_changed, application = ensure_application(apps, current, name, params["description"], module.check_mode)
    policies, keys_api = Policies(module.client, apps.organization_id), ApiKeys(module.client)
    if current is None:  # made just now, or predicted: it has no policy and no key yet
        current_policies, current_keys = ([], None), []
    else:  # its rights and its keys, read at once: neither needs the other
        current_policies, current_keys = module.client.map(
            lambda read: read(),
            [lambda: read_policies(policies, application, name), lambda: keys_api.of_application(application["id"])],
        )
    policy_changed, policy, rules_before, others = ensure_policy(
        policies, application, name, rules, current_policies, module.check_mode
    )
    for other in others:
        module.warn(
            f"IAM application {name} also has policy {other['name']} ({other['id']}): its keys have that policy's"
            " rights too"
        )
    keys_changed, keys, revoked = ensure_keys(keys_api, current_keys, params["keep_hosts"], module.check_mode)
    result = {
        "changed": app_changed or policy_changed or keys_changed,
        "application": {field: application.get(field) for field in APPLICATION_FIELDS},
        "policy": dict(policy, permission=params["permission"]),
        "keys": [key_to_result(key) for key in keys],
        "revoked": [key_to_result(key) for key in revoked],
    }
    if module._diff:
        before = summary(current, {"rules": rules_before or []}, keys + revoked)
        result["diff"] = module.diff(before, summary(application, policy, keys))
    return result


def main():
    module = ScalewayModule(
        dict(
            name=dict(type="str", required=True),
            permission=dict(type="str", choices=["pull", "push"], default="pull"),
            project_ids=dict(type="list", elements="str"),
            description=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            keep_hosts=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
