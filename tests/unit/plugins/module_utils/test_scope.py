"""Which namespaces and images the `namespaces` and `images` options select, in cleanup and the inventory."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._scan import (
    image_in_scope,
    namespace_in_scope,
    scope_check,
    scope_problem,
)

TEAM_A = {"id": "7a2f3b7c-0c1e-4b55-9d39-5d0d8d3b1a11", "name": "team-a"}


def test_every_namespace_is_in_scope_when_the_option_is_left_out():
    assert namespace_in_scope(TEAM_A, None)


def test_an_empty_list_selects_nothing_rather_than_everything():
    # The modules refuse an empty list first (scope_problem); should one get through, it must not widen the scope.
    assert not namespace_in_scope(TEAM_A, [])
    assert not image_in_scope({"name": "team/app"}, [])


@pytest.mark.parametrize(
    "namespaces, images, problem",
    [
        (
            [],
            None,
            "namespaces is an empty list (a template that came out empty?): give at least one, or leave"
            " namespaces out for every namespace",
        ),
        (
            ["team-*"],
            [],
            "images is an empty list (a template that came out empty?): give at least one, or leave images"
            " out for every image",
        ),
        ([], [], "namespaces is an empty list"),
    ],
)
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


@pytest.mark.parametrize(
    "globs, selected",
    [
        (None, True),
        ([], False),
        (["team/app"], True),
        (["team/*"], True),
        (["*/app"], True),
        (["team"], False),
        (["app"], False),
        (["team/ap"], False),
    ],
)
def test_images_are_selected_by_globs_on_their_whole_name(globs, selected):
    assert image_in_scope({"name": "team/app"}, globs) is selected


TEAM_WEB = {"id": "0b7cd9e2-55f4-4c5e-9a0a-3c8c5a1b2c01", "name": "team-web"}
SANDBOX = {"id": "0b7cd9e2-55f4-4c5e-9a0a-3c8c5a1b2c02", "name": "sandbox"}
NAMESPACES = [TEAM_A, TEAM_WEB, SANDBOX]
IMAGES = [
    {"name": "team/app", "namespace_id": TEAM_WEB["id"]},
    {"name": "web/frontend", "namespace_id": TEAM_WEB["id"]},
    {"name": "tryout", "namespace_id": SANDBOX["id"]},
    {"name": "api", "namespace_id": TEAM_A["id"]},
]


def check(namespaces, images, regions=("fr-par",)):
    return scope_check(namespaces, images, NAMESPACES, IMAGES, list(regions))


@pytest.mark.parametrize(
    "namespaces, images",
    [
        (None, None),
        (["team-web"], None),
        (["team-web", TEAM_A["id"]], ["team/app", "api"]),
        (["team-*"], ["*"]),
        (None, ["tryout"]),
    ],
)
def test_a_scope_that_names_what_exists_passes_without_a_word(namespaces, images):
    assert check(namespaces, images) == (None, [])


def test_a_misspelled_namespace_fails_naming_it_and_the_closest_names():
    # demo-appz once cleaned nothing and reported success: deleted 0, kept 0, plan [].
    assert check(["team-wbe"], None) == (
        "namespaces: 'team-wbe' matches no namespace in fr-par (closest: team-web, team-a); nothing was deleted",
        [],
    )


def test_a_namespace_id_that_matches_nothing_fails_naming_the_closest_ids():
    typo = TEAM_WEB["id"][:-1] + "9"
    problem, _warnings = check([typo], None)
    assert problem.startswith(f"namespaces: '{typo}' matches no namespace in fr-par (closest: ")
    assert TEAM_WEB["id"] in problem
    assert problem.endswith("); nothing was deleted")


def test_a_name_close_to_nothing_gets_what_there_is_and_an_empty_region_says_so():
    assert check(["production"], None)[0] == (
        "namespaces: 'production' matches no namespace in fr-par (none is close;"
        " there are sandbox, team-a, team-web); nothing was deleted"
    )
    assert scope_check(["team-web"], None, [], [], ["nl-ams", "pl-waw"])[0] == (
        "namespaces: 'team-web' matches no namespace in nl-ams and pl-waw (there are none); nothing was deleted"
    )


def test_a_misspelled_image_fails_naming_the_closest_names_in_the_namespaces_in_scope():
    assert check(["team-web"], ["web/frontent"])[0] == (
        "images: 'web/frontent' matches no image in the namespaces in scope, in fr-par (closest: web/frontend);"
        " nothing was deleted"
    )
    # An image of a namespace out of scope is no match, and `app` suggests team/app, which difflib scores low.
    assert check(["team-web"], ["api", "app"])[0] == (
        "images: 'api' matches no image in the namespaces in scope, in fr-par (none is close; there are team/app,"
        " web/frontend); images: 'app' matches no image in the namespaces in scope, in fr-par (closest: team/app);"
        " nothing was deleted"
    )


def test_images_are_not_blamed_for_a_misspelled_namespace():
    assert check(["team-wbe"], ["team/app"])[0].startswith("namespaces: 'team-wbe' matches no namespace")
    assert "images:" not in check(["team-wbe"], ["team/app"])[0]


def test_a_glob_that_matches_nothing_gets_a_warning_only():
    assert check(["demo-*", "team-web"], ["web/*", "team/?pp", "old/*"]) == (
        None,
        [
            "namespaces: 'demo-*' matches no namespace in fr-par",
            "images: 'old/*' matches no image in the namespaces in scope, in fr-par",
        ],
    )
    # A glob that leaves no namespace in scope does not make the image entries typos.
    assert check(["demo-*"], ["team/app"]) == (None, ["namespaces: 'demo-*' matches no namespace in fr-par"])


def test_an_image_named_in_a_region_without_namespaces_is_a_typo_too():
    assert scope_check(None, ["ap"], [], [], ["fr-par"]) == (
        "images: 'ap' matches no image in fr-par (there are none); nothing was deleted",
        [],
    )


def test_a_name_found_in_one_region_of_several_is_no_typo():
    assert scope_check(["team-web"], ["team/app"], [TEAM_WEB], IMAGES[:1], ["fr-par", "nl-ams", "pl-waw"]) == (None, [])
    assert check(["team-wbe"], None, ["fr-par", "nl-ams", "pl-waw"])[0].startswith(
        "namespaces: 'team-wbe' matches no namespace in fr-par, nl-ams and pl-waw (closest: team-web"
    )
