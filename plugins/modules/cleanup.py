#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cleanup
short_description: Delete old image tags of Scaleway Container Registry by declarative rules
version_added: 0.1.0
description:
  - State which tags to keep and which may go; the module lists every tag in scope, plans each one, then deletes
    what the plan says, and returns the plan with the rule that decided each tag.
  - A tag is deleted only when every deletion rule (O(delete_tags), O(older_than)) makes it a candidate and no keep
    rule (O(keep_last), O(keep_tags), O(keep_references)) holds it. Keep always wins.
  - O(keep_last) counts over all the tags of an image, never over the candidates alone, so the newest tags are
    kept whatever the other rules say.
  - On Scaleway, deleting a tag deletes its manifest, and every tag of the image with the same digest. A tag whose
    digest a kept tag carries is therefore kept, with that reason. When every tag of a digest goes, the digest is
    deleted once.
  - Nothing is deleted unless the whole listing succeeded and the guards hold. Check mode returns the exact plan,
    computed by the same code as a real run.
  - An entry of O(namespaces) or O(images) without glob characters that matches nothing, in any region of
    O(region), is taken for a typo and fails before anything is deleted, naming the closest names. A glob that
    matches nothing gets a warning.
  - The result's C(msg) says in one line what was deleted, or in check mode what would be, and what was kept.
author:
  - Scaleway Registry collection maintainers (@scaleway-registry)
options:
  region:
    description:
      - A region, a list of regions, or V(all).
      - If not set, E(SCW_DEFAULT_REGION), then C(default_region) in the selected profile, then V(fr-par).
    type: list
    elements: str
  keep_last:
    description:
      - Keep the N most recently created tags of each image, whatever the other rules say.
    type: int
  keep_tags:
    description:
      - Regular expressions that must match the whole tag name (Python C(re.fullmatch)); a tag whose name matches
        one is always kept.
      - For example V(latest) keeps only C(latest), not C(latest-rc); V(v\\d+\\.\\d+\\.\\d+) keeps C(v1.2.0);
        V(release-.*) keeps every tag that starts with C(release-).
      - These are not globs. A pattern such as V(pr-*) gets a warning naming the regex it probably means, V(pr-.*).
    type: list
    elements: str
  keep_references:
    description:
      - Image references that something uses, such as the C(references) that
        M(scaleway.registry.images_in_use_info) gathers from a fleet's containers. A tag they name, or whose digest
        they name, is kept, with the reason C(in use) and the reference; every tag that shares its digest is kept
        with it.
      - Each one is C(host/namespace/image:tag), C(host/namespace/image@sha256:<digest>) or a bare
        C(sha256:<digest>), which holds that digest in every image in scope. C(host) is the registry of the
        namespace (C(rg.fr-par.scw.cloud), or the C(endpoint) that the API gives the namespace). Without a tag or a
        digest, the tag is C(latest), as docker takes it.
      - References to other registries, or to images outside the scope, hold nothing; the result counts them in
        RV(references_ignored). A malformed reference fails the task before anything is listed.
    type: list
    elements: str
    version_added: 0.2.0
  delete_tags:
    description:
      - Regular expressions that must match the whole tag name (Python C(re.fullmatch)); only tags whose name
        matches one may be deleted. For example V(pr-\\d+) matches C(pr-12) but not C(pr-12-fix) or C(prod).
      - Every tag may be deleted when not set.
    type: list
    elements: str
  older_than:
    description:
      - Only tags created longer ago than this may be deleted, such as V(90d), V(12h), V(2w), V(1w3d) or
        V(2h30min).
      - A number and a unit, or several, largest first. The units are C(w) (weeks), C(d) (days), C(h) (hours),
        C(min) (minutes) and C(s) (seconds).
      - V(3m) is refused, since it reads as minutes and as months; write V(3min), or V(90d) for about three months.
        Months and years (V(6M), V(1y)) are refused too, as they have no fixed length; write days.
      - A tag without a creation date is kept.
    type: str
  max_delete:
    description:
      - Fail, before deleting anything, when the plan deletes more tags than this.
    type: int
  allow_empty:
    description:
      - Whether the plan may delete every tag of an image. When false, such a plan fails before deleting anything,
        naming the images.
    type: bool
    default: false
  concurrency:
    description:
      - How many requests may run at once, for the listing and for the deletes. After a 429, every request holds
        back.
    type: int
    default: 8
extends_documentation_fragment:
  - scaleway.registry.scaleway
  - scaleway.registry.scaleway.api
  - scaleway.registry.scaleway.all_projects
  - scaleway.registry.scaleway.scope
  - scaleway.registry.scaleway.attributes
attributes:
  check_mode:
    support: full
    details: Check mode lists and plans exactly as a real run, and skips only the deletes.
  diff_mode:
    support: full
    details: The diff shows, for each image that loses tags, its tags newest first, each deleted one on a C(-) line
      with its date, short digest and reason, the kept ones with the rule that keeps them (counted by rule when
      more than 10).
  idempotent:
    support: full
    details: Once the plan is applied, planning again deletes nothing. A run interrupted while deleting converges
      when run again.
notes:
  - Invalid regular expressions or durations, and an empty O(namespaces) or O(images) list, fail before any
    request. At least one rule is required.
  - Tags already being deleted are left out of the plan.
  - The scope is every namespace that the API key can list in the regions, in every project; O(project_id) does not
    narrow it, O(namespaces) and O(images) do.
  - The API tells no size per tag, so RV(freed_bytes) counts the images left without tags, whose whole size is
    freed; other deletes free space that the API does not break down.
  - Between the listing and a delete, a tag pushed with a digest the plan deletes would go with it. A single-tag
    delete that the API refuses because the digest gained a tag is reported as kept. The module asks the API to
    force a delete only when the plan deletes several tags of that digest, and just before, it lists that image's
    tags again; if the digest's tags changed, the group is kept and reported. A push in the short time between that
    second listing and the delete is not caught.
seealso:
  - module: scaleway.registry.tag
  - module: scaleway.registry.image_info
"""

EXAMPLES = r"""
- name: Keep releases, latest and the 10 newest tags; delete the rest once older than 30 days
  scaleway.registry.cleanup:
    region: all
    namespaces: [team-*]
    keep_tags: [latest, 'v\d+\.\d+\.\d+']
    keep_last: 10
    older_than: 30d
    max_delete: 500
  register: cleanup

- name: Only pull-request builds, whatever their age, in one namespace
  scaleway.registry.cleanup:
    namespaces: [my-team]
    images: [app, app/*]
    delete_tags: ['pr-\d+']
    keep_last: 3
"""

RETURN = r"""
msg:
  description: The outcome in one line, with the size of the images left without tags, if any.
  returned: always
  type: str
  sample: would delete 12 tags of 3 images, keep 30, and empty 1 image of 1.2 GiB
plan:
  description:
    - One item for every tag in scope, with what the rules decided and why.
    - Ordered by region, namespace and image, then newest first.
  returned: always
  type: list
  elements: dict
  contains:
    region:
      description: Region of the tag.
      type: str
      sample: fr-par
    namespace:
      description: Name of the namespace.
      type: str
      sample: my-team
    image:
      description: Name of the image.
      type: str
      sample: team/app
    tag:
      description: Name of the tag.
      type: str
      sample: build-1234
    digest:
      description: Digest of the tag's manifest.
      type: str
      sample: sha256:19459a6bbefb63f83f137f08c1df645f8846e2cd1f44fe209294ebc505e6495e
    created_at:
      description: Creation date of the tag (RFC 3339).
      type: str
      sample: "2026-01-03T10:00:00.000000Z"
    action:
      description: V(keep) or V(delete).
      type: str
      sample: delete
    reason:
      description: The rule that decided.
      type: str
      sample: "matches delete_tags, older than 30d, not among the 10 newest"
deleted:
  description: How many tags were deleted (in check mode, would be).
  returned: always
  type: int
  sample: 42
kept:
  description: How many tags were kept.
  returned: always
  type: int
  sample: 17
freed_bytes:
  description: Bytes freed by images left without tags. Other deletes free space the API does not break down.
  returned: always
  type: int
  sample: 104857600
references_ignored:
  description: How many of O(keep_references) held no tag in scope (another registry, an image outside the scope,
    or a tag or digest that no longer exists).
  returned: always
  type: int
  sample: 0
  version_added: 0.2.0
namespaces_in_scope:
  description: The namespaces that O(namespaces) selected, in every region of O(region), by region and name.
  returned: always
  type: list
  elements: dict
  contains:
    region:
      description: Region of the namespace.
      type: str
      sample: fr-par
    id:
      description: ID of the namespace.
      type: str
      sample: 7a2f3b7c-0c1e-4b55-9d39-5d0d8d3b1a11
    name:
      description: Name of the namespace.
      type: str
      sample: my-team
"""

import threading

from ansible_collections.scaleway.registry.plugins.module_utils._cleanup_report import (
    allow_empty_message,
    emptied,
    max_delete_message,
    outcome,
    prepared_diff,
)
from ansible_collections.scaleway.registry.plugins.module_utils._client import PreconditionFailed, ScalewayError
from ansible_collections.scaleway.registry.plugins.module_utils._module import ScalewayModule
from ansible_collections.scaleway.registry.plugins.module_utils._registry import Tags
from ansible_collections.scaleway.registry.plugins.module_utils._retention import (
    DELETE,
    KEEP,
    RACED,
    RuleError,
    Rules,
    changed_since_listing,
    digest_groups,
    plan_image,
)
from ansible_collections.scaleway.registry.plugins.module_utils._scan import (
    Scope,
    fetch_tags,
    scan,
    scope_check,
    scope_problem,
)
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError


def scope(module):
    """([(region, namespace name, image)] in scope, by region, namespace and image; the namespaces in scope).

    An entry of the scope options that names nothing fails the task here, before any tag is listed. The
    entries are checked against the listing of every region at once: a name that exists in one region of
    several is no typo.
    """
    params = module.params
    found = scan(module.client, module.regions, Scope(namespaces=params["namespaces"], images=params["images"]))
    problem, warnings = scope_check(
        params["namespaces"],
        params["images"],
        [namespace for listing in found.listings for namespace in listing.namespaces],
        [image for listing in found.listings for image in listing.images],
        module.regions,
    )
    for warning in warnings:
        module.warn(warning)
    if problem:
        raise TaskError(problem)
    namespaces = sorted(
        (
            {"region": region, "id": namespace["id"], "name": namespace["name"]}
            for region, namespace in found.namespaces
        ),
        key=lambda item: (module.regions.index(item["region"]), item["name"]),
    )
    images = sorted(
        (item for item in found.images if item.image["status"] != "deleting"),
        key=lambda item: (module.regions.index(item.region), item.namespace["name"], item.image["name"]),
    )
    return images, namespaces


def plan(module, rules):
    """([(region, namespace name, image, decisions)] for every image in scope, the namespaces in scope, the
    keep_references that hold a tag).

    Made only after the whole listing succeeded.
    """
    images, namespaces = scope(module)
    planned, held = [], set()
    for item in fetch_tags(module.client, images):
        image_repository = repository(item)
        planned.append(
            (item.region, item.namespace["name"], item.image, plan_image(item.tags, rules, image_repository))
        )
        # Counted from the listing, not from the reasons: a tag shows one reference, and several may hold it.
        held |= rules.references.matched(
            image_repository, [tag for tag in item.tags if tag.get("status") != "deleting"]
        )
    return planned, namespaces, held


def repository(item):
    """host/namespace/image, as a container names the image: the namespace's endpoint is its registry's."""
    return "{}/{}".format(item.namespace["endpoint"], item.image["name"])


def check_guards(module, items):
    """Fail before any delete when a guard refuses the plan: a short message, and the whole plan in the result."""
    params = module.params
    to_delete = sum(1 for item in items if item["action"] == DELETE)
    if params["max_delete"] is not None and to_delete > params["max_delete"]:
        raise TaskError(max_delete_message(items, params["max_delete"]), plan=items)
    if emptied(items) and not params["allow_empty"]:
        raise TaskError(allow_empty_message(items), plan=items)


def delete_jobs(planned):
    """[(region, image or None, digest groups)]: an image with a forced group is one job, listed again first."""
    jobs = []
    for region, _namespace, image, decisions in planned:
        groups = digest_groups(decisions)
        if any(len(group) > 1 for group in groups):
            jobs.append((region, image, groups))
        else:
            jobs.extend((region, None, [group]) for group in groups)
    return jobs


class Deletes:
    """The deletes of a run. After the first failure no request starts, and the items say what was done."""

    def __init__(self, client, item_of):
        self.client = client
        self.item_of = item_of
        self.deleted = []
        self.failures = []
        self.stop = threading.Event()

    def failed(self, exc):
        self.stop.set()
        self.failures.append(exc)

    def delete(self, region, group):
        if self.stop.is_set():
            return
        try:
            Tags(self.client, region).delete(group[0]["id"], {"force": "true"} if len(group) > 1 else None)
            self.deleted.extend(group)
        except PreconditionFailed:
            self.keep(group[:1], RACED)
        except ScalewayError as exc:
            self.failed(exc)

    def run_job(self, job):
        region, image, groups = job
        if image is not None and not self.stop.is_set():
            try:
                current = Tags(self.client, region).list(image["id"])
            except ScalewayError as exc:
                self.failed(exc)
                return
            for group in groups:
                reason = changed_since_listing(group, current)
                if reason:
                    self.keep(group, reason)
            groups = [group for group in groups if self.item_of[group[0]["id"]]["action"] == DELETE]
        self.client.map(lambda group: self.delete(region, group), groups)

    def keep(self, tags, reason):
        for tag in tags:
            self.item_of[tag["id"]].update(action=KEEP, reason=reason)

    def raise_failure(self):
        # The plan returned says what happened: a planned delete that was not done is a tag kept.
        done = {tag["id"] for tag in self.deleted}
        for tag_id, item in self.item_of.items():
            if item["action"] == DELETE and tag_id not in done:
                item.update(action=KEEP, reason="not deleted: the run stopped at a failed request")
        raise TaskError(
            f"{len(self.deleted)} tags deleted, then a request failed: {' '.join(str(self.failures[0]).split())};"
            " run the task again to finish",
            plan=list(self.item_of.values()),
            deleted=len(self.deleted),
        )


def apply(module, planned, item_of):
    """Delete each digest group once, concurrently; after a failure, start no more requests and say how far it got.

    A forced delete takes every tag of the digest, including one pushed since the listing. So an image with a
    forced group is listed again just before its deletes, and a group whose digest changed is kept. One listing
    serves all the groups of the image; it is sent before any of that image's deletes, which would move it.
    """
    deletes = Deletes(module.client, item_of)
    module.client.map(deletes.run_job, delete_jobs(planned))
    if deletes.failures:
        deletes.raise_failure()


def report(planned):
    """{tag ID: item} of the plan, one item per tag as the result shows it, in the plan's order."""
    return {
        tag["id"]: {
            "region": region,
            "namespace": namespace,
            "image": image["name"],
            "tag": tag["name"],
            "digest": tag["digest"],
            "created_at": tag.get("created_at"),
            "action": action,
            "reason": reason,
        }
        for region, namespace, image, decisions in planned
        for tag, action, reason in decisions
    }


def run(module, rules):
    planned, namespaces, held = plan(module, rules)
    item_of = report(planned)
    check_guards(module, list(item_of.values()))
    if not module.check_mode:
        apply(module, planned, item_of)
    # From here on, the items say what happened: the plan, except for the tags kept after a 412.
    done = list(item_of.values())
    sizes = {
        "{}/{}/{}".format(region, namespace, image["name"]): image["size"]
        for region, namespace, image, _decisions in planned
    }
    deleted = sum(1 for item in done if item["action"] == DELETE)
    result = {
        "changed": deleted > 0,
        "msg": outcome(done, sizes, module.check_mode),
        "plan": done,
        "deleted": deleted,
        "kept": sum(1 for item in done if item["action"] == KEEP),
        "freed_bytes": sum(sizes[key] for key, _count in emptied(done)),
        "references_ignored": len(rules.references) - len(held),
        "namespaces_in_scope": namespaces,
    }
    if module._diff:
        result["diff"] = {"prepared": prepared_diff(done)}
    return result


def main():
    module = ScalewayModule(
        dict(
            namespaces=dict(type="list", elements="str"),
            images=dict(type="list", elements="str"),
            keep_last=dict(type="int"),
            keep_tags=dict(type="list", elements="str"),
            keep_references=dict(type="list", elements="str"),
            delete_tags=dict(type="list", elements="str"),
            older_than=dict(type="str"),
            max_delete=dict(type="int"),
            allow_empty=dict(type="bool", default=False),
            concurrency=dict(type="int", default=8),
        ),
        required_one_of=[("keep_last", "keep_tags", "delete_tags", "older_than")],
        several_regions=True,
        supports_check_mode=True,
    )
    params = module.params
    problem = scope_problem(params["namespaces"], params["images"])
    if problem:
        module.fail_json(msg=problem)
    try:
        rules = Rules(
            params["keep_last"],
            params["keep_tags"],
            params["delete_tags"],
            params["older_than"],
            keep_references=params["keep_references"],
        )
    except RuleError as exc:
        module.fail_json(msg=str(exc))
    for warning in rules.warnings:
        module.warn(warning)
    module.run(lambda module: run(module, rules))


if __name__ == "__main__":
    main()
