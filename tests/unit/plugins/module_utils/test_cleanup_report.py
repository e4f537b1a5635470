"""What cleanup says to a person: the prepared diff, the one-line outcome and the guard messages."""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._cleanup_report import (
    allow_empty_message,
    human_size,
    max_delete_message,
    outcome,
    prepared_diff,
)
from ansible_collections.scaleway.registry.plugins.module_utils._retention import DELETE, KEEP, Rules, plan_image

NOW = datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.timezone.utc)
SHARED, OTHER, THIRD = "sha256:" + "a" * 64, "sha256:" + "b" * 64, "sha256:" + "c" * 64


def tag(name, days_ago, digest):
    created = (NOW - datetime.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"id": f"id-{name}-{days_ago}", "name": name, "digest": digest, "status": "ready", "created_at": created}


def items_of(images, rules):
    """The plan items, as the module returns them: by image, then newest first."""
    return [
        dict(
            region="fr-par",
            namespace="team",
            image=image,
            tag=decided["name"],
            digest=decided["digest"],
            created_at=decided["created_at"],
            action=action,
            reason=reason,
        )
        for image, tags in images
        for decided, action, reason in plan_image(tags, rules)
    ]


def read_diff(prepared):
    """{image: [(sign, tag, rest of the line)]} from a prepared diff, in its order; kept counts are left out."""
    blocks = {}
    for block in prepared.split("\n\n"):
        header, *lines = block.split("\n")
        if header.startswith("keep every tag: "):
            continue
        image = re.match(r"^(\S+): delete \d+, keep \d+$", header).group(1)
        blocks[image] = [(line[0], line[2:].split()[0], line[2:]) for line in lines if not line.startswith("  kept: ")]
    return blocks


# Two images whose tags share digests, within each image and across them: `web` and `api` both carry
# SHARED, which web deletes while api keeps it. A diff keyed by digest, or by tag name, would mix them.
TWO_IMAGES = [
    (
        "web",
        [
            tag("latest", 1, THIRD),
            tag("v2", 2, THIRD),
            tag("old-1", 40, SHARED),
            tag("old-2", 41, SHARED),
            tag("old-3", 50, OTHER),
        ],
    ),
    ("api", [tag("latest", 1, SHARED), tag("old-1", 40, SHARED), tag("old-9", 60, OTHER), tag("old-2", 70, THIRD)]),
]


def test_every_deleted_tag_is_under_its_own_image_with_its_reason_and_no_kept_tag_is_deleted():
    items = items_of(TWO_IMAGES, Rules(keep_tags=["latest"], older_than="30d", now=NOW))
    # The plan itself: api keeps old-1, whose digest its latest carries; web deletes its own old-1.
    actions = {(item["image"], item["tag"]): item["action"] for item in items}
    assert actions == {
        ("web", "latest"): KEEP,
        ("web", "v2"): KEEP,
        ("web", "old-1"): DELETE,
        ("web", "old-2"): DELETE,
        ("web", "old-3"): DELETE,
        ("api", "latest"): KEEP,
        ("api", "old-1"): KEEP,
        ("api", "old-9"): DELETE,
        ("api", "old-2"): DELETE,
    }
    shown = read_diff(prepared_diff(items))
    assert sorted(shown) == ["fr-par/team/api", "fr-par/team/web"]
    for item in items:
        lines = {name: (sign, line) for sign, name, line in shown[item["region"] + "/team/" + item["image"]]}
        sign, line = lines[item["tag"]]
        if item["action"] == DELETE:
            assert sign == "-"
            assert line.endswith("  " + item["reason"])
            assert item["digest"][7:19] in line
        else:
            assert sign == " ", f"{item['tag']} of {item['image']} is kept, yet shown deleted"
            assert line.endswith(item["reason"])


def test_the_diff_lists_tags_newest_first_with_date_and_short_digest_and_no_json():
    items = items_of(TWO_IMAGES, Rules(keep_tags=["latest"], older_than="30d", now=NOW))
    prepared = prepared_diff(items)
    assert [name for _sign, name, _line in read_diff(prepared)["fr-par/team/web"]] == [
        "latest",
        "v2",
        "old-1",
        "old-2",
        "old-3",
    ]
    api = next(block for block in prepared.split("\n\n") if block.startswith("fr-par/team/api:"))
    assert api.split("\n")[:4] == [
        "fr-par/team/api: delete 2, keep 2",
        "  latest  2026-06-29 12:00  aaaaaaaaaaaa  keep_tags: matches latest",
        "  old-1   2026-05-21 12:00  aaaaaaaaaaaa  digest: latest, which is kept, carries the same digest",
        "- old-9   2026-05-01 12:00  bbbbbbbbbbbb  older than 30d",
    ]
    assert not set('{}"') & set(prepared)
    assert "'," not in prepared and '",' not in prepared


def test_an_image_that_keeps_many_tags_has_them_counted_by_rule():
    tags = [tag(f"build-{day:02d}", day, f"sha256:{day:064x}") for day in range(1, 31)]
    tags += [
        tag("latest", 1, f"sha256:{1:064x}"),
        tag("v1.0.0", 100, f"sha256:{100:064x}"),
        tag("rc-1", 101, f"sha256:{100:064x}"),
        tag("rc-2", 102, f"sha256:{1:064x}"),
    ]
    items = items_of(
        [("app", tags)], Rules(keep_tags=["latest", r"v\d+\.\d+\.\d+"], keep_last=10, older_than="20d", now=NOW)
    )
    lines = prepared_diff(items).split("\n")
    assert lines[0] == "fr-par/team/app: delete 10, keep 24"
    # In the order each rule first keeps a tag, newest first; the tags that hold a digest are not told apart.
    assert lines[1:6] == [
        "  kept: 1 tag by keep_tags: matches latest",
        "  kept: 9 tags by keep_last: one of the 10 newest",
        "  kept: 11 tags by older_than: created less than 20d ago",
        r"  kept: 1 tag by keep_tags: matches v\d+\.\d+\.\d+",
        "  kept: 2 tags by digest: a kept tag carries the same digest",
    ]
    assert [line.split()[1] for line in lines[6:]] == [f"build-{day:02d}" for day in range(21, 31)]
    assert all(line.startswith("- ") for line in lines[6:])


def test_images_that_keep_every_tag_close_the_diff_in_one_line():
    images = [("app", [tag("old", 90, OTHER)])] + [
        (f"keep-{number:02d}", [tag("v1", 1, SHARED)]) for number in range(12)
    ]
    prepared = prepared_diff(items_of(images, Rules(older_than="30d", now=NOW)))
    kept = ", ".join(f"fr-par/team/keep-{number:02d}" for number in range(10))
    assert prepared.rsplit("\n\n", maxsplit=1)[-1] == f"keep every tag: {kept} and 2 more images"


def test_the_outcome_says_would_in_check_mode_and_names_only_the_size_it_knows():
    items = items_of(
        [("app", [tag("new", 1, SHARED), tag("old", 90, OTHER)]), ("tryout", [tag("x", 95, THIRD)])],
        Rules(older_than="30d", now=NOW),
    )
    sizes = {"fr-par/team/app": 5 << 20, "fr-par/team/tryout": 1288490189}
    assert outcome(items, sizes, True) == "would delete 2 tags of 2 images, keep 1, and empty 1 image of 1.2 GiB"
    assert outcome(items, sizes, False) == "deleted 2 tags of 2 images, kept 1, and emptied 1 image of 1.2 GiB"
    # Without an image left empty, no size is given: the API gives none per tag.
    kept_tryout = [item for item in items if item["image"] == "app"] + [
        dict(items[-1], action=KEEP, reason="digest: another tag carries it since the listing")
    ]
    assert outcome(kept_tryout, sizes, False) == (
        "deleted 1 tag of 1 image, kept 2 (1 planned delete called off by a push since the listing)"
    )
    # The deletes that a push called off are named, also when none was left: the run had planned some.
    reason = "digest: since the listing, a push changed its tags (v9)"
    raced = [dict(item, action=KEEP, reason=reason) for item in items]
    assert outcome(raced, sizes, False) == (
        "nothing deleted, 3 tags of 2 images kept (3 planned deletes called off by a push since the listing)"
    )
    nothing = [dict(item, action=KEEP) for item in items]
    assert (
        outcome(nothing, sizes, True) == outcome(nothing, sizes, False) == "nothing to delete, 3 tags of 2 images kept"
    )


@pytest.mark.parametrize(
    "size, text",
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1288490189, "1.2 GiB"),
        (5 << 40, "5.0 TiB"),
        (5 << 50, "5120.0 TiB"),
    ],
)
def test_sizes_are_said_in_binary_units(size, text):
    assert human_size(size) == text


def big_plan(images, tags_each, name_length=8):
    return [
        dict(
            region="fr-par",
            namespace="n" * name_length,
            image="i" * name_length + f"-image-{image:03d}",
            tag=f"t{number:04d}" + "x" * name_length,
            digest=f"sha256:{number:064x}",
            created_at=None,
            action=DELETE,
            reason="older than 30d",
        )
        for image in range(images)
        for number in range(tags_each)
    ]


@pytest.mark.parametrize("name_length", [8, 200])
def test_the_max_delete_refusal_gives_the_counts_and_at_most_ten_examples_on_a_screen(name_length):
    items = big_plan(30, 100, name_length)
    message = max_delete_message(items, 100)
    assert message.startswith("the plan deletes 3000 tags of 30 images, more than max_delete 100; nothing was deleted.")
    assert message.endswith("Check the plan in the result, then raise max_delete or narrow the rules")
    assert len(re.findall(r"t\d{4}", message)) == 10
    # Long names are cut in the middle, so that the images stay told apart.
    assert len(re.findall(r"image-0\d\d", message)) == 10
    assert "and 20 more images" in message
    assert "\n" not in message
    # 80 columns by 24 lines.
    assert len(message) <= 80 * 24


def test_the_max_delete_examples_come_from_each_image_in_turn():
    message = max_delete_message(big_plan(3, 100), 5)
    assert (
        "It would delete fr-par/nnnnnnnn/iiiiiiii-image-000: t0000xxxxxxxx, t0001xxxxxxxx, t0002xxxxxxxx, "
        "t0003xxxxxxxx and 96 more; fr-par/nnnnnnnn/iiiiiiii-image-001: t0000xxxxxxxx, t0001xxxxxxxx, "
        "t0002xxxxxxxx and 97 more; fr-par/nnnnnnnn/iiiiiiii-image-002: t0000xxxxxxxx, t0001xxxxxxxx, "
        "t0002xxxxxxxx and 97 more."
    ) in message


@pytest.mark.parametrize("name_length", [8, 200])
def test_the_allow_empty_refusal_names_at_most_ten_images_on_a_screen(name_length):
    message = allow_empty_message(big_plan(40, 3, name_length))
    assert message.startswith("the plan deletes every tag of 40 images: fr-par/")
    assert message.count(" (3 tags)") == 10
    assert message.endswith(
        " and 30 more images; keep some (keep_last: 1) or set allow_empty: true; nothing was deleted"
    )
    assert len(message) <= 80 * 24
