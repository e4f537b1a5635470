"""Which namespaces and images the `namespaces` and `images` options select, in cleanup and the inventory."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._registry import (
    image_in_scope,
    namespace_in_scope,
    scope_problem,
)

TEAM_A = {"id": "7a2f3b7c-0c1e-4b55-9d39-5d0d8d3b1a11", "name": "team-a"}


def test_every_namespace_is_in_scope_when_the_option_is_left_out():
    assert namespace_in_scope(TEAM_A, None)


def test_an_empty_list_selects_nothing_rather_than_everything():
    # The modules refuse an empty list first (scope_problem); should one get through, it must not widen the scope.
    assert not namespace_in_scope(TEAM_A, [])
    assert not image_in_scope({"name": "team/app"}, [])


@pytest.mark.parametrize("namespaces, images, problem", [
    ([], None, "namespaces is an empty list (a template that came out empty?): give at least one, or leave"
               " namespaces out for every namespace"),
    (["team-*"], [], "images is an empty list (a template that came out empty?): give at least one, or leave images"
                     " out for every image"),
    ([], [], "namespaces is an empty list"),
])
def test_an_empty_scope_list_is_refused_naming_the_option_and_the_fix(namespaces, images, problem):
    assert scope_problem(namespaces, images).startswith(problem)
    assert "\n" not in scope_problem(namespaces, images)


@pytest.mark.parametrize("namespaces, images", [(None, None), (["team-*"], None), (None, ["app"]), (["a"], ["b"])])
def test_a_scope_left_out_or_given_is_accepted(namespaces, images):
    assert scope_problem(namespaces, images) is None


@pytest.mark.parametrize("patterns", [["team-a"], ["team-*"], ["other", "t?am-[ab]"], [TEAM_A["id"]]])
def test_a_namespace_is_selected_by_name_glob_or_id(patterns):
    assert namespace_in_scope(TEAM_A, patterns)


@pytest.mark.parametrize("patterns", [["team"], ["Team-A"], ["team-b", "*-c"], [TEAM_A["id"][:8] + "*"]])
def test_a_namespace_matching_no_pattern_is_out_of_scope(patterns):
    # Globs apply to names only, case-sensitively, as namespace names are lower-case.
    assert not namespace_in_scope(TEAM_A, patterns)


@pytest.mark.parametrize("globs, selected", [
    (None, True),
    ([], False),
    (["team/app"], True),
    (["team/*"], True),
    (["*/app"], True),
    (["team"], False),
    (["app"], False),
    (["team/ap"], False),
])
def test_images_are_selected_by_globs_on_their_whole_name(globs, selected):
    assert image_in_scope({"name": "team/app"}, globs) is selected
