# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The tag retention rules: which tags of an image to keep and which to delete. Pure, no I/O.

A tag is deleted only when every deletion rule makes it a candidate and no keep rule holds it:
keep always wins. A tag that something uses (keep_references) is held as one that keep_tags
names. keep_last counts over all the tags of the image, never over the candidates alone. A tag
whose digest a kept tag also carries is kept, since deleting it would delete the kept tag's
manifest too. Tag patterns are regular expressions that must match the whole name.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Container, Dict, Iterable, Tuple

from ansible_collections.scaleway.registry.plugins.module_utils._durations import DurationError, parse_duration
from ansible_collections.scaleway.registry.plugins.module_utils._references import BadReference, References

Tag = Dict[str, Any]  # a tag as the API lists it (typing.Dict: Python 3.8 evaluates this alias)
Decision = Tuple[Tag, str, str]  # (tag, KEEP or DELETE, reason)

KEEP = "keep"
DELETE = "delete"
# In the reason of each planned delete called off because a push changed the digest's tags after the listing.
SINCE_LISTING = "since the listing"
RACED = f"digest: another tag carries it {SINCE_LISTING}"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# A `*` that repeats a plain character, as in the glob `pr-*`: in a regex it would repeat the `-`.
# After `.`, `]`, `)` or an escape such as `\d`, it is what a regex means.
GLOB_STAR = re.compile(r"(?<![.\])\\])(?<!\\.)\*")


class RuleError(ValueError):
    """A rule that cannot be applied: a bad regex or duration."""


def glob_meant(pattern: str) -> str | None:
    """The regex that a pattern reading as a glob probably meant (`pr-*` gives `pr-.*`), or None."""
    return GLOB_STAR.sub(".*", pattern) if GLOB_STAR.search(pattern) else None


def compile_patterns(patterns: Iterable[str] | None, option: str, warnings: list[str]) -> list[re.Pattern[str]]:
    """The compiled patterns; a warning goes to `warnings` for each one that reads as a glob."""
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns or ():
        meant = glob_meant(pattern)
        hint = f"; did you mean '{meant}'?" if meant else ""
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise RuleError(f"{option}: '{pattern}' is not a valid regular expression: {exc}{hint}") from exc
        if meant:
            warnings.append(
                f"{option}: '{pattern}' looks like a glob, but tag patterns are regular expressions that must match"
                f" the whole tag name{hint}"
            )
    return compiled


def parse_time(value: str | None) -> datetime.datetime | None:
    """An RFC 3339 time of the API, or None."""
    if not value:
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$", value)
    if not match:
        return None
    moment = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    offset = match.group(3)
    zone = datetime.timezone.utc
    if offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        zone = datetime.timezone(sign * datetime.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    return moment.replace(microsecond=int(fraction), tzinfo=zone)


class Rules:
    """The rules of one cleanup, checked before anything is asked of the API."""

    def __init__(
        self,
        keep_last: int | None = None,
        keep_tags: Iterable[str] | None = None,
        delete_tags: Iterable[str] | None = None,
        older_than: str | None = None,
        now: datetime.datetime | None = None,
        keep_references: Iterable[str] | None = None,
    ) -> None:
        if keep_last is not None and keep_last < 0:
            raise RuleError(f"keep_last must be 0 or more, not {keep_last}")
        try:
            self.references = References(keep_references)
        except BadReference as exc:
            raise RuleError(str(exc)) from None
        self.keep_last = keep_last
        self.warnings: list[str] = []
        self.keep_tags = compile_patterns(keep_tags, "keep_tags", self.warnings)
        self.delete_tags = compile_patterns(delete_tags, "delete_tags", self.warnings) if delete_tags else None
        self.older_than = older_than
        self.cutoff: datetime.datetime | None = None
        if older_than:
            try:
                age = parse_duration(older_than, "older_than")
            except DurationError as exc:
                raise RuleError(str(exc)) from None
            if not age:
                raise RuleError(f"older_than '{older_than}' is zero: every tag would be old enough")
            self.cutoff = (now or datetime.datetime.now(datetime.timezone.utc)) - age

    def keep_reason(self, tag: Tag, newest: Container[str], repository: str | None = None) -> str | None:
        """Why a keep rule holds the tag of the image repository (host/namespace/image), or None."""
        reference = self.references.holding(repository, tag) if repository and self.references else None
        if reference:
            return f"in use: {reference}"
        for pattern in self.keep_tags:
            if pattern.fullmatch(tag["name"]):
                return f"keep_tags: matches {pattern.pattern}"
        if tag["id"] in newest:
            return f"keep_last: one of the {self.keep_last} newest"
        return None

    def not_candidate_reason(self, tag: Tag) -> str | None:
        """Why a deletion rule does not make the tag a candidate, or None when every one does."""
        if self.delete_tags is not None and not any(pattern.fullmatch(tag["name"]) for pattern in self.delete_tags):
            return "delete_tags: matches none"
        if self.cutoff is not None:
            created = parse_time(tag.get("created_at"))
            if created is None:
                return "older_than: creation date unknown"
            if created >= self.cutoff:
                return f"older_than: created less than {self.older_than} ago"
        return None

    def delete_reason(self) -> str:
        parts: list[str] = []
        if self.delete_tags is not None:
            parts.append("matches delete_tags")
        if self.cutoff is not None:
            parts.append(f"older than {self.older_than}")
        if self.keep_last is not None:
            parts.append(f"not among the {self.keep_last} newest")
        return ", ".join(parts) or "held by no keep rule"


def newest_first(tags: Iterable[Tag]) -> list[Tag]:
    """Newest first; a tag without a date counts as the newest, so that it is kept rather than lost."""

    def key(tag: Tag) -> tuple[bool, datetime.datetime, str]:
        created = parse_time(tag.get("created_at"))
        return (created is None, created or EPOCH, tag["name"])

    return sorted(tags, key=key, reverse=True)


def plan_image(tags: Iterable[Tag], rules: Rules, repository: str | None = None) -> list[Decision]:
    """[(tag, action, reason)] for every tag of one image (repository: host/namespace/image), newest first.

    Tags already being deleted are not planned: they are on their way out.
    """
    live = newest_first(tag for tag in tags if tag.get("status") != "deleting")
    newest = {tag["id"] for tag in live[: rules.keep_last]} if rules.keep_last is not None else set()
    decisions: list[list[Any]] = []
    for tag in live:
        reason = rules.keep_reason(tag, newest, repository) or rules.not_candidate_reason(tag)
        decisions.append([tag, KEEP if reason else DELETE, reason or rules.delete_reason()])
    kept = {tag["digest"]: tag["name"] for tag, action, _reason in reversed(decisions) if action == KEEP}
    for decision in decisions:
        tag, action = decision[0], decision[1]
        if action == DELETE and tag["digest"] in kept:
            decision[1:] = [KEEP, f"digest: {kept[tag['digest']]}, which is kept, carries the same digest"]
    return [tuple(decision) for decision in decisions]


def digest_groups(decisions: Iterable[Decision]) -> list[list[Tag]]:
    """The tags to delete grouped by digest: one delete per digest removes them all."""
    groups: dict[str, list[Tag]] = {}
    for tag, action, _reason in decisions:
        if action == DELETE:
            groups.setdefault(tag["digest"], []).append(tag)
    return list(groups.values())


def changed_since_listing(group: list[Tag], current: Iterable[Tag]) -> str | None:
    """Why deleting a digest group (with force) would now take more than the plan, or None.

    `current` is the image's tags listed again just before the delete. The delete names the
    group's first tag, and the API deletes the digest that tag carries then, with every tag of
    that digest: a tag pushed with the digest since the listing would go too, and a planned tag
    pushed again points at another manifest. Either way the plan is stale, so the group is kept.
    """
    digest, planned = group[0]["digest"], {tag["id"] for tag in group}
    changed = sorted(
        tag["name"]
        for tag in current
        if tag.get("status") != "deleting" and (tag["digest"] == digest) != (tag["id"] in planned)
    )
    if not changed:
        return None
    return f"digest: {SINCE_LISTING}, a push changed its tags ({', '.join(changed)})"


def called_off(item: dict[str, Any]) -> bool:
    """Whether a plan item is a delete that a push since the listing called off (and so kept)."""
    return item["action"] == KEEP and SINCE_LISTING in item["reason"]
