"""The emulated registry's state (SQLite) and the rules of the Registry API.

Every public method is one transaction under one lock: SQLite is used through a
single connection, and reads change state too (they count down `deleting`).
Objects are rendered as dicts in the server's proto field order.
"""

import contextlib
import sqlite3
import threading
import time
import uuid

from .iamstore import IAM_SCHEMA, IAM_TABLES, IamStore
from .model import (
    NAMESPACE_ALREADY_EXIST,
    ApiError,
    SeedError,
    format_ns,
    format_us,
    not_found,
    permission_denied,
    resource_locked,
    transient_state,
    us_from_ns,
    valid_namespace_name,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS namespaces (
    id TEXT PRIMARY KEY, region TEXT NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL, organization_id TEXT NOT NULL, project_id TEXT NOT NULL,
    status TEXT NOT NULL, status_message TEXT NOT NULL, is_public INTEGER NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, reads_left INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS namespaces_name ON namespaces (region, name);
CREATE TABLE IF NOT EXISTS images (
    id TEXT PRIMARY KEY,
    namespace_id TEXT NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    name TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT NOT NULL,
    visibility TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    reads_left INTEGER,
    region TEXT NOT NULL);  -- its namespace's, kept here so that a region's listing walks an index of its own
CREATE UNIQUE INDEX IF NOT EXISTS images_name ON images (namespace_id, name);
CREATE INDEX IF NOT EXISTS images_created ON images (region, created_at, id, namespace_id, name);
CREATE INDEX IF NOT EXISTS images_by_name ON images (region, name, id, namespace_id);
CREATE INDEX IF NOT EXISTS images_status ON images (status);
CREATE INDEX IF NOT EXISTS namespaces_status ON namespaces (status);
CREATE TABLE IF NOT EXISTS tags (
    id TEXT PRIMARY KEY,
    image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    name TEXT NOT NULL, status TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS tags_name ON tags (image_id, name);
"""

# Scoping joins: an image or a tag belongs to the region and organization of its namespace.
IMAGE_SELECT = (
    "SELECT i.*, n.region, n.organization_id, n.project_id, n.name AS namespace_name FROM images i"
    " JOIN namespaces n ON n.id = i.namespace_id"
)
TAG_SELECT = (
    "SELECT t.*, n.region, n.organization_id, n.project_id, n.name AS namespace_name, i.name AS image_name"
    " FROM tags t"
    " JOIN images i ON i.id = t.image_id JOIN namespaces n ON n.id = i.namespace_id"
)


SORT_FIELDS = {"created_at": "created_at", "name": "name", "description": "description"}


class Store(IamStore):
    def __init__(self, path=None, deleting_polls=3):
        self.deleting_polls = deleting_polls
        # Seconds added to the clock (PATCH /_emulator/config): the times of what is made, and key expiry.
        self.clock_offset = 0
        # How many of the next tag deletes first see a push of their digest under another tag, as if it came
        # between the client's listing and its delete (PATCH /_emulator/config).
        self.pushes_before_tag_delete = 0
        # With --registry: region -> "HOST:PORT" of its registry, shown in namespace endpoints.
        self.registry_hosts = {}
        self._lock = threading.Lock()
        self._last_ns = 0
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(SCHEMA + IAM_SCHEMA)
        # What the API did, for a chaos run to compare with a run without faults: closed chapters
        # (one per reset) and the events of the open one.
        self._chapters = []
        self._events = []

    def close(self):
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except ApiError:
                # An API error is an answer: what led to it stays (a read that finds a
                # namespace due to go removes it, then answers 404).
                self._db.execute("COMMIT")
                raise
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _now_ns(self):
        # Strictly increasing by at least 1 us, so that stored created_at values never tie.
        self._last_ns = max(time.time_ns() + int(self.clock_offset * 1e9), self._last_ns + 1000)
        return self._last_ns

    def now_us(self):
        """The emulator's time (with its clock offset), as stored: what expiry compares with."""
        return us_from_ns(time.time_ns() + int(self.clock_offset * 1e9))

    def set_clock_offset(self, seconds):
        with self._lock:
            if seconds < self.clock_offset:
                self._last_ns = 0  # the clock goes back: what is made from now on is dated by it
            self.clock_offset = seconds

    def is_empty(self):
        with self._transaction() as db:
            tables = ("namespaces", "iam_applications", "iam_policies", "iam_api_keys")
            return not any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in tables)

    def dump(self):
        """Every namespace, image, tag and IAM object, as rows: what a test compares to prove that nothing changed."""
        with self._transaction() as db:
            return {
                table: [dict(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1")]
                for table in ("namespaces", "images", "tags", *IAM_TABLES)
            }

    def reset(self, chapter=None):
        """Forgets everything; the journal closes its open chapter (named `chapter`) with the end state."""
        with self._transaction() as db:
            self._chapters.append({"chapter": chapter, "events": self._events, "end_state": self._end_state(db)})
            self._events = []
            db.execute("DELETE FROM namespaces")
            for table in IAM_TABLES:
                db.execute(f"DELETE FROM {table}")

    def journal(self):
        """The closed chapters, then the open one: their events and, closed, their end state."""
        with self._transaction() as db:
            open_chapter = {"chapter": None, "events": list(self._events), "end_state": self._end_state(db)}
            return {"chapters": [*self._chapters, open_chapter]}

    @staticmethod
    def _end_state(db):
        # By name, without ids and times, which differ from run to run; what is being deleted counts as gone.
        return {
            "namespaces": [
                list(r)
                for r in db.execute(
                    "SELECT region, name, project_id, description, is_public FROM namespaces"
                    " WHERE status != 'deleting' ORDER BY region, name"
                )
            ],
            "images": [
                list(r)
                for r in db.execute(
                    "SELECT n.region, n.name || '/' || i.name, i.visibility FROM images i"
                    " JOIN namespaces n ON n.id = i.namespace_id WHERE n.status != 'deleting'"
                    " AND i.status != 'deleting' ORDER BY 1, 2"
                )
            ],
            "tags": [
                list(r)
                for r in db.execute(
                    "SELECT n.region, n.name || '/' || i.name || ':' || t.name, t.digest FROM tags t"
                    " JOIN images i ON i.id = t.image_id JOIN namespaces n ON n.id = i.namespace_id"
                    " WHERE n.status != 'deleting' AND i.status != 'deleting' AND t.status != 'deleting'"
                    " ORDER BY 1, 2"
                )
            ],
        }

    def _journal_tag_deletions(self, db, where, params):
        self._events.extend(
            {"event": "tag deleted", "region": r[0], "tag": r[1], "digest": r[2]}
            for r in db.execute(
                "SELECT n.region, n.name || '/' || i.name || ':' || t.name, t.digest FROM tags t"
                " JOIN images i ON i.id = t.image_id JOIN namespaces n ON n.id = i.namespace_id WHERE "
                + where
                + " ORDER BY 2",
                params,
            )
        )

    # ---- rendering -------------------------------------------------------

    def _registry_host(self, region):
        return self.registry_hosts.get(region) or f"rg.{region}.scw.cloud"

    def _image_size(self, image_id):
        # Tags sharing a digest share their layers: count each digest once.
        row = self._db.execute(
            "SELECT COALESCE(SUM(s), 0) FROM (SELECT MAX(size) AS s FROM tags WHERE image_id = ? GROUP BY digest)",
            (image_id,),
        ).fetchone()
        return row[0]

    def _namespace_json(self, row, fresh=None):
        fresh = fresh or {}
        image_count = self._db.execute("SELECT COUNT(*) FROM images WHERE namespace_id = ?", (row["id"],)).fetchone()[0]
        # Each image counts each of its digests once, as _image_size does.
        size = self._db.execute(
            "SELECT COALESCE(SUM(s), 0) FROM (SELECT MAX(t.size) AS s FROM tags t JOIN images i ON i.id = t.image_id"
            " WHERE i.namespace_id = ? GROUP BY t.image_id, t.digest)",
            (row["id"],),
        ).fetchone()[0]
        return {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "organization_id": row["organization_id"],
            "project_id": row["project_id"],
            "status": row["status"],
            "status_message": row["status_message"],
            "endpoint": f"{self._registry_host(row['region'])}/{row['name']}",
            "is_public": bool(row["is_public"]),
            "size": size,
            "created_at": fresh.get("created_at") or format_us(row["created_at"]),
            "updated_at": fresh.get("updated_at") or format_us(row["updated_at"]),
            "image_count": image_count,
            "region": row["region"],
        }

    def _images_json(self, rows):
        """Several images, with two queries for all their tags and sizes, not two per image."""
        ids = [row["id"] for row in rows]
        marks = ",".join("?" * len(ids))
        names, sizes = {}, {}
        for image_id, name in self._db.execute(
            f"SELECT image_id, name FROM tags WHERE image_id IN ({marks}) ORDER BY name", ids
        ):
            names.setdefault(image_id, []).append(name)
        for image_id, size in self._db.execute(
            f"SELECT image_id, SUM(s) FROM (SELECT image_id, MAX(size) AS s FROM tags WHERE image_id IN ({marks})"
            f" GROUP BY image_id, digest) GROUP BY image_id",
            ids,
        ):
            sizes[image_id] = size
        return [self._image_json(row, tags=names.get(row["id"], []), size=sizes.get(row["id"], 0)) for row in rows]

    def _image_json(self, row, fresh=None, tags=None, size=None):
        fresh = fresh or {}
        if tags is None:
            tags = [
                r[0] for r in self._db.execute("SELECT name FROM tags WHERE image_id = ? ORDER BY name", (row["id"],))
            ]
        return {
            "id": row["id"],
            "name": row["name"],
            "namespace_id": row["namespace_id"],
            "status": row["status"],
            "status_message": row["status_message"],
            "visibility": row["visibility"],
            "size": self._image_size(row["id"]) if size is None else size,
            "created_at": format_us(row["created_at"]),
            "updated_at": fresh.get("updated_at") or format_us(row["updated_at"]),
            "tags": tags,
        }

    @staticmethod
    def _tag_json(row, fresh=None):
        fresh = fresh or {}
        return {
            "id": row["id"],
            "name": row["name"],
            "image_id": row["image_id"],
            "status": row["status"],
            "digest": row["digest"],
            "created_at": format_us(row["created_at"]),
            "updated_at": fresh.get("updated_at") or format_us(row["updated_at"]),
        }

    # ---- deleting: a non-empty namespace or image goes after N reads ------

    @staticmethod
    def _is_due(row):
        return row["status"] == "deleting" and row["reads_left"] is not None and row["reads_left"] <= 0

    def _count_read(self, table, row):
        if row["status"] == "deleting" and row["reads_left"] is not None:
            self._db.execute(f"UPDATE {table} SET reads_left = reads_left - 1 WHERE id = ?", (row["id"],))

    def _drop_due(self, table):
        """Deleted objects whose reads are used up go, so that neither a count nor a page shows them."""
        self._db.execute(
            f"DELETE FROM {table} WHERE status = 'deleting' AND reads_left IS NOT NULL AND reads_left <= 0"
        )

    @staticmethod
    def _order(order_by, alias=""):
        """ORDER BY of an order_by value; ties are broken by id, reversed with the order, as a sort on (field, id)."""
        field, _dummy, direction = order_by.rpartition("_")
        order = "DESC" if direction == "desc" else "ASC"
        return f" ORDER BY {alias}{SORT_FIELDS[field]} {order}, {alias}id {order}"

    def _page(self, select, where, params, order_by, page, page_size):
        """(the rows of one page, the count of every match), sorted and paged by SQLite."""
        condition = " WHERE " + " AND ".join(where)
        total = self._db.execute(f"SELECT COUNT(*) FROM ({select}{condition})", params).fetchone()[0]
        rows = self._db.execute(
            f"{select}{condition}{self._order(order_by)} LIMIT ? OFFSET ?", [*params, page_size, (page - 1) * page_size]
        ).fetchall()
        return rows, total

    # ---- lookups by id (404 when absent or gone, 403 for another organization)

    def _fetch(self, query, params, kind, org, action):
        row = self._db.execute(query, params).fetchone()
        if row is None:
            raise not_found(kind.capitalize())
        if row["organization_id"] != org:
            raise permission_denied(kind, action)
        table = {"namespace": "namespaces", "image": "images"}.get(kind)
        if table and self._is_due(row):
            self._db.execute(f"DELETE FROM {table} WHERE id = ?", (row["id"],))
            raise not_found(kind.capitalize())
        return row

    def _namespace(self, org, region, namespace_id, action):
        return self._fetch(
            "SELECT * FROM namespaces WHERE id = ? AND region = ?", (namespace_id, region), "namespace", org, action
        )

    def _image(self, org, region, image_id, action):
        return self._fetch(IMAGE_SELECT + " WHERE i.id = ? AND n.region = ?", (image_id, region), "image", org, action)

    def _tag(self, org, region, tag_id, action):
        return self._fetch(TAG_SELECT + " WHERE t.id = ? AND n.region = ?", (tag_id, region), "tag", org, action)

    def owner_of(self, kind, region, resource_id):
        """(organization id, project id) of a namespace, image or tag, or None: a look that counts no read."""
        query = {
            "namespace": "SELECT organization_id, project_id FROM namespaces n WHERE n.id = ? AND n.region = ?",
            "image": IMAGE_SELECT + " WHERE i.id = ? AND n.region = ?",
            "tag": TAG_SELECT + " WHERE t.id = ? AND n.region = ?",
        }[kind]
        with self._transaction() as db:
            row = db.execute(query, (resource_id, region)).fetchone()
            return (row["organization_id"], row["project_id"]) if row else None

    @staticmethod
    def _check_changeable(kind, row):
        if row["status"] == "locked":
            raise resource_locked(kind, row["id"])
        if row["status"] == "deleting":
            raise transient_state(kind, row["id"], "deleting")

    # ---- namespaces --------------------------------------------------------

    def list_namespaces(self, org, region, filters, order_by, page, page_size):
        where, params = ["region = ?", "organization_id = ?"], [region, org]
        for field in ("name", "project_id", "organization_id"):
            if filters.get(field):
                where.append(f"{field} = ?")
                params.append(filters[field])
        if "project_ids" in filters:  # the projects that an application's key may read
            where.append("project_id IN ({})".format(",".join("?" * len(filters["project_ids"]))))
            params.extend(filters["project_ids"])
        with self._transaction():
            self._drop_due("namespaces")
            shown, total = self._page("SELECT * FROM namespaces", where, params, order_by, page, page_size)
            for row in shown:
                self._count_read("namespaces", row)
            return {"namespaces": [self._namespace_json(r) for r in shown], "total_count": total}

    def create_namespace(self, region, name, description, organization_id, project_id, is_public, namespace_id):
        with self._transaction() as db:
            taken = db.execute("SELECT 1 FROM namespaces WHERE region = ? AND name = ?", (region, name)).fetchone()
            if taken or not valid_namespace_name(name):
                raise NAMESPACE_ALREADY_EXIST
            ns = self._now_ns()
            db.execute(
                "INSERT INTO namespaces VALUES (?, ?, ?, ?, ?, ?, 'ready', '', ?, ?, ?, NULL)",
                (
                    namespace_id,
                    region,
                    name,
                    description,
                    organization_id,
                    project_id,
                    int(is_public),
                    us_from_ns(ns),
                    us_from_ns(ns),
                ),
            )
            row = db.execute("SELECT * FROM namespaces WHERE id = ?", (namespace_id,)).fetchone()
            self._events.append(
                {"event": "namespace created", "region": region, "name": name, "project_id": project_id}
            )
            return self._namespace_json(row, {"created_at": format_ns(ns), "updated_at": format_ns(ns)})

    def get_namespace(self, org, region, namespace_id):
        with self._transaction():
            row = self._namespace(org, region, namespace_id, "read")
            self._count_read("namespaces", row)
            return self._namespace_json(row)

    def update_namespace(self, org, region, namespace_id, changes):
        with self._transaction() as db:
            row = self._namespace(org, region, namespace_id, "write")
            self._check_changeable("namespace", row)
            ns = self._now_ns()
            values = {**dict(row), **changes, "updated_at": us_from_ns(ns)}
            db.execute(
                "UPDATE namespaces SET description = ?, is_public = ?, updated_at = ? WHERE id = ?",
                (values["description"], int(values["is_public"]), values["updated_at"], row["id"]),
            )
            return self._namespace_json(values, {"updated_at": format_ns(ns)})

    def delete_namespace(self, org, region, namespace_id, removed=None):
        """`removed`, a list, gets the (repository, digest) of every manifest the delete takes away."""
        with self._transaction() as db:
            row = self._namespace(org, region, namespace_id, "delete")
            if row["status"] == "locked":
                raise resource_locked("namespace", row["id"])
            if row["status"] == "deleting":
                return self._namespace_json(row)
            if removed is not None:
                removed.extend(
                    (f"{row['name']}/{r['name']}", r["digest"])
                    for r in db.execute(
                        "SELECT DISTINCT i.name, t.digest FROM tags t JOIN images i ON i.id = t.image_id"
                        " WHERE i.namespace_id = ? ORDER BY i.name, t.digest",
                        (row["id"],),
                    )
                )
            self._events.append({"event": "namespace deleted", "region": row["region"], "name": row["name"]})
            self._journal_tag_deletions(db, "n.id = ?", (row["id"],))
            ns = self._now_ns()
            values = {**dict(row), "status": "deleting", "updated_at": us_from_ns(ns)}
            body = self._namespace_json(values, {"updated_at": format_ns(ns)})
            has_images = db.execute("SELECT 1 FROM images WHERE namespace_id = ?", (row["id"],)).fetchone()
            if not has_images or self.deleting_polls <= 0:
                db.execute("DELETE FROM namespaces WHERE id = ?", (row["id"],))
            else:
                db.execute(
                    "UPDATE namespaces SET status = 'deleting', updated_at = ?, reads_left = ? WHERE id = ?",
                    (values["updated_at"], self.deleting_polls, row["id"]),
                )
                db.execute("UPDATE images SET status = 'deleting' WHERE namespace_id = ?", (row["id"],))
            return body

    # ---- images ------------------------------------------------------------

    def list_images(self, org, region, filters, order_by, page, page_size):
        scope, scope_params = ["region = ?", "organization_id = ?"], [region, org]
        for field, column in (
            ("namespace_id", "id"),
            ("project_id", "project_id"),
            ("organization_id", "organization_id"),
        ):
            if filters.get(field):
                scope.append(f"{column} = ?")
                scope_params.append(filters[field])
        if "project_ids" in filters:  # the projects that an application's key may read
            scope.append("project_id IN ({})".format(",".join("?" * len(filters["project_ids"]))))
            scope_params.extend(filters["project_ids"])
        with self._transaction() as db:
            self._drop_due("images")
            # The namespaces in scope first (a few), then the page's ids from a covering index of the region's
            # images in the wanted order, then those images: no join for the rows that the offset skips.
            namespace_ids = [
                row[0] for row in db.execute("SELECT id FROM namespaces WHERE " + " AND ".join(scope), scope_params)
            ] or [""]
            marks = ",".join("?" * len(namespace_ids))
            condition, params = f" WHERE namespace_id IN ({marks})", list(namespace_ids)
            if filters.get("name"):
                condition += " AND name = ?"
                params.append(filters["name"])
            total = db.execute("SELECT COUNT(*) FROM images" + condition, params).fetchone()[0]
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM images WHERE region = ? AND +"
                    + condition[len(" WHERE ") :]
                    + self._order(order_by)
                    + " LIMIT ? OFFSET ?",
                    [region, *params, page_size, (page - 1) * page_size],
                )
            ]
            found = (
                {
                    row["id"]: row
                    for row in db.execute(IMAGE_SELECT + " WHERE i.id IN ({})".format(",".join("?" * len(ids))), ids)
                }
                if ids
                else {}
            )
            shown = [found[image_id] for image_id in ids]
            for row in shown:
                self._count_read("images", row)
            return {"images": self._images_json(shown), "total_count": total}

    def get_image(self, org, region, image_id):
        with self._transaction():
            row = self._image(org, region, image_id, "read")
            self._count_read("images", row)
            return self._image_json(row)

    def update_image(self, org, region, image_id, visibility):
        with self._transaction() as db:
            row = self._image(org, region, image_id, "write")
            self._check_changeable("image", row)
            ns = self._now_ns()
            values = {**dict(row), "updated_at": us_from_ns(ns)}
            if visibility is not None:
                values["visibility"] = visibility
            db.execute(
                "UPDATE images SET visibility = ?, updated_at = ? WHERE id = ?",
                (values["visibility"], values["updated_at"], row["id"]),
            )
            return self._image_json(values, {"updated_at": format_ns(ns)})

    def delete_image(self, org, region, image_id, removed=None):
        """`removed`: as for delete_namespace."""
        with self._transaction() as db:
            row = self._image(org, region, image_id, "delete")
            if row["status"] == "locked":
                raise resource_locked("image", row["id"])
            if row["status"] == "deleting":
                return self._image_json(row)
            if removed is not None:
                removed.extend(
                    (f"{row['namespace_name']}/{row['name']}", r["digest"])
                    for r in db.execute(
                        "SELECT DISTINCT digest FROM tags WHERE image_id = ? ORDER BY digest", (row["id"],)
                    )
                )
            self._events.append(
                {"event": "image deleted", "region": row["region"], "image": f"{row['namespace_name']}/{row['name']}"}
            )
            self._journal_tag_deletions(db, "i.id = ?", (row["id"],))
            ns = self._now_ns()
            values = {**dict(row), "status": "deleting", "updated_at": us_from_ns(ns)}
            body = self._image_json(values, {"updated_at": format_ns(ns)})
            has_tags = db.execute("SELECT 1 FROM tags WHERE image_id = ?", (row["id"],)).fetchone()
            if not has_tags or self.deleting_polls <= 0:
                db.execute("DELETE FROM images WHERE id = ?", (row["id"],))
            else:
                db.execute(
                    "UPDATE images SET status = 'deleting', updated_at = ?, reads_left = ? WHERE id = ?",
                    (values["updated_at"], self.deleting_polls, row["id"]),
                )
                db.execute("UPDATE tags SET status = 'deleting' WHERE image_id = ?", (row["id"],))
            return body

    # ---- tags --------------------------------------------------------------

    def list_tags(self, org, region, image_id, filters, order_by, page, page_size):
        with self._transaction():
            image = self._image(org, region, image_id, "read")
            where, params = ["image_id = ?"], [image["id"]]
            if filters.get("name"):
                where.append("name = ?")
                params.append(filters["name"])
            shown, total = self._page("SELECT * FROM tags", where, params, order_by, page, page_size)
            return {"tags": [self._tag_json(r) for r in shown], "total_count": total}

    def get_tag(self, org, region, tag_id):
        with self._transaction():
            return self._tag_json(self._tag(org, region, tag_id, "read"))

    def delete_tag(self, org, region, tag_id, force, removed=None):
        """`removed`: as for delete_namespace (deleting a manifest takes every tag of its digest)."""
        with self._transaction() as db:
            row = self._tag(org, region, tag_id, "delete")
            if row["status"] == "locked":
                raise resource_locked("tag", row["id"])
            if self.pushes_before_tag_delete > 0:
                self.pushes_before_tag_delete -= 1
                pushed_at = us_from_ns(self._now_ns())
                db.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, 'ready', ?, ?, ?, ?)",
                    (
                        str(uuid.uuid4()),
                        row["image_id"],
                        ("pushed-during-delete-of-" + row["name"])[:128],
                        row["digest"],
                        row["size"],
                        pushed_at,
                        pushed_at,
                    ),
                )
            sharing = db.execute(
                "SELECT id, name FROM tags WHERE image_id = ? AND digest = ? ORDER BY name",
                (row["image_id"], row["digest"]),
            ).fetchall()
            if len(sharing) > 1 and not force:
                names = ", ".join(r["name"] for r in sharing)
                raise ApiError(
                    412,
                    {
                        "help_message": f"tags {names} share digest {row['digest']}; set force=true to delete them all",
                        "message": "precondition is not respected",
                        "precondition": "resource_still_in_use",
                        "type": "precondition_failed",
                    },
                )
            ns = self._now_ns()
            self._journal_tag_deletions(db, "t.image_id = ? AND t.digest = ?", (row["image_id"], row["digest"]))
            db.executemany("DELETE FROM tags WHERE id = ?", [(r["id"],) for r in sharing])
            if removed is not None:
                removed.append((f"{row['namespace_name']}/{row['image_name']}", row["digest"]))
            values = {**dict(row), "status": "deleting", "updated_at": us_from_ns(ns)}
            return self._tag_json(values, {"updated_at": format_ns(ns)})

    # ---- the registries behind the emulator (--registry) --------------------

    def repository_policy(self, region, namespace_name, image_name):
        """What the token service needs to know about repository <namespace>/<image>; None without
        such a namespace. `visibility` is None for an image not pushed yet."""
        with self._transaction() as db:
            namespace = db.execute(
                "SELECT * FROM namespaces WHERE region = ? AND name = ?", (region, namespace_name)
            ).fetchone()
            if namespace is None:
                return None
            image = db.execute(
                "SELECT visibility FROM images WHERE namespace_id = ? AND name = ?", (namespace["id"], image_name)
            ).fetchone()
            return {
                "organization_id": namespace["organization_id"],
                "project_id": namespace["project_id"],
                "namespace_status": namespace["status"],
                "is_public": bool(namespace["is_public"]),
                "visibility": image["visibility"] if image else None,
            }

    def apply_push(self, region, repository, tag, digest, size, pushed_at):
        """A manifest pushed with a tag to <namespace>/<image>: creates or updates the image and the tag.
        Returns False when there is no such namespace (or it is being deleted), and nothing changes."""
        namespace_name, _dummy, image_name = repository.partition("/")
        with self._transaction() as db:
            namespace = db.execute(
                "SELECT * FROM namespaces WHERE region = ? AND name = ?", (region, namespace_name)
            ).fetchone()
            if namespace is None or namespace["status"] == "deleting" or not image_name:
                return False
            image = db.execute(
                "SELECT * FROM images WHERE namespace_id = ? AND name = ?", (namespace["id"], image_name)
            ).fetchone()
            if image is not None and image["status"] == "deleting":
                # Its manifests were deleted from the registry already: a push makes a new image.
                db.execute("DELETE FROM images WHERE id = ?", (image["id"],))
                image = None
            if image is None:
                image_id = str(uuid.uuid4())
                db.execute(
                    "INSERT INTO images VALUES (?, ?, ?, 'ready', '', 'inherit', ?, ?, NULL, ?)",
                    (image_id, namespace["id"], image_name, pushed_at, pushed_at, namespace["region"]),
                )
            else:
                image_id = image["id"]
            old = db.execute("SELECT * FROM tags WHERE image_id = ? AND name = ?", (image_id, tag)).fetchone()
            if old is None:
                db.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, 'ready', ?, ?, ?, ?)",
                    (str(uuid.uuid4()), image_id, tag, digest, size, pushed_at, pushed_at),
                )
            elif (old["digest"], old["size"], old["status"]) != (digest, size, "ready"):
                # The tag moves to the new digest.
                db.execute(
                    "UPDATE tags SET digest = ?, size = ?, status = 'ready', updated_at = MAX(updated_at, ?)"
                    " WHERE id = ?",
                    (digest, size, pushed_at, old["id"]),
                )
            else:
                return True
            # A push shows on the image and its namespace as a later updated_at (as recorded).
            db.execute("UPDATE images SET updated_at = MAX(updated_at, ?) WHERE id = ?", (pushed_at, image_id))
            db.execute(
                "UPDATE namespaces SET updated_at = MAX(updated_at, ?) WHERE id = ?", (pushed_at, namespace["id"])
            )
            return True

    def apply_registry_delete(self, region, repository, digest=None, tag=None):
        """A manifest (by digest) or a tag deleted in the registry itself: its tags leave the API.
        Returns how many tags went."""
        namespace_name, _dummy, image_name = repository.partition("/")
        with self._transaction() as db:
            image = db.execute(
                "SELECT i.id FROM images i JOIN namespaces n ON n.id = i.namespace_id"
                " WHERE n.region = ? AND n.name = ? AND i.name = ?",
                (region, namespace_name, image_name),
            ).fetchone()
            if image is None or not (digest or tag):
                return 0
            column, value = ("digest", digest) if digest else ("name", tag)
            self._journal_tag_deletions(db, f"t.image_id = ? AND t.{column} = ?", (image["id"], value))
            return db.execute(f"DELETE FROM tags WHERE image_id = ? AND {column} = ?", (image["id"], value)).rowcount

    # ---- seeding (images and tags only appear through `docker push`) -------

    def seed(self, namespaces, images, iam=None):
        """Adds already validated seed records, all or nothing; see seed.py for their shape. `iam`, when the
        document has IAM objects: (applications, policies, API keys)."""
        created = {"namespaces": [], "images": [], "tags": []}
        try:
            with self._transaction():
                for record in namespaces:
                    created["namespaces"].append(self._seed_namespace(record))
                for record in images:
                    image_id, tag_ids = self._seed_image(record)
                    created["images"].append(image_id)
                    created["tags"].extend(tag_ids)
                if iam is not None:
                    created.update(self._seed_iam(*iam))
        except sqlite3.IntegrityError as exc:
            raise SeedError(f"conflicts with the existing state: {exc}") from None
        return created

    def _seed_namespace(self, r):
        if self._db.execute(
            "SELECT 1 FROM namespaces WHERE region = ? AND name = ?", (r["region"], r["name"])
        ).fetchone():
            raise SeedError(f"namespace name {r['name']!r} is already taken in {r['region']}")
        now = us_from_ns(self._now_ns())
        created_at = r.get("created_at", now)
        self._db.execute(
            "INSERT INTO namespaces VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                r["id"],
                r["region"],
                r["name"],
                r["description"],
                r["organization_id"],
                r["project_id"],
                r["status"],
                r["status_message"],
                int(r["is_public"]),
                created_at,
                r.get("updated_at", created_at),
            ),
        )
        return r["id"]

    def _seed_image(self, r):
        if r.get("namespace_id"):
            namespace = self._db.execute(
                "SELECT * FROM namespaces WHERE id = ? AND region = ?", (r["namespace_id"], r["region"])
            ).fetchone()
        else:
            namespace = self._db.execute(
                "SELECT * FROM namespaces WHERE name = ? AND region = ?", (r["namespace"], r["region"])
            ).fetchone()
        if namespace is None:
            raise SeedError(
                f"image {r['name']!r}: no namespace {r.get('namespace_id') or r['namespace']!r} in {r['region']}"
            )
        if namespace["status"] == "deleting":
            raise SeedError(f"image {r['name']!r}: namespace {namespace['name']!r} is being deleted")
        now = us_from_ns(self._now_ns())
        image = self._db.execute(
            "SELECT * FROM images WHERE namespace_id = ? AND name = ?", (namespace["id"], r["name"])
        ).fetchone()
        if image is None:
            created_at = r.get("created_at", now)
            self._db.execute(
                "INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (
                    r["id"],
                    namespace["id"],
                    r["name"],
                    r.get("status", "ready"),
                    r.get("status_message", ""),
                    r.get("visibility", "inherit"),
                    created_at,
                    r.get("updated_at", created_at),
                    namespace["region"],
                ),
            )
            image = self._db.execute("SELECT * FROM images WHERE id = ?", (r["id"],)).fetchone()
        else:
            # A second push to an existing image: only what the seed states changes.
            for field in ("status", "status_message", "visibility", "updated_at"):
                if field in r:
                    self._db.execute(f"UPDATE images SET {field} = ? WHERE id = ?", (r[field], image["id"]))
        pushed_at = r.get("updated_at")
        tag_ids = []
        for t in r["tags"]:
            created_at = t.get("created_at", now)
            updated_at = t.get("updated_at", created_at)
            old = self._db.execute(
                "SELECT id FROM tags WHERE image_id = ? AND name = ?", (image["id"], t["name"])
            ).fetchone()
            if old:  # docker push of an existing tag moves it to the new digest
                self._db.execute(
                    "UPDATE tags SET digest = ?, size = ?, status = ?, updated_at = ? WHERE id = ?",
                    (t["digest"], t["size"], t.get("status", "ready"), updated_at, old["id"]),
                )
                tag_ids.append(old["id"])
            else:
                self._db.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        t["id"],
                        image["id"],
                        t["name"],
                        t.get("status", "ready"),
                        t["digest"],
                        t["size"],
                        created_at,
                        updated_at,
                    ),
                )
                tag_ids.append(t["id"])
            pushed_at = max(pushed_at or 0, updated_at)
        # A push shows on the image and its namespace as a later updated_at (as recorded).
        if pushed_at is not None:
            self._db.execute("UPDATE images SET updated_at = MAX(updated_at, ?) WHERE id = ?", (pushed_at, image["id"]))
            self._db.execute(
                "UPDATE namespaces SET updated_at = MAX(updated_at, ?) WHERE id = ?", (pushed_at, namespace["id"])
            )
        return image["id"], tag_ids
