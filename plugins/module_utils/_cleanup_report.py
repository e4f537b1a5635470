# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""What the cleanup module says to a person: the one-line outcome, the prepared diff, the guard messages.

Pure, no I/O. Everything here reads the plan items that the module returns (dicts with region, namespace,
image, tag, digest, created_at, action and reason), in the plan's order: by image, then newest first.
"""

from __future__ import annotations

import datetime
import itertools
import re

from ansible_collections.scaleway.registry.plugins.module_utils._retention import DELETE, called_off, parse_time

# An image with more kept tags than this gets its kept tags counted by rule in the diff, not listed.
LISTED_KEPT = 10
# At most this many examples in a guard message, so that it fits on a screen.
EXAMPLES = 10
# Longer names are cut in the guard messages (never in the diff or the plan).
NAME_LENGTH = 60
# Tag names are padded to the longest of the image, up to this; longer ones push their line out.
TAG_COLUMN = 40
KEPT_DIGEST = re.compile(r"^digest: .*, which is kept, carries the same digest$")


def image_key(item: dict) -> str:
    return f"{item['region']}/{item['namespace']}/{item['image']}"


def by_image(items: list[dict]) -> list[tuple[str, list[dict]]]:
    """The items grouped by image, in the order the images first appear."""
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(image_key(item), []).append(item)
    return list(groups.items())


def counted(count: int, noun: str) -> str:
    """'1 tag', '2 tags'."""
    plural = "" if count == 1 else "s"
    return f"{count} {noun}{plural}"


def human_size(size: int) -> str:
    """'512 B', '2.0 KiB', '1.2 GiB'."""
    value, unit = float(size), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    # int(): what %d printed, should a size come as a float
    return f"{int(size)} B" if unit == "B" else f"{value:.1f} {unit}"


def shortened(text: str, length: int = NAME_LENGTH) -> str:
    """The text, cut in the middle when longer than length: names of one plan often differ only at their end."""
    if len(text) <= length:
        return text
    head = (length - 3) // 2
    return text[:head] + "..." + text[head + 3 - length :]


def emptied(items: list[dict]) -> list[tuple[str, int]]:
    """(image, its number of tags) for each image that loses every tag."""
    return [(key, len(tags)) for key, tags in by_image(items) if all(tag["action"] == DELETE for tag in tags)]


def outcome(items: list[dict], sizes: dict[str, int], check_mode: bool) -> str:
    """The result's msg: what the run did, or would do, in one line.

    The API gives no size per tag, so the only size that can honestly be stated is that of the images
    left without tags (the module's freed_bytes).
    """
    deleted = [item for item in items if item["action"] == DELETE]
    kept = len(items) - len(deleted)
    races = sum(1 for item in items if called_off(item))
    # A run whose only deletes were called off planned some: "nothing to delete" would say it had none.
    raced = f" ({counted(races, 'planned delete')} called off by a push since the listing)" if races else ""
    if not deleted:
        nothing = "nothing deleted" if races else "nothing to delete"
        return f"{nothing}, {counted(kept, 'tag')} of {counted(len(by_image(items)), 'image')} kept{raced}"
    did, keeps = ("would delete", "keep") if check_mode else ("deleted", "kept")
    message = f"{did} {counted(len(deleted), 'tag')} of {counted(len(by_image(deleted)), 'image')}, {keeps} {kept}"
    empty = emptied(items)
    if empty:
        emptied_size = human_size(sum(sizes.get(key, 0) for key, _count in empty))
        message += f", and {'empty' if check_mode else 'emptied'} {counted(len(empty), 'image')} of {emptied_size}"
    return message + raced


def _date(item: dict) -> str:
    created = parse_time(item.get("created_at"))
    return created.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M") if created else "no date".ljust(16)


def _short(digest: str) -> str:
    """The first 12 hexadecimal digits, as docker shows image IDs."""
    return (digest or "").partition(":")[2][:12] or (digest or "")[:12]


def _rule(reason: str) -> str:
    """A kept tag's reason, with the one part that differs from tag to tag (the tag that holds its digest) left out."""
    return "digest: a kept tag carries the same digest" if KEPT_DIGEST.match(reason) else reason


def prepared_diff(items: list[dict]) -> str:
    """The diff Ansible prints as is with --diff: one block per image that loses tags, headed by the image.

    Tags come newest first, as in the plan. A deleted tag is on a `-` line with its date (UTC), short
    digest and reason; a kept tag on a line that starts with two spaces, with the rule that keeps it.
    An image that keeps many tags gets them counted by rule instead. The images that keep every tag
    close the diff, in one line.
    """
    blocks: list[str] = []
    unchanged: list[str] = []
    for key, tags in by_image(items):
        deleted = [tag for tag in tags if tag["action"] == DELETE]
        if not deleted:
            unchanged.append(key)
            continue
        kept = [tag for tag in tags if tag["action"] != DELETE]
        lines = [f"{key}: delete {len(deleted)}, keep {len(kept)}"]
        listed = tags
        if len(kept) > LISTED_KEPT:
            listed = deleted
            rules: dict[str, int] = {}
            for tag in kept:
                rules[_rule(tag["reason"])] = rules.get(_rule(tag["reason"]), 0) + 1
            lines += [f"  kept: {counted(count, 'tag')} by {rule}" for rule, count in rules.items()]
        width = min(max(len(tag["tag"]) for tag in listed), TAG_COLUMN)
        lines += [
            f"{'-' if tag['action'] == DELETE else ' '} {tag['tag'].ljust(width)}  {_date(tag)}"
            f"  {_short(tag['digest']):<12}  {tag['reason']}"
            for tag in listed
        ]
        blocks.append("\n".join(lines))
    if unchanged:
        more = len(unchanged) - EXAMPLES
        others = f" and {counted(more, 'more image')}" if more > 0 else ""
        blocks.append(f"keep every tag: {', '.join(unchanged[:EXAMPLES])}{others}")
    return "\n\n".join(blocks)


def _examples(items: list[dict]) -> str:
    """At most EXAMPLES tags to delete, shown by image with the count of the others.

    They are taken from each image in turn, so that a large image does not hide the others.
    """
    images = by_image(items)
    shown: list[list[str]] = [[] for _image in images]
    order = (
        (depth, index) for depth in range(EXAMPLES) for index, (_key, tags) in enumerate(images) if depth < len(tags)
    )
    for depth, index in itertools.islice(order, EXAMPLES):
        shown[index].append(shortened(images[index][1][depth]["tag"]))
    parts = [
        f"{shortened(key)}: {', '.join(names)}"
        + (f" and {len(tags) - len(names)} more" if len(tags) > len(names) else "")
        for (key, tags), names in zip(images, shown)
        if names
    ]
    hidden = len(images) - len(parts)
    return "; ".join(parts) + (f"; and {counted(hidden, 'more image')}" if hidden else "")


def max_delete_message(items: list[dict], limit: int) -> str:
    """The refusal of a plan that deletes more than max_delete: the counts and at most ten of the tags."""
    deleted = [item for item in items if item["action"] == DELETE]
    return (
        f"the plan deletes {counted(len(deleted), 'tag')} of {counted(len(by_image(deleted)), 'image')}, more than"
        f" max_delete {limit}; nothing was deleted. It would delete {_examples(deleted)}. Check the plan in the"
        " result, then raise max_delete or narrow the rules"
    )


def allow_empty_message(items: list[dict]) -> str:
    """The refusal of a plan that leaves images without tags: their count and at most ten of them."""
    empty = emptied(items)
    named = ", ".join(f"{shortened(key)} ({counted(count, 'tag')})" for key, count in empty[:EXAMPLES])
    more = f" and {counted(len(empty) - EXAMPLES, 'more image')}" if len(empty) > EXAMPLES else ""
    return (
        f"the plan deletes every tag of {counted(len(empty), 'image')}: {named}{more}; keep some (keep_last: 1) or"
        " set allow_empty: true; nothing was deleted"
    )
