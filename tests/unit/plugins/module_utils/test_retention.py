"""The retention rules: examples, then properties over random tag sets."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.scaleway.registry.plugins.module_utils._retention import (
    DELETE,
    KEEP,
    RuleError,
    Rules,
    changed_since_listing,
    digest_groups,
    newest_first,
    plan_image,
)

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)


def tag(name, day, digest=None, status="ready"):
    return {
        "id": "id-" + name,
        "name": name,
        "digest": digest or "sha256:" + name,
        "status": status,
        "created_at": None if day is None else f"2026-05-{day:02d}T12:00:00.000000Z",
    }


def actions(decisions):
    return {decided[0]["name"]: decided[1] for decided in decisions}


@pytest.mark.parametrize(
    "older_than, message",
    [
        ("0d", "older_than '0d' is zero: every tag would be old enough"),
        ("0h0min", "older_than '0h0min' is zero: every tag would be old enough"),
        ("3m", "older_than 3m: minutes or months? write 3min, or 90d for about three months"),
        ("30 days", "older_than '30 days' is not a duration"),
    ],
)
def test_an_older_than_that_is_no_age_is_refused_naming_the_option(older_than, message):
    # Durations themselves are tested in test_durations.py.
    with pytest.raises(RuleError) as raised:
        Rules(older_than=older_than, now=NOW)
    assert str(raised.value).startswith(message)


def test_a_bad_regex_is_refused_naming_the_option():
    with pytest.raises(RuleError) as raised:
        Rules(keep_tags=["^v(1"])
    assert str(raised.value).startswith("keep_tags: '^v(1' is not a valid regular expression")


def test_keep_last_counts_every_tag_not_only_the_candidates():
    tags = [tag("v1", 1), tag("v2", 2), tag("v3", 3), tag("dev-4", 4), tag("dev-5", 5)]
    decisions = plan_image(tags, Rules(keep_last=2, delete_tags=["v.*"]))
    # The two newest are dev-5 and dev-4: every v tag may go, none is "among the 2 newest candidates".
    assert actions(decisions) == {"dev-5": KEEP, "dev-4": KEEP, "v3": DELETE, "v2": DELETE, "v1": DELETE}


def test_keep_tags_wins_over_every_deletion_rule():
    tags = [tag("latest", 1), tag("v1.0.0", 2), tag("build-3", 3)]
    decisions = plan_image(
        tags, Rules(keep_tags=["latest", r"v\d+\.\d+\.\d+"], delete_tags=[".*"], older_than="1d", now=NOW)
    )
    assert actions(decisions) == {"latest": KEEP, "v1.0.0": KEEP, "build-3": DELETE}
    assert {d[0]["name"]: d[2] for d in decisions}["latest"] == "keep_tags: matches latest"


def test_patterns_must_match_the_whole_tag_name():
    # Searched, pr-* found "pr" in prod and approved-build, and pr-\d+ found "pr-1" in pr-1-fix.
    tags = [tag("prod", 1), tag("approved-build", 2), tag("pr-1-fix", 3), tag("pr-1", 4), tag("latest-rc", 5)]
    assert actions(plan_image(tags, Rules(delete_tags=["pr-*"]))) == {t["name"]: KEEP for t in tags}
    assert actions(plan_image(tags, Rules(delete_tags=[r"pr-\d+"]))) == {
        "prod": KEEP,
        "approved-build": KEEP,
        "pr-1-fix": KEEP,
        "pr-1": DELETE,
        "latest-rc": KEEP,
    }


def test_anchors_are_still_valid_and_change_nothing():
    tags = [tag("latest", 1), tag("latest-rc", 2), tag("v1.2.0", 3), tag("v1.2.0-rc1", 4)]
    anchored = Rules(keep_tags=["^latest$", r"^v\d+\.\d+\.\d+$"])
    clean = Rules(keep_tags=["latest", r"v\d+\.\d+\.\d+"])
    assert (
        actions(plan_image(tags, anchored))
        == actions(plan_image(tags, clean))
        == {"latest": KEEP, "latest-rc": DELETE, "v1.2.0": KEEP, "v1.2.0-rc1": DELETE}
    )


@pytest.mark.parametrize(
    "pattern, meant",
    [("pr-*", "pr-.*"), ("build-*-amd64", "build-.*-amd64"), ("feature/*", "feature/.*"), ("a*b*", "a.*b.*")],
)
def test_a_pattern_that_reads_as_a_glob_gets_a_warning_naming_the_regex_meant(pattern, meant):
    rules = Rules(delete_tags=[pattern])
    assert rules.warnings == [
        f"delete_tags: '{pattern}' looks like a glob, but tag patterns are regular expressions that"
        f" must match the whole tag name; did you mean '{meant}'?"
    ]


@pytest.mark.parametrize("pattern", ["pr-.*", "[0-9]*", "(rc)*", r"v\d*", r"build-\d+", "latest", "^v1$"])
def test_a_regex_star_gets_no_warning(pattern):
    assert Rules(keep_tags=[pattern], delete_tags=[pattern]).warnings == []


def test_a_glob_that_is_no_regex_is_refused_naming_the_regex_meant():
    with pytest.raises(RuleError) as raised:
        Rules(keep_tags=["*-rc"])
    assert str(raised.value).startswith("keep_tags: '*-rc' is not a valid regular expression: nothing to repeat")
    assert str(raised.value).endswith("; did you mean '.*-rc'?")


def test_older_than_keeps_what_is_recent_or_undated():
    tags = [tag("old", 1), tag("recent", 30), tag("undated", None)]
    decisions = plan_image(tags, Rules(older_than="7d", now=NOW))
    assert actions(decisions) == {"old": DELETE, "recent": KEEP, "undated": KEEP}
    assert {d[0]["name"]: d[2] for d in decisions}["recent"] == "older_than: created less than 7d ago"


def test_a_candidate_whose_digest_a_kept_tag_carries_is_kept_with_that_reason():
    tags = [tag("latest", 5, "sha256:a"), tag("v1", 1, "sha256:a"), tag("v0", 0 + 1, "sha256:b")]
    decisions = plan_image(tags, Rules(keep_tags=["latest"]))
    reasons = {d[0]["name"]: (d[1], d[2]) for d in decisions}
    assert reasons["v1"] == (KEEP, "digest: latest, which is kept, carries the same digest")
    assert reasons["v0"][0] == DELETE


def test_tags_of_one_digest_that_all_go_are_deleted_once():
    tags = [tag("a", 1, "sha256:x"), tag("b", 2, "sha256:x"), tag("c", 3, "sha256:y"), tag("keep", 4)]
    groups = digest_groups(plan_image(tags, Rules(keep_tags=["keep"])))
    assert sorted(sorted(member["name"] for member in group) for group in groups) == [["a", "b"], ["c"]]


GROUP = [tag("pr-1", 1, "sha256:x"), tag("pr-2", 2, "sha256:x")]


def test_a_forced_group_whose_tags_did_not_change_may_go():
    current = [*GROUP, tag("main", 3, "sha256:y")]
    assert changed_since_listing(GROUP, current) is None
    # Tags of the group already gone take nothing else with them.
    assert changed_since_listing(GROUP, [GROUP[1]]) is None


def test_a_forced_group_whose_digest_gained_a_tag_since_the_listing_is_kept_naming_it():
    current = [*GROUP, tag("pushed-x", 4, "sha256:x"), tag("main", 3, "sha256:y")]
    assert changed_since_listing(GROUP, current) == "digest: since the listing, a push changed its tags (pushed-x)"


def test_a_forced_group_whose_tag_was_pushed_again_is_kept():
    # The delete names pr-1, which now carries another manifest: the plan no longer says what goes.
    current = [tag("pr-1", 1, "sha256:z"), GROUP[1]]
    assert changed_since_listing(GROUP, current) == "digest: since the listing, a push changed its tags (pr-1)"


def test_a_tag_being_deleted_does_not_hold_a_group():
    current = [*GROUP, tag("old", 1, "sha256:x", status="deleting")]
    assert changed_since_listing(GROUP, current) is None


def test_tags_being_deleted_are_left_out_of_the_plan():
    tags = [tag("v1", 1, status="deleting"), tag("v2", 2)]
    assert actions(plan_image(tags, Rules(keep_last=1))) == {"v2": KEEP}


def test_newest_first_puts_undated_tags_first_and_breaks_ties_by_name():
    assert [t["name"] for t in newest_first([tag("b", 3), tag("a", 3), tag("x", None), tag("c", 1)])] == [
        "x",
        "b",
        "a",
        "c",
    ]


NAMES = st.text(alphabet="abv0123-.", min_size=1, max_size=6)
PATTERNS = st.lists(st.sampled_from(["v.*", "a", r".*\d", "latest", ".*-.*", "b+"]), max_size=2)
TAG_SETS = st.lists(
    st.tuples(NAMES, st.sampled_from("abcd"), st.one_of(st.none(), st.integers(1, 31))),
    max_size=12,
    unique_by=lambda item: item[0],
)
RULES = st.builds(
    dict,
    keep_last=st.one_of(st.none(), st.integers(0, 5)),
    keep_tags=PATTERNS,
    delete_tags=st.one_of(st.none(), PATTERNS),
    older_than=st.sampled_from([None, "1d", "10d", "3w"]),
)


def build(tag_set, rule_set):
    tags = [tag(name, day, "sha256:" + digest) for name, digest, day in tag_set]
    return tags, Rules(now=NOW, **rule_set)


@settings(max_examples=400, deadline=None)
@given(TAG_SETS, RULES)
def test_property_no_tag_a_keep_rule_holds_is_ever_deleted(tag_set, rule_set):
    tags, rules = build(tag_set, rule_set)
    newest = {t["id"] for t in newest_first(tags)[: rules.keep_last]} if rules.keep_last is not None else set()
    for decided, action, _reason in plan_image(tags, rules):
        if rules.keep_reason(decided, newest):
            assert action == KEEP


@settings(max_examples=400, deadline=None)
@given(TAG_SETS, RULES)
def test_property_no_deleted_digest_is_carried_by_a_kept_tag(tag_set, rule_set):
    decisions = plan_image(*build(tag_set, rule_set))
    kept = {decided["digest"] for decided, action, _reason in decisions if action == KEEP}
    assert not any(decided["digest"] in kept for decided, action, _reason in decisions if action == DELETE)


@settings(max_examples=400, deadline=None)
@given(TAG_SETS, RULES)
def test_property_keep_last_keeps_at_least_that_many(tag_set, rule_set):
    tags, rules = build(tag_set, rule_set)
    kept = [decided for decided, action, _reason in plan_image(tags, rules) if action == KEEP]
    if rules.keep_last is not None:
        assert len(kept) >= min(rules.keep_last, len(tags))


@settings(max_examples=400, deadline=None)
@given(TAG_SETS, RULES)
def test_property_planning_again_after_applying_deletes_nothing(tag_set, rule_set):
    tags, rules = build(tag_set, rule_set)
    remaining = [decided for decided, action, _reason in plan_image(tags, rules) if action == KEEP]
    assert all(action == KEEP for _tag, action, _reason in plan_image(remaining, rules))
