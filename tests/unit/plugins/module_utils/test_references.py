# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Image references (keep_references): what they hold and what they refuse, in one line."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._references import (
    BadReference,
    Reference,
    References,
    parse_reference,
)

DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
APP = "rg.fr-par.scw.cloud/team-web/app"


@pytest.mark.parametrize(
    ("text", "repository", "tag", "digest"),
    [
        (f"{APP}:v1", APP, "v1", None),
        (f"{APP}@{DIGEST}", APP, None, DIGEST),
        (f"{APP}:v1@{DIGEST}", APP, "v1", DIGEST),
        (DIGEST, None, None, DIGEST),
        ("rg.fr-par.scw.cloud/team-web/tools/cli:1.0", "rg.fr-par.scw.cloud/team-web/tools/cli", "1.0", None),
        ("127.0.0.1:5000/team-web/app:V1_rc-2", "127.0.0.1:5000/team-web/app", "V1_rc-2", None),
        ("localhost:5000/a.b/c__d/e-f:x", "localhost:5000/a.b/c__d/e-f", "x", None),
        (APP, APP, "latest", None),
        (f"  {APP}:v1\n", APP, "v1", None),
        ("RG.FR-PAR.SCW.CLOUD/team-web/app:v1", APP, "v1", None),
        ("rg.fr-par.scw.cloud:443/team-web/app:v1", APP, "v1", None),  # https's port: the same registry
        ("127.0.0.1:4430/team-web/app:v1", "127.0.0.1:4430/team-web/app", "v1", None),
    ],
)
def test_parses_tags_digests_slashes_in_names_and_registries_with_ports(text, repository, tag, digest):
    assert parse_reference(text) == Reference(text.strip(), repository, tag, digest)  # the host as endpoints write it


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rg.fr-par.scw.cloud/Team-Web/app:v1", "is not an image reference (a repository name is lower case)"),
        ("rg.fr-par.scw.cloud/team-web/App", "is not an image reference (a repository name is lower case)"),
        ("team-web/app:v1", "names no registry host (team-web would be one)"),
        ("https://rg.fr-par.scw.cloud/team-web/app", "is not an image reference; write host/namespace/image:tag"),
        ("app", "is not an image reference"),
        ("", "is not an image reference"),
        ("sha256:abc", "has the digest 'sha256:abc', which is not sha256: followed by 64 lower-case hex characters"),
        ("sha256:" + "AB" * 32, "which is not sha256: followed by 64 lower-case hex characters"),
        ("sha512:" + "a" * 128, "which is not sha256:"),
        (f"{APP}@sha1:{'a' * 40}", "has the digest 'sha1:"),
        (f"{APP}:v1:v2", "is not an image reference"),
    ],
)
def test_refuses_what_is_not_a_reference_in_one_line_that_names_it(text, message):
    with pytest.raises(BadReference) as raised:
        parse_reference(text)
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"keep_references: {text.strip()!r} ")
    assert "\n" not in str(raised.value)


def tag(name, digest):
    return {"name": name, "digest": digest}


def test_a_tag_reference_holds_that_tag_of_that_image_only():
    references = References([f"{APP}:v1"])
    assert references.holding(APP, tag("v1", DIGEST)) == f"{APP}:v1"
    assert references.holding(APP, tag("v2", DIGEST)) is None
    assert references.holding("rg.nl-ams.scw.cloud/team-web/app", tag("v1", DIGEST)) is None


def test_a_digest_reference_holds_every_tag_of_that_digest_in_that_image_only():
    references = References([f"{APP}@{DIGEST}"])
    assert references.holding(APP, tag("anything", DIGEST)) == f"{APP}@{DIGEST}"
    assert references.holding(APP, tag("v1", OTHER)) is None
    assert references.holding(f"{APP}-2", tag("v1", DIGEST)) is None


def test_a_bare_digest_holds_that_digest_in_every_image():
    references = References([DIGEST])
    assert references.holding(APP, tag("v1", DIGEST)) == DIGEST
    assert references.holding("127.0.0.1:5000/other/image", tag("x", DIGEST)) == DIGEST


def test_a_reference_with_tag_and_digest_holds_both():
    references = References([f"{APP}:v1@{DIGEST}"])
    assert references.holding(APP, tag("v1", OTHER)) is not None
    assert references.holding(APP, tag("v9", DIGEST)) is not None


def test_matched_names_every_reference_that_holds_a_tag_and_ignores_the_others():
    texts = [f"{APP}:v1", f"{APP}@{DIGEST}", DIGEST, f"{APP}:gone", "rg.nl-ams.scw.cloud/elsewhere/app:v1", f"{APP}:v1"]
    references = References(texts)
    assert len(references) == 5  # the same reference twice counts once
    assert references.matched(APP, [tag("v1", DIGEST), tag("v2", OTHER)]) == {f"{APP}:v1", f"{APP}@{DIGEST}", DIGEST}


def test_a_thousand_references_are_looked_up_not_scanned():
    references = References([f"{APP}:build-{number}" for number in range(1000)])
    assert references.holding(APP, tag("build-999", DIGEST)) == f"{APP}:build-999"
    assert len(references.by_tag) == 1000
