# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: images
short_description: Every image of Scaleway Container Registry as an inventory host, across regions
version_added: 0.1.0
description:
  - Lists the images of Scaleway Container Registry in the chosen regions, concurrently, and makes each image a host,
    grouped by region, namespace and visibility, with its details as host variables, so that plays can target images
    (cleanup, audits, mirroring).
  - Hosts are named C(<namespace>/<image>). When the same name exists in several of the regions listed, each of those
    hosts is named C(<namespace>/<image>@<region>) instead, whatever the order the regions answer in.
  - The listing is complete or the inventory fails; an API error never gives a partial inventory. Throttling and
    server errors are retried first (see the notes).
  - Every string that comes from the API is marked unsafe, so that it is never templated.
  - Host names cannot be marked unsafe, so an image is skipped with a warning naming its ID and region when the name
    of the image or of its namespace is not a Docker repository name (lowercase letters and digits, separated by
    C(.), C(_), C(__) or C(-), and C(/) in image names), or when its visibility is unknown. The rest of the listing
    is kept.
  - The configuration file's name must end in C(scaleway_images.yml) or C(scaleway_images.yaml).
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.scope
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [scaleway.registry.images]
  regions:
    description:
      - The regions to list, queried concurrently, or V(all).
    type: list
    elements: str
    default: [fr-par, nl-ams, pl-waw]
  project_id:
    description:
      - Only the images of this project. E(SCW_DEFAULT_PROJECT_ID) and the scw config are not used as a filter.
  organization_id:
    description:
      - Only the images of this organization. E(SCW_DEFAULT_ORGANIZATION_ID) and the scw config are not used as a
        filter.
  visibility:
    description:
      - Only the images with one of these visibilities. V(public) and V(private) match the effective visibility (an
        image with visibility V(inherit) is as public as its namespace); V(inherit) matches the images that inherit.
    type: list
    elements: str
    choices: [public, private, inherit]
  include_tags:
    description:
      - Whether to add C(registry_tag_details), the name, digest and creation date of each tag, at the cost of one
        request per image that has tags.
    type: bool
    default: false
  concurrency:
    description:
      - How many requests may run at once, across the regions and their pages.
    type: int
    default: 16
  default_groups:
    description:
      - Whether to add each host to the groups C(scaleway_region_<region>), C(scaleway_namespace_<namespace>) and
        C(scaleway_visibility_<public|private>) (group names have C(-) replaced by C(_)).
    type: bool
    default: true
  local_connection:
    description:
      - Whether to give each host C(ansible_connection=local) and the controller's Python, so that tasks of a play that
        targets images run on the controller. Images are not machines to connect to.
    type: bool
    default: true
notes:
  - Host variables, all prefixed with C(registry_) so that none collides with a variable of Ansible (C(tags) would)
    C(registry_id), C(registry_name), C(registry_namespace), C(registry_namespace_id), C(registry_project_id),
    C(registry_region), C(registry_visibility), C(registry_effective_visibility), C(registry_status),
    C(registry_size), C(registry_tags) (the tag names), C(registry_created_at), C(registry_updated_at),
    C(registry_repository) (C(<endpoint>/<image>)), C(registry_references) (C(<endpoint>/<image>:<tag>) for each
    tag), and with O(include_tags), C(registry_tag_details).
  - The connection options are templated, so that a vaulted string, a lookup or an extra variable can give the key.
"""

EXAMPLES = r"""
# registry.scaleway_images.yml
plugin: scaleway.registry.images
regions: [fr-par, nl-ams]
namespaces: [team-*]
secret_key: "{{ lookup('ansible.builtin.env', 'SCW_SECRET_KEY') }}"
keyed_groups:
  - key: registry_namespace
    prefix: team
compose:
  old: registry_updated_at < '2026-01-01'
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/scaleway-registry-inventory
cache_timeout: 600
"""

import contextlib
import re
import sys
from collections import Counter

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var
from ansible.utils.vars import load_extra_vars

from ansible_collections.scaleway.registry.plugins.module_utils._client import ScalewayError
from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    ACCOUNT_ARGS,
    REGISTRY_REGIONS,
    UUID_RE,
    ConfigError,
    expand_regions,
    resolve,
)
from ansible_collections.scaleway.registry.plugins.module_utils._module import client_for
from ansible_collections.scaleway.registry.plugins.module_utils._registry import VISIBILITIES
from ansible_collections.scaleway.registry.plugins.module_utils._scan import Scope, fetch_tags, scan, scope_problem

NAMESPACE_KEYS = ("id", "name", "endpoint", "is_public", "project_id", "organization_id")
TAG_KEYS = ("name", "digest", "created_at")

# Host names cannot be marked unsafe (ansible-core 2.17 and 2.18 template inventory_hostname when a play uses it),
# so only names of the Docker repository grammar, which cannot hold template syntax, become host names.
# The separators are the distribution reference's, as the registry accepts them.
REPOSITORY_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
NAMESPACE_NAME_RE = re.compile(REPOSITORY_PART)
IMAGE_NAME_RE = re.compile(rf"{REPOSITORY_PART}(?:/{REPOSITORY_PART})*")


def name_problem(record):
    """Why the API strings of a record may not go into host and group names, or None when they may."""
    image, namespace = record["image"], record["namespace"]
    if record["region"] not in REGISTRY_REGIONS:
        return "its region is not a Scaleway Container Registry region"
    if not isinstance(namespace["name"], str) or not NAMESPACE_NAME_RE.fullmatch(namespace["name"]):
        return "the name of its namespace is not a Docker repository name"
    if not isinstance(image["name"], str) or not IMAGE_NAME_RE.fullmatch(image["name"]):
        return "its name is not a Docker repository name"
    if image["visibility"] not in VISIBILITIES:
        return "its visibility is not one of {}".format(", ".join(VISIBILITIES))
    return None


def effective_visibility(image, namespace):
    if image["visibility"] == "inherit":
        return "public" if namespace["is_public"] else "private"
    return image["visibility"]


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "scaleway.registry.images"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("scaleway_images.yml", "scaleway_images.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        records = None
        if use_cache:
            with contextlib.suppress(KeyError):
                records = self._cache[cache_key]
        if records is None:
            try:
                records = self.fetch(loader)
            except (ConfigError, ScalewayError) as exc:
                raise AnsibleParserError(f"{self.NAME} inventory: {' '.join(str(exc).split())}") from exc
            if self.get_option("cache"):
                self._cache[cache_key] = records
        self.populate(records)

    def connection_options(self, loader):
        """The connection options, templated with the extra variables, so that vault or -e can give the key."""
        self.templar.available_variables = load_extra_vars(loader)
        options = {}
        for name in ACCOUNT_ARGS:
            value = self.get_option(name)
            options[name] = self.templar.template(value) if isinstance(value, str) else value
        return options

    def fetch(self, loader):
        """[{region, namespace, image, tag_details}] of every image in scope; the whole listing or an error."""
        regions = expand_regions(self.get_option("regions"))
        problem = scope_problem(self.get_option("namespaces"), self.get_option("images"))
        if problem:
            raise ConfigError(problem)
        settings = resolve(self.connection_options(loader))
        client = client_for(settings, "ansible-inventory", self.get_option("concurrency"))
        for warning in client.warnings:
            self.display.warning(warning)
        scope = Scope(
            namespaces=self.get_option("namespaces"),
            images=self.get_option("images"),
            project_id=self.get_option("project_id"),
            organization_id=self.get_option("organization_id"),
        )
        visibilities = set(self.get_option("visibility") or ())
        images = [
            item
            for item in scan(client, regions, scope).images
            if not visibilities
            or {item.image["visibility"], effective_visibility(item.image, item.namespace)} & visibilities
        ]
        if self.get_option("include_tags"):
            images = fetch_tags(client, images)
        # Plain values, so that a cache plugin can store the records.
        return [
            {
                "region": item.region,
                "namespace": {key: item.namespace.get(key) for key in NAMESPACE_KEYS},
                "image": item.image,
                "tag_details": None
                if item.tags is None
                else [{key: tag.get(key) for key in TAG_KEYS} for tag in item.tags],
            }
            for item in images
        ]

    def populate(self, records):
        # Checked here rather than when listing, so that a cached listing is checked too. A skipped image is not an
        # API error: the rest of the listing is complete.
        kept = []
        for record in records:
            problem = name_problem(record)
            if problem is None:
                kept.append(record)
                continue
            # Only a well-formed ID and region are shown: the other strings of a skipped image could be anything.
            image_id = record["image"].get("id")
            self.display.warning(
                "{} inventory: skipped image {} in {}: {}".format(
                    self.NAME,
                    image_id if isinstance(image_id, str) and UUID_RE.fullmatch(image_id) else "(invalid ID)",
                    record["region"] if record["region"] in REGISTRY_REGIONS else "an unknown region",
                    problem,
                )
            )
        counts = Counter("{}/{}".format(record["namespace"]["name"], record["image"]["name"]) for record in kept)
        strict = self.get_option("strict")
        # Group names need no check: the plugin's _sanitize_group_name (ansible-core's, forced) turns every character
        # but letters, digits and _ into _, so that API strings in keyed_groups, such as tags, cannot be templates.
        for record in kept:
            name = "{}/{}".format(record["namespace"]["name"], record["image"]["name"])
            host = name if counts[name] == 1 else "{}@{}".format(name, record["region"])
            hostvars = self.host_variables(record)
            self.inventory.add_host(host)
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            if self.get_option("local_connection"):
                self.inventory.set_variable(host, "ansible_connection", "local")
                self.inventory.set_variable(host, "ansible_python_interpreter", sys.executable)
            if self.get_option("default_groups"):
                for group in (
                    "scaleway_region_" + record["region"],
                    "scaleway_namespace_" + record["namespace"]["name"],
                    "scaleway_visibility_" + hostvars["registry_effective_visibility"],
                ):
                    group = self.inventory.add_group(self._sanitize_group_name(group))
                    self.inventory.add_child(group, host)
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)

    @staticmethod
    def host_variables(record):
        image, namespace = record["image"], record["namespace"]
        repository = "{}/{}".format(namespace["endpoint"], image["name"])
        variables = {
            "registry_id": image["id"],
            "registry_name": image["name"],
            "registry_namespace": namespace["name"],
            "registry_namespace_id": namespace["id"],
            "registry_project_id": namespace["project_id"],
            "registry_region": record["region"],
            "registry_visibility": image["visibility"],
            "registry_effective_visibility": effective_visibility(image, namespace),
            "registry_status": image["status"],
            "registry_size": image["size"],
            "registry_tags": list(image["tags"]),
            "registry_created_at": image["created_at"],
            "registry_updated_at": image["updated_at"],
            "registry_repository": repository,
            "registry_references": [f"{repository}:{tag}" for tag in image["tags"]],
        }
        if record["tag_details"] is not None:
            variables["registry_tag_details"] = record["tag_details"]
        return {key: wrap_var(value) for key, value in variables.items()}
