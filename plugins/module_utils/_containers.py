# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The images that a host's containers use, read from the JSON of docker and podman: pure functions.

It runs on managed hosts (images_in_use_info), with their Python 3 and its standard library only. The module runs
the engines; this file reads what they print:
- ps_ids(): the container IDs of `docker ps --all --no-trunc --format '{{json .}}'` (one object a line) or of
  `podman ps --all --format json` (one array);
- inspected(): the objects of `container inspect` or `image inspect`, which print the array of what they found;
- images_in_use(): for one engine, the entries of the module's `images`, the references that a cleanup must keep,
  and the containers left out, by registry.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple

from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import REGISTRY_PATTERN
from ansible_collections.scaleway.registry.plugins.module_utils._references import COMPONENT, registry_host, reported
from ansible_collections.scaleway.registry.plugins.module_utils._references import DIGEST_RE as DIGEST
from ansible_collections.scaleway.registry.plugins.module_utils._references import TAG as TAG_PATTERN

PATH = re.compile(rf"^{COMPONENT}(?:/{COMPONENT})*$")
TAG = re.compile(rf"^{TAG_PATTERN}$")
HEX = re.compile(r"^(?:sha256:)?([0-9a-f]+)$")
# typing.Dict and Tuple: hosts may run this with a Python older than 3.9.
Entry = Dict[str, Any]
Use = Tuple[str, Optional["Reference"], Optional[str]]


class Reference(NamedTuple):
    repository: str  # host[:port]/path, lower case
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        return f"{self.repository}@{self.digest}" if self.digest else f"{self.repository}:{self.tag}"


def parse_reference(text: str) -> Reference | None:
    """An image reference as docker and podman read it, written out in full: a name without a registry is
    docker.io's (under library/ when it has one component), a name without a tag or digest is :latest.
    None for what is no reference, or has a digest that is not sha256."""
    name, _at, digest = text.partition("@")
    if digest and not DIGEST.match(digest):
        return None
    tag = None
    if name.rfind(":") > name.rfind("/"):
        name, tag = name.rsplit(":", 1)
        if not TAG.match(tag):
            return None
    host, _slash, path = name.partition("/")
    # docker's rule: the first component is a registry when it has a dot, a port or capitals, or is localhost.
    if not path or ("." not in host and ":" not in host and host != "localhost" and host == host.lower()):
        host, path = "docker.io", name
    host = registry_host(host)
    if host in ("docker.io", "index.docker.io"):
        host, path = "docker.io", path if "/" in path else "library/" + path
    if not REGISTRY_PATTERN.match(host) or not PATH.match(path):
        return None
    return Reference(f"{host}/{path}", tag if tag or digest else "latest", digest or None)


def ps_ids(output: str) -> list[str]:
    """The IDs of the containers that `ps --all` lists in JSON: podman's array, or docker's object a line.
    ValueError when the output is not that."""
    text = output.strip()
    items = json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line]
    if not all(isinstance(item, dict) for item in items):
        raise ValueError("not JSON objects")
    return [str(item.get("Id") or item.get("ID")) for item in items if item.get("Id") or item.get("ID")]


def inspected(output: str) -> list[dict[str, Any]]:
    """The objects of an `inspect`. docker and podman print the array of what they found, also when they fail for
    objects that went away meanwhile ([] when none is left). ValueError for anything else, such as no output."""
    items = json.loads(output)
    if not isinstance(items, list):
        raise ValueError("not a JSON array")
    return [item for item in items if isinstance(item, dict)]


def image_id(value: Any) -> str:
    """An image ID without its algorithm: docker writes sha256:<hex>, podman <hex>."""
    match = HEX.match(str(value or ""))
    return match.group(1) if match else ""


def _references(names: Any) -> list[Reference]:
    parsed = (parse_reference(name) for name in names or [] if isinstance(name, str))
    return [reference for reference in parsed if reference is not None]


def names_of(image: dict[str, Any]) -> list[Reference]:
    """The names of an image: its tags, and the repositories it was pulled from by digest only."""
    tags = _references(image.get("RepoTags"))
    tagged = {reference.repository for reference in tags}
    return tags + [
        reference for reference in _references(image.get("RepoDigests")) if reference.repository not in tagged
    ]


def uses(engine: str, text: str, own_image: str, image: dict[str, Any] | None) -> list[Use]:
    """[(reference, Reference or None, why it is None)] of a container created from `text`. A container created
    from an image ID uses that image's names (podman writes one of them in its ImageName, docker the ID)."""
    if HEX.match(text) and own_image.startswith(image_id(text)):
        names = names_of(image) if image else []
        if names:
            return [(str(reference), reference, None) for reference in names]
        why = f"which has no name in {engine}" if image else f"which is not in {engine}'s storage any more"
        return [(text, None, f"created from image {own_image[:12]}, {why}")]
    reference = parse_reference(text)
    if reference is None:
        return [(text, None, f"{text!r} is not an image reference that this module reads")]
    return [(str(reference), reference, None)]


def digests_of(
    engine: str, reference: Reference, image: dict[str, Any] | None, short_id: str
) -> tuple[list[str], str | None]:
    """(the digests of the image that a container of `reference` runs, the image's own first; why there is none).
    The digest in the reference, else those the engine records for that repository (RepoDigests), else the
    manifest digest that podman records (Digest: an image whose tag moved to another image keeps no name)."""
    if reference.digest:
        return [reference.digest], None
    if image is None:
        return [], f"its image {short_id} is not in {engine}'s storage any more"
    recorded = [
        name.digest
        for name in _references(image.get("RepoDigests"))
        if name.repository == reference.repository and name.digest
    ]
    own = image.get("Digest")
    if isinstance(own, str) and DIGEST.match(own) and (own in recorded or not recorded):
        recorded = [own, *recorded]
    if not recorded:
        return [], (
            f"{engine} records no digest of {reference.repository} for image {short_id}: it was built or tagged on"
            " this host, and never pulled from or pushed to that repository"
        )
    return list(dict.fromkeys(recorded)), None


class Found:
    """What the containers of one engine use: the entries of `images` by (reference, digest), the references to
    keep, and the containers left out, by registry."""

    def __init__(self, engine: str, registries: Iterable[str]) -> None:
        self.engine = engine
        self.registries = {registry_host(host) for host in registries}
        self.entries: dict[tuple[str, str], Entry] = {}
        self.keep: set[str] = set()
        self.others: dict[str, int] = {}

    def add(self, container: dict[str, Any], image: dict[str, Any] | None) -> None:
        name = str(container.get("Name") or container.get("Id") or "").lstrip("/")
        text = str(container.get("ImageName") or (container.get("Config") or {}).get("Image") or "")
        own_image = image_id(container.get("Image"))
        running = bool((container.get("State") or {}).get("Running"))
        for written, reference, reason in uses(self.engine, text, own_image, image):
            registry = reference.repository.split("/", 1)[0] if reference else None
            if registry is not None and not reported(registry, self.registries):
                self.others[registry] = self.others.get(registry, 0) + 1
                continue
            digests: list[str] = []
            if reference is not None:
                digests, reason = digests_of(self.engine, reference, image, own_image[:12])
                self.keep.update(f"{reference.repository}@{digest}" for digest in digests)
                self.keep.update([str(reference._replace(digest=None))] if reference.tag else [])
            # Without a digest, the reason tells images apart: two gone images of one tag make two entries.
            entry = self.entries.setdefault(
                (written, digests[0] if digests else reason or ""),
                dict(
                    reference=written,
                    repository=reference.repository if reference else None,
                    tag=reference.tag if reference else None,
                    digest=digests[0] if digests else None,
                    engine=self.engine,
                    containers=[],
                    running=False,
                    reason=reason,
                ),
            )
            entry["containers"] = sorted({*entry["containers"], name})
            entry["running"] = entry["running"] or running


def images_in_use(
    engine: str, containers: list[dict[str, Any]], images: list[dict[str, Any]], registries: Iterable[str]
) -> Found:
    """What the containers of one engine use. containers and images are the objects of its `container inspect`
    and `image inspect`. Scaleway's registries are reported, and those named in registries (host or host:port);
    the others are only counted. One entry per reference and digest: containers created from one tag, before and
    after it moved, run two images (without a digest, one per reason)."""
    by_id = {image_id(image.get("Id")): image for image in images}
    found = Found(engine, registries)
    for container in containers:
        found.add(container, by_id.get(image_id(container.get("Image"))))
    return found
