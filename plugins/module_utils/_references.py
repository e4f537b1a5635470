# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Image references, as containers are created from them, and the tags they hold in a cleanup (keep_references).

A reference is `host/namespace/image:tag`, `host/namespace/image@sha256:<64 hex>` (with or without a tag before
the digest) or a bare `sha256:<64 hex>`, which holds that digest in every image. Without a tag or a digest, the
tag is `latest`, as docker and podman take it. The grammar is the distribution registry's, with the registry host
required, as every image of Scaleway's registries has one.
"""

from __future__ import annotations

import re
from typing import Any, Container, Iterable, Iterator, NamedTuple, Optional, Tuple

# The distribution registry's grammar of a repository path component and of a tag (github.com/distribution/reference).
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?"
TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_REFERENCE_RE = re.compile(
    rf"^(?P<repository>(?P<host>{_HOST})(?:/{COMPONENT})+)(?::(?P<tag>{TAG}))?(?:@(?P<digest>.+))?$"
)
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_Key = Tuple[Optional[str], str]  # (repository or None for every image, tag name or digest)
_FORMS = "host/namespace/image:tag, host/namespace/image@sha256:<64 hex characters> or sha256:<64 hex characters>"


# Scaleway's registries, one a region: rg.fr-par.scw.cloud, rg.nl-ams.scw.cloud, ...
SCALEWAY_REGISTRY = re.compile(r"^rg\.[a-z0-9-]+\.scw\.cloud$")


def reported(host: str, others: Container[str]) -> bool:
    """Whether the images of a registry host (as registry_host() writes it) count: Scaleway's registries, in every
    region, and the others named."""
    return bool(SCALEWAY_REGISTRY.match(host)) or host in others


def registry_host(host: str) -> str:
    """A registry host as a namespace's endpoint writes it: lower case (DNS ignores case), without :443, the port
    of https, which docker keeps in a reference (rg.fr-par.scw.cloud:443/team/app) though it is the same registry."""
    host = host.lower()
    return host[: -len(":443")] if host.endswith(":443") else host


class BadReference(ValueError):
    """A reference that is not one; the message names it and the forms that are."""


class Reference(NamedTuple):
    text: str
    repository: str | None  # host/namespace/image; None for a bare digest
    tag: str | None
    digest: str | None


def parse_reference(text: str, option: str = "keep_references") -> Reference:
    """The Reference of text; BadReference, in one line, for anything else."""
    text = str(text).strip()
    if "/" not in text and ":" in text:  # no repository: a bare digest, or meant as one
        _check_digest(text, text, option)
        return Reference(text, None, None, text)
    match = _REFERENCE_RE.match(text)
    if not match:
        path = text.split("@", 1)[0].split("/", 1)[-1].rsplit(":", 1)[0]
        hint = " (a repository name is lower case)" if path != path.lower() else ""
        raise BadReference(f"{option}: {text!r} is not an image reference{hint}; write {_FORMS}")
    host = match.group("host")
    if "." not in host and ":" not in host and host != "localhost":
        raise BadReference(
            f"{option}: {text!r} names no registry host ({host} would be one); write the image as docker pulls"
            f" it, such as rg.fr-par.scw.cloud/{text}"
        )
    tag, digest = match.group("tag"), match.group("digest")
    if digest is not None:
        _check_digest(digest, text, option)
    elif tag is None:
        tag = "latest"  # what docker and podman pull for a reference without either
    repository = registry_host(host) + match.group("repository")[len(host) :]
    return Reference(text, repository, tag, digest)


def _check_digest(digest: str, text: str, option: str) -> None:
    if not DIGEST_RE.match(digest):
        raise BadReference(
            f"{option}: {text!r} has the digest {digest!r}, which is not sha256: followed by 64 lower-case hex"
            " characters"
        )


class References:
    """The references that hold tags in a cleanup, looked up in constant time per tag, however many there are."""

    def __init__(self, texts: Iterable[str] | None, option: str = "keep_references") -> None:
        self.parsed = [parse_reference(text, option) for text in dict.fromkeys(texts or ())]
        # Every reference of each key, so that each one that holds a tag counts as used (matched()).
        self.by_tag: dict[_Key, list[str]] = {}
        self.by_digest: dict[_Key, list[str]] = {}
        for reference in self.parsed:
            if reference.tag is not None and reference.repository is not None:
                self.by_tag.setdefault((reference.repository, reference.tag), []).append(reference.text)
            if reference.digest is not None:
                self.by_digest.setdefault((reference.repository, reference.digest), []).append(reference.text)

    def __len__(self) -> int:
        return len(self.parsed)

    def holding(self, repository: str, tag: dict[str, Any]) -> str | None:
        """The first reference that holds a tag of the image repository (host/namespace/image), or None."""
        return next((table[key][0] for table, key in self._lookups(repository, tag) if key in table), None)

    def matched(self, repository: str, tags: Iterable[dict[str, Any]]) -> set[str]:
        """Every reference that holds one of these tags of the image repository."""
        return {
            text for tag in tags for table, key in self._lookups(repository, tag) if key in table for text in table[key]
        }

    def _lookups(self, repository: str, tag: dict[str, Any]) -> Iterator[tuple[dict[_Key, list[str]], _Key]]:
        yield self.by_tag, (repository, tag["name"])
        yield self.by_digest, (repository, tag["digest"])
        yield self.by_digest, (None, tag["digest"])
