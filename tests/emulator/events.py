"""Registry notifications (--registry): pushes become images and tags, registry-side deletes remove tags.

Each registry posts its events, one per request and in order, to
/_registry/events/<region>. Only manifest pushes and deletes arrive (the registries
are configured to leave out blob events and pulls). The registry sends an event
again, with the same id, when the answer is slow or not 2xx: events are applied
once per id, and answered at once.
"""

import collections
import json
import sys
import threading
import time
import traceback

from .model import parse_timestamp_us, us_from_ns
from .tokens import EMULATOR_SUBJECT

BLOB_MEDIA_TYPE = "application/octet-stream"
SEEN_IDS_KEPT = 100_000


class EventSink:
    def __init__(self, store):
        self.store = store
        self._seen = collections.OrderedDict()
        self._lock = threading.Lock()

    def handle(self, region, body):
        """Returns (status, JSON body). Bad events are reported on stderr, never refused:
        a refused event would be sent again forever and hold up the ones behind it."""
        try:
            envelope = json.loads(body or b"{}")
            events = envelope.get("events") or []
        except (ValueError, AttributeError):
            return 400, {"message": "expected a JSON object with events"}
        for event in events:
            if not isinstance(event, dict) or not self._first_time(event.get("id")):
                continue
            try:
                self._apply(region, event)
            except Exception:
                print(f"emulator: registry {region}: cannot apply event {event.get('id')!r}:", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
        return 200, {}

    def _first_time(self, event_id):
        if event_id is None:
            return True
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = True
            while len(self._seen) > SEEN_IDS_KEPT:
                self._seen.popitem(last=False)
            return True

    def _apply(self, region, event):
        target = event.get("target") or {}
        repository = target.get("repository")
        if not repository:
            return
        action = event.get("action")
        if (
            action == "push"
            and target.get("tag")
            and target.get("digest")
            and target.get("mediaType") != BLOB_MEDIA_TYPE
        ):
            # The manifest and what it references (config and layers, or an index's manifests).
            size = int(target.get("size") or target.get("length") or 0)
            size += sum(int(ref.get("size") or 0) for ref in target.get("references") or [])
            self.store.apply_push(
                region, repository, target["tag"], target["digest"], size, _timestamp_us(event.get("timestamp"))
            )
        elif action == "delete":
            if (event.get("actor") or {}).get("name") == EMULATOR_SUBJECT:
                return  # the emulator's own delete: the API state already says it
            self.store.apply_registry_delete(region, repository, target.get("digest"), target.get("tag"))


def _timestamp_us(value):
    try:
        return parse_timestamp_us(value)
    except ValueError:
        return us_from_ns(time.time_ns())
