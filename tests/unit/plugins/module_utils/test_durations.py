# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Durations: one grammar for older_than, key_lifetime and key_renew_before, and one-line refusals naming the option."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._durations import DurationError, parse_duration


@pytest.mark.parametrize(
    "text,expected",
    [
        ("90d", datetime.timedelta(days=90)),
        ("12h", datetime.timedelta(hours=12)),
        ("2w", datetime.timedelta(weeks=2)),
        ("1w3d", datetime.timedelta(days=10)),
        ("30min", datetime.timedelta(minutes=30)),
        ("45s", datetime.timedelta(seconds=45)),
        ("2h30min", datetime.timedelta(minutes=150)),
        ("1w2d3h4min5s", datetime.timedelta(days=9, seconds=3 * 3600 + 4 * 60 + 5)),
        (" 90d ", datetime.timedelta(days=90)),
    ],
)
def test_durations_are_read(text, expected):
    assert parse_duration(text, "older_than") == expected


@pytest.mark.parametrize(
    "text", ["90", "d", "-1d", "", "3 days", "1d1w", "1d1d", "30days", "1x", "9999999999999w", "36501d"]
)
def test_bad_durations_are_refused_with_an_example(text):
    with pytest.raises(DurationError) as raised:
        parse_duration(text, "older_than")
    assert "older_than" in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("3m", "older_than 3m: minutes or months? write 3min, or 90d for about three months"),
        ("6m", "older_than 6m: minutes or months? write 6min, or 180d for about six months"),
        ("1m", "older_than 1m: minutes or months? write 1min, or 30d for about one month"),
        ("18m", "older_than 18m: minutes or months? write 18min, or 540d for about 18 months"),
        (
            "1h30m",
            "older_than 1h30m: minutes or months? write 1h30min for minutes; for months, write days (30d is about"
            " one month)",
        ),
    ],
)
def test_a_bare_m_is_refused_naming_both_readings(text, message):
    # 3m meant 3 minutes, and deleted everything older than that for people who meant three months.
    with pytest.raises(DurationError) as raised:
        parse_duration(text, "older_than")
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "text, hint",
    [
        ("6M", "180d for about six months"),
        ("2mo", "60d for about two months"),
        ("1month", "30d for about one month"),
        ("1y", "365d for about one year"),
        ("2years", "730d for about two years"),
        ("1y6M", "545d for about one year and six months"),
    ],
)
def test_months_and_years_are_refused_with_a_hint_in_days(text, hint):
    with pytest.raises(DurationError) as raised:
        parse_duration(text, "older_than")
    assert str(raised.value) == (
        f"older_than {text}: months and years have no fixed length; write days, such as {hint}"
    )


def test_zero_is_a_duration_that_the_option_judges():
    assert parse_duration("0d", "older_than") == datetime.timedelta(0)


@pytest.mark.parametrize(
    "option, text, message",
    [
        ("key_lifetime", "90 days", "key_lifetime '90 days' is not a duration: write a number and a unit among w, d,"),
        ("key_lifetime", "6m", "key_lifetime 6m: minutes or months? write 6min, or 180d for about six months"),
        ("key_renew_before", "1M", "key_renew_before 1M: months and years have no fixed length; write days, such as"),
        ("key_lifetime", "36501d", "key_lifetime '36501d' is more than 100 years"),
    ],
)
def test_every_refusal_names_the_option_it_is_for(option, text, message):
    with pytest.raises(DurationError) as raised:
        parse_duration(text, option)
    assert str(raised.value).startswith(message)
