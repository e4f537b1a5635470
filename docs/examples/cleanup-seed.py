"""The registry of the worked examples of docs/cleanup.md, as a seed for the emulator.

Ages are in days before now, so that the examples give the plans the page shows on any day.
`--now` anchors them to another moment instead: `--now 2026-06-30T12:00:00Z` gives the page's dates.

    python docs/examples/cleanup-seed.py > cleanup-seed.json           # then start an emulator with it:
    python -m tests.emulator --seed cleanup-seed.json
    python docs/examples/cleanup-seed.py --load http://127.0.0.1:8080   # into an emulator that runs

The namespaces belong to the emulator's default project; `--project-id` names another.
"""

import argparse
import datetime
import hashlib
import json
import sys
import urllib.request

DEFAULT_PROJECT_ID = "22222222-2222-4222-8222-222222222222"
MIB = 1024 * 1024

# (namespace, image, [(tag, days ago, digest, size in MiB)]). Tags with the same digest letter share a digest,
# as the page's digest column shows.
IMAGES = [
    (
        "team-web",
        "app",
        [
            ("latest", 1, "A", 48),
            ("build-130", 2, "A", 48),
            ("build-129", 10, "B", 47),
            ("build-128", 20, "D", 47),
            ("v1.2.0", 46, "C", 45),
            ("build-120", 47, "C", 45),
            ("build-110", 90, "E", 44),
            ("build-100", 121, "F", 43),
        ],
    ),
    (
        "team-web",
        "web/frontend",
        [
            ("main", 3, "M", 12),
            ("pr-14", 4, "N", 12),
            ("pr-13", 8, "O", 12),
            ("pr-12", 15, "P", 11),
            ("pr-11", 200, "Q", 10),
        ],
    ),
    ("sandbox", "tryout", [("try-2", 95, "T", 12), ("try-1", 100, "U", 8)]),
]


def seed(now, project_id, region="fr-par"):
    """The seed document: the namespaces, then the images with their tags."""
    namespaces = sorted({namespace for namespace, _image, _tags in IMAGES})
    return {
        "namespaces": [{"region": region, "name": name, "project_id": project_id} for name in namespaces],
        "images": [
            {
                "region": region,
                "namespace": namespace,
                "name": image,
                "tags": [
                    {
                        "name": tag,
                        "size": size * MIB,
                        "digest": "sha256:"
                        + hashlib.sha256((f"cleanup-examples/{image}/{digest}").encode()).hexdigest(),
                        "created_at": (now - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    }
                    for tag, days, digest, size in tags
                ],
            }
            for namespace, image, tags in IMAGES
        ],
    }


def moment(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--now",
        type=moment,
        default=datetime.datetime.now(datetime.timezone.utc),
        help="the moment the ages count from, such as 2026-06-30T12:00:00Z (default: now)",
    )
    parser.add_argument("--project-id", default=DEFAULT_PROJECT_ID, help="the project of the namespaces")
    parser.add_argument("--load", metavar="URL", help="post the seed to the emulator at URL instead of printing it")
    options = parser.parse_args()
    document = json.dumps(seed(options.now, options.project_id))
    if not options.load:
        print(document)
        return 0
    request = urllib.request.Request(
        options.load.rstrip("/") + "/_emulator/seed",
        data=document.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        answer.read()
    print("seeded {}: {}".format(options.load, ", ".join(f"{namespace}/{image}" for namespace, image, _t in IMAGES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
