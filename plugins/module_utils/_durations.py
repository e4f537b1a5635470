# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Durations, one grammar for every option that takes one (older_than, key_lifetime, key_renew_before).

A number and a unit, or several, largest unit first: w, d, h, min, s (90d, 12h, 2w, 1w3d, 2h30min). A bare `m` is
refused, since people write it for minutes and for months alike; so are months and years, which have no fixed
length. Each refusal says, in one line naming the option, what to write instead.
"""

from __future__ import annotations

import datetime
import re

# The units, largest first, in seconds. Minutes are `min`: a bare `m` reads as months too.
UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
# At most 12 digits a number, so that a huge one is refused in one line rather than overflowing.
DURATION_PARTS = re.compile(r"^(?:\d{1,12}[A-Za-z]+)+$")
DURATION_PART = re.compile(r"(\d+)([A-Za-z]+)")
LONGEST = datetime.timedelta(days=36500)
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


class DurationError(ValueError):
    """A text that is not a duration; the message names the option and what to write instead."""


def parse_duration(text: object, option: str) -> datetime.timedelta:
    """'90d', '12h', '2w', '1w3d', '2h30min' to a timedelta, zero included; DurationError otherwise."""
    text = str(text).strip()
    parts = [(int(number), unit) for number, unit in DURATION_PART.findall(text)] if DURATION_PARTS.match(text) else []
    if any(_calendar_unit(unit) for _number, unit in parts):
        raise DurationError(_calendar_problem(option, text, parts))
    if any(unit == "m" for _number, unit in parts):
        raise DurationError(_minutes_or_months(option, text, parts))
    units = [unit for unit, _seconds in UNITS]
    order = [units.index(unit) if unit in units else -1 for _number, unit in parts]
    if not parts or -1 in order:
        raise DurationError(
            f"{option} '{text}' is not a duration: write a number and a unit among w, d, h, min and s,"
            " such as 90d, 12h, 2w or 1w3d"
        )
    if order != sorted(set(order)):
        raise DurationError(
            f"{option} '{text}' is not a duration: write each unit once, largest first (w, d, h, min, s),"
            " such as 1w3d or 2h30min"
        )
    seconds = sum(number * dict(UNITS)[unit] for number, unit in parts)
    # Checked before making a timedelta, which overflows long before the 12 digits allowed.
    if seconds > LONGEST.total_seconds():
        raise DurationError(f"{option} '{text}' is more than 100 years")
    return datetime.timedelta(seconds=seconds)


def _calendar_unit(unit: str) -> str | None:
    """'month', 'year' or None. `M` is months, as in `6M`; `m` is refused apart, as minutes or months."""
    if unit == "M" or unit.lower() in ("mo", "mon", "mons", "month", "months"):
        return "month"
    if unit.lower() in ("y", "yr", "yrs", "year", "years"):
        return "year"
    return None


def _about(number: int, noun: str) -> str:
    """'three months', '18 months', 'one year'."""
    word = NUMBER_WORDS[number] if number < len(NUMBER_WORDS) else number
    plural = "" if number == 1 else "s"
    return f"{word} {noun}{plural}"


def _minutes_or_months(option: str, text: str, parts: list[tuple[int, str]]) -> str:
    if len(parts) == 1:
        number = parts[0][0]
        return (
            f"{option} {text}: minutes or months? write {number}min, or {number * 30}d for about"
            f" {_about(number, 'month')}"
        )
    minutes = "".join(f"{number}{'min' if unit == 'm' else unit}" for number, unit in parts)
    return (
        f"{option} {text}: minutes or months? write {minutes} for minutes; for months, write days (30d is about"
        " one month)"
    )


def _calendar_problem(option: str, text: str, parts: list[tuple[int, str]]) -> str:
    """Months and years have no fixed length: the hint gives about as many days, 30 a month and 365 a year."""
    counts = {kind: sum(number for number, unit in parts if _calendar_unit(unit) == kind) for kind in ("year", "month")}
    days = counts["year"] * 365 + counts["month"] * 30
    about = " and ".join(_about(counts[kind], kind) for kind in ("year", "month") if counts[kind])
    return f"{option} {text}: months and years have no fixed length; write days, such as {days}d for about {about}"
