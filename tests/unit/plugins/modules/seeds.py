# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's starting states that the scenarios share, with fixed IDs so that request paths are exact,
and the requests that look the seeded objects up.

SECRET_KEY's organization is PROJECT_ID (its default project) and also owns SECOND_PROJECT_ID;
OTHER_SECRET_KEY's organization is OTHER_PROJECT_ID.

    fr-par  team-web    "Web team", private, PROJECT_ID
              app         inherit: v1 (DIGEST_1), v2 and latest (both DIGEST_2)
              tools/cli   public:  1.0 (DIGEST_3)
            team-data   "Data team", public, SECOND_PROJECT_ID
              etl         private: nightly (DIGEST_4)
    nl-ams  team-ams    "", private, PROJECT_ID
              app         inherit: v1 (DIGEST_1)
    fr-par  their-ns    another organization's (OTHER_PROJECT_ID)
              secret      private: v1 (DIGEST_5)
"""

from __future__ import annotations

from ansible_collections.scaleway.registry.tests.utils.with_emulator import (
    OTHER_PROJECT_ID,
    PROJECT_ID,
    SECOND_PROJECT_ID,
)

ORGANIZATION_ID = PROJECT_ID  # an organization's default project has the organization's id


def _id(kind, number):
    return f"{kind * 8}-0000-4000-8000-{number:012d}"


NS_WEB, NS_DATA, NS_AMS, NS_THEIRS = _id("a", 1), _id("a", 2), _id("a", 3), _id("a", 9)
IMG_APP, IMG_CLI, IMG_ETL, IMG_AMS_APP, IMG_SECRET = _id("b", 1), _id("b", 2), _id("b", 3), _id("b", 4), _id("b", 9)
TAG_V1, TAG_V2, TAG_LATEST, TAG_CLI, TAG_NIGHTLY, TAG_AMS_V1, TAG_SECRET = (
    _id("c", 1),
    _id("c", 2),
    _id("c", 3),
    _id("c", 4),
    _id("c", 5),
    _id("c", 6),
    _id("c", 9),
)
MISSING_ID = _id("d", 404)  # no object has it

DIGEST_1, DIGEST_2, DIGEST_3, DIGEST_4, DIGEST_5 = ("sha256:" + digit * 64 for digit in "12345")


def namespace(namespace_id, name, region="fr-par", project_id=PROJECT_ID, description="", is_public=False, **more):
    return dict(
        id=namespace_id,
        region=region,
        name=name,
        project_id=project_id,
        description=description,
        is_public=is_public,
        **more,
    )


def image(image_id, namespace_name, name, region="fr-par", visibility="inherit", tags=(), **more):
    return dict(
        id=image_id, region=region, namespace=namespace_name, name=name, visibility=visibility, tags=list(tags), **more
    )


def tag(tag_id, name, digest, day, size=1000, **more):
    """A tag pushed on that day of January 2026."""
    return dict(id=tag_id, name=name, digest=digest, created_at=f"2026-01-{day:02d}T00:00:00Z", size=size, **more)


def seed(*objects):
    """A seed document of namespaces and images (told apart by their `namespace` key), in this order."""
    return {
        "namespaces": [item for item in objects if "namespace" not in item],
        "images": [item for item in objects if "namespace" in item],
    }


WEB = namespace(NS_WEB, "team-web", description="Web team")
DATA = namespace(NS_DATA, "team-data", project_id=SECOND_PROJECT_ID, description="Data team", is_public=True)
AMS = namespace(NS_AMS, "team-ams", region="nl-ams")
THEIRS = namespace(NS_THEIRS, "their-ns", project_id=OTHER_PROJECT_ID)

V1 = tag(TAG_V1, "v1", DIGEST_1, 1)
V2 = tag(TAG_V2, "v2", DIGEST_2, 2)
LATEST = tag(TAG_LATEST, "latest", DIGEST_2, 3)
APP = image(IMG_APP, "team-web", "app", tags=[V1, V2, LATEST])
CLI = image(IMG_CLI, "team-web", "tools/cli", visibility="public", tags=[tag(TAG_CLI, "1.0", DIGEST_3, 4)])
ETL = image(IMG_ETL, "team-data", "etl", visibility="private", tags=[tag(TAG_NIGHTLY, "nightly", DIGEST_4, 5)])
AMS_APP = image(IMG_AMS_APP, "team-ams", "app", region="nl-ams", tags=[tag(TAG_AMS_V1, "v1", DIGEST_1, 6)])
SECRET = image(IMG_SECRET, "their-ns", "secret", visibility="private", tags=[tag(TAG_SECRET, "v1", DIGEST_5, 7)])

# Everything above: what most scenarios start from.
EVERYTHING = seed(WEB, DATA, AMS, THEIRS, APP, CLI, ETL, AMS_APP, SECRET)

# The requests that look team-web, and its image app, up by name, as harness.format_request() spells them;
# LOOK_UP_WEB is the first without its answer (for a scenario that has it refused).
LOOK_UP_WEB = "GET fr-par/namespaces?name=team-web"
FIND_WEB = LOOK_UP_WEB + " -> 200"
FIND_APP = f"GET fr-par/images?name=app&namespace_id={NS_WEB} -> 200"
# The same for a namespace, and an image of team-web, that no seed has.
FIND_GONE = "GET fr-par/namespaces?name=team-gone -> 200"
FIND_NOPE = f"GET fr-par/images?name=nope&namespace_id={NS_WEB} -> 200"
