"""Which namespaces and images the `namespaces` and `images` options select, in cleanup and the inventory."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._registry import image_in_scope, namespace_in_scope

TEAM_A = {"id": "7a2f3b7c-0c1e-4b55-9d39-5d0d8d3b1a11", "name": "team-a"}


@pytest.mark.parametrize("patterns", [None, []])
def test_every_namespace_is_in_scope_without_patterns(patterns):
    assert namespace_in_scope(TEAM_A, patterns)


@pytest.mark.parametrize("patterns", [["team-a"], ["team-*"], ["other", "t?am-[ab]"], [TEAM_A["id"]]])
def test_a_namespace_is_selected_by_name_glob_or_id(patterns):
    assert namespace_in_scope(TEAM_A, patterns)


@pytest.mark.parametrize("patterns", [["team"], ["Team-A"], ["team-b", "*-c"], [TEAM_A["id"][:8] + "*"]])
def test_a_namespace_matching_no_pattern_is_out_of_scope(patterns):
    # Globs apply to names only, case-sensitively, as namespace names are lower-case.
    assert not namespace_in_scope(TEAM_A, patterns)


@pytest.mark.parametrize("globs, selected", [
    (None, True),
    ([], True),
    (["team/app"], True),
    (["team/*"], True),
    (["*/app"], True),
    (["team"], False),
    (["app"], False),
    (["team/ap"], False),
])
def test_images_are_selected_by_globs_on_their_whole_name(globs, selected):
    assert image_in_scope({"name": "team/app"}, globs) is selected
