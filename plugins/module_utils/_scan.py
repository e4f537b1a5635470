# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The scope (which namespaces and images a task covers) and the one scan that lists them.

cleanup, image_info and the inventory plugin all list the namespaces and images of some regions, join
each image to its namespace, keep what is in scope, and may fetch each image's tags: scan() is that.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from typing import Any, Callable, Dict, NamedTuple, Sequence

from ansible_collections.scaleway.registry.plugins.module_utils._registry import Images, Namespaces, Tags, is_uuid

# typing.Dict: modules run on hosts with Python 3.8, where dict[...] cannot be evaluated.
Object = Dict[str, Any]  # an API object, as the API answers it


class Scope(NamedTuple):
    """What a scan covers; each field left None selects everything.

    namespaces: IDs, names or shell-style globs on names; images: globs on image names. namespace: one
    namespace by name or ID, looked up first so that only its images are listed (image_info's option).
    project_id and organization_id filter both listings; image_filters go with the image listing only.
    """

    namespaces: Sequence[str] | None = None
    images: Sequence[str] | None = None
    namespace: str | None = None
    project_id: str | None = None
    organization_id: str | None = None
    image_filters: dict[str, Any] | None = None


class Listing(NamedTuple):
    """Everything one region's listing gave, before the scope is applied."""

    region: str
    namespaces: list[Object]
    images: list[Object]


class Found(NamedTuple):
    """An image in scope, with its namespace, and its tags when they were fetched (else None)."""

    region: str
    namespace: Object
    image: Object
    tags: list[Object] | None = None


class Scan(NamedTuple):
    listings: list[Listing]  # by region, in the order of the regions asked for
    namespaces: list[tuple[str, Object]]  # (region, namespace) in scope, in the listing's order
    images: list[Found]  # in scope, by region, in the listing's order


def scan(client: Any, regions: Sequence[str], scope: Scope, include_tags: bool = False) -> Scan:
    """List the namespaces and images of the regions, concurrently, and keep those in scope.

    The result is the whole listing or an exception: a partial listing never comes back.
    """
    listings = client.map(lambda region: _list_region(client, region, scope), regions)
    namespaces: list[tuple[str, Object]] = []
    images: list[Found] = []
    for listing in listings:
        in_scope = [namespace for namespace in listing.namespaces if namespace_in_scope(namespace, scope.namespaces)]
        namespaces.extend((listing.region, namespace) for namespace in in_scope)
        by_id = {namespace["id"]: namespace for namespace in in_scope}
        images.extend(
            Found(listing.region, by_id[image["namespace_id"]], image)
            for image in listing.images
            if image["namespace_id"] in by_id and image_in_scope(image, scope.images)
        )
    return Scan(listings, namespaces, fetch_tags(client, images) if include_tags else images)


def fetch_tags(client: Any, images: list[Found]) -> list[Found]:
    """The images with their tags, fetched concurrently; an image without tags needs no request."""
    tags = client.map(
        lambda found: Tags(client, found.region).list(found.image["id"]) if found.image["tags"] else [], images
    )
    return [found._replace(tags=image_tags) for found, image_tags in zip(images, tags)]


def _list_region(client: Any, region: str, scope: Scope) -> Listing:
    owner = {"project_id": scope.project_id, "organization_id": scope.organization_id}
    namespaces, images = Namespaces(client, region), Images(client, region)
    image_filters = dict(scope.image_filters or {}, **owner)
    if scope.namespace is not None:
        found = namespaces.find(scope.namespace)
        if found is None or any(value is not None and found.get(key) != value for key, value in owner.items()):
            return Listing(region, [], [])
        return Listing(region, [found], images.list(namespace_id=found["id"], **image_filters))
    listed: list[Callable[[], list[Object]]] = [lambda: namespaces.list(**owner), lambda: images.list(**image_filters)]
    found_namespaces, found_images = client.map(lambda fetch: fetch(), listed)
    return Listing(region, found_namespaces, found_images)


def scope_problem(namespaces, images):
    """Why the `namespaces` and `images` options cannot be used, or None.

    Left out, each means every namespace or image. An empty list is what a template that came out
    empty gives: read as "every", it would widen a cleanup to the whole region, so it is refused.
    """
    for option, value, every in (("namespaces", namespaces, "every namespace"), ("images", images, "every image")):
        if value is not None and not value:
            return (
                f"{option} is an empty list (a template that came out empty?): give at least one, or leave {option}"
                f" out for {every}"
            )
    return None


GLOB_CHARACTERS = re.compile(r"[*?[]")


def is_glob(pattern):
    """Whether a scope entry is a shell-style glob rather than a name (or an ID)."""
    return GLOB_CHARACTERS.search(pattern) is not None


def scope_check(namespace_patterns, image_globs, namespaces, images, regions):
    """(error or None, warnings) for the `namespaces` and `images` options, against what the listing found.

    `namespaces` and `images` are every namespace and image listed in `regions`. An entry without glob
    characters names one thing: if it matches nothing, it is a typo, and a cleanup that ran anyway would
    report success having cleaned nothing. So it is an error, naming the closest names. A glob may
    rightly match nothing in some regions, so it only gets a warning. The images are checked once the
    namespaces are right, against the images of the namespaces in scope.
    """
    where = _in_regions(regions)
    errors, warnings = [], []
    for pattern in namespace_patterns or ():
        if any(namespace_in_scope(namespace, [pattern]) for namespace in namespaces):
            continue
        if is_glob(pattern):
            warnings.append(f"namespaces: '{pattern}' matches no namespace in {where}")
        else:
            known = [namespace["id" if is_uuid(pattern) else "name"] for namespace in namespaces]
            errors.append(f"namespaces: '{pattern}' matches no namespace in {where}{_closest(pattern, known)}")
    in_scope = {namespace["id"] for namespace in namespaces if namespace_in_scope(namespace, namespace_patterns)}
    # When globs leave no namespace in scope, their warning says it all: the images are not blamed.
    if not errors and (in_scope or namespace_patterns is None):
        known = [image["name"] for image in images if image["namespace_id"] in in_scope]
        where = "{}{}".format("" if namespace_patterns is None else "the namespaces in scope, in ", where)
        for glob in image_globs or ():
            if any(fnmatch.fnmatchcase(name, glob) for name in known):
                continue
            if is_glob(glob):
                warnings.append(f"images: '{glob}' matches no image in {where}")
            else:
                errors.append(f"images: '{glob}' matches no image in {where}{_closest(glob, known)}")
    return ("; ".join(errors) + "; nothing was deleted" if errors else None), warnings


def _in_regions(regions):
    """'fr-par', 'fr-par and nl-ams', 'fr-par, nl-ams and pl-waw'."""
    return " and ".join(filter(None, [", ".join(regions[:-1]), regions[-1]]))


def _closest(entry, names):
    """The part of a scope error that helps fix the entry: the closest names, or what there is."""
    names = sorted(set(names))
    # `app` for `team/app` is a likely slip that difflib scores low.
    close = [name for name in names if name.endswith("/" + entry)]
    close += [name for name in difflib.get_close_matches(entry, names, n=3) if name not in close]
    if close:
        return " (closest: {})".format(", ".join(close[:3]))
    if not names:
        return " (there are none)"
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f" (none is close; there are {', '.join(names[:5])}{more})"


def namespace_in_scope(namespace, patterns):
    """Whether the `namespaces` option (IDs, names or globs on names; every namespace when None) selects it."""
    return patterns is None or any(
        namespace["id"] == pattern or fnmatch.fnmatchcase(namespace["name"], pattern) for pattern in patterns
    )


def image_in_scope(image, globs):
    """Whether the `images` option (globs on names; every image when None) selects it."""
    return globs is None or any(fnmatch.fnmatchcase(image["name"], glob) for glob in globs)
