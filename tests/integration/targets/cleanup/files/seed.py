"""Print the seed of the cleanup target's images, pushed relative to now, for one namespace.

team/app: 240 builds, one a day, whose digests go in pairs (build-000 and build-001 share one),
ten releases older than the builds, and latest on the newest build's digest. tools/cli: 20 old
tags. solo: one old tag.
"""

import datetime
import hashlib
import json
import sys


def main():
    namespace, region = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "fr-par"
    now = datetime.datetime.now(datetime.timezone.utc)

    def tag(name, days_ago, digest_of):
        return {
            "name": name,
            "size": 1000,
            "digest": "sha256:" + hashlib.sha256(f"{namespace}/{digest_of}".encode()).hexdigest(),
            "created_at": (now - datetime.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    app = [tag(f"build-{number:03d}", 240 - number, f"app/{number // 2}") for number in range(240)]
    app += [tag(f"v1.0.{number}", 300 + number, f"release/{number}") for number in range(10)]
    app.append(tag("latest", 0.5, "app/119"))
    cli = [tag(f"2025.{number:02d}", 100 + number, f"cli/{number}") for number in range(20)]
    images = [
        {"region": region, "namespace": namespace, "name": "team/app", "tags": app},
        {"region": region, "namespace": namespace, "name": "tools/cli", "tags": cli},
        {"region": region, "namespace": namespace, "name": "solo", "tags": [tag("old", 400, "solo")]},
    ]
    print(json.dumps({"images": images}))


if __name__ == "__main__":
    main()
