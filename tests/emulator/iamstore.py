"""The IAM API's state (applications, policies and their rules, API keys), in the registry's SQLite store.

`IamStore` is a part of `Store` (store.py): the same connection, lock and clock. Objects are rendered as
dicts in the server's field order, as recorded.
"""

import json
import secrets
import string
import uuid

from .model import format_us, format_us_trimmed, iam_not_found, permission_denied, us_from_ns

IAM_SCHEMA = """
CREATE TABLE IF NOT EXISTS iam_applications (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
    tags TEXT NOT NULL, editable INTEGER NOT NULL, deletable INTEGER NOT NULL, managed INTEGER NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS iam_policies (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
    tags TEXT NOT NULL, editable INTEGER NOT NULL, deletable INTEGER NOT NULL, managed INTEGER NOT NULL,
    principal TEXT NOT NULL,  -- the field that names it: user_id, group_id, application_id or no_principal
    principal_id TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS iam_rules (
    id TEXT PRIMARY KEY, policy_id TEXT NOT NULL REFERENCES iam_policies (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, permission_set_names TEXT NOT NULL, condition TEXT NOT NULL,
    scope TEXT NOT NULL,  -- the field that holds it: organization_id, project_ids or account_root_user_id
    scope_value TEXT NOT NULL);  -- its JSON value
CREATE TABLE IF NOT EXISTS iam_api_keys (
    access_key TEXT PRIMARY KEY, secret_key TEXT UNIQUE, organization_id TEXT NOT NULL,
    description TEXT NOT NULL, bearer TEXT NOT NULL,  -- the field that names it: application_id or user_id
    bearer_id TEXT NOT NULL, default_project_id TEXT NOT NULL, editable INTEGER NOT NULL,
    deletable INTEGER NOT NULL, managed INTEGER NOT NULL, creation_ip TEXT NOT NULL, expires_at INTEGER,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
"""
IAM_TABLES = ("iam_applications", "iam_policies", "iam_rules", "iam_api_keys")
# order_by field -> SQL; names sort without regard to case, as recorded.
IAM_SORT = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "expires_at": "expires_at",
    "access_key": "access_key",
    "name": "name COLLATE NOCASE",
    "policy_name": "name COLLATE NOCASE",
}
ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits


def new_access_key():
    return "SCW" + "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _position in range(17))


def rule_scopes(rule):
    """The scopes of a rule (a row of iam_rules, or a dict with `scope` and `scope_value`)."""
    value = json.loads(rule["scope_value"])
    return [(rule["scope"], v) for v in (value if isinstance(value, list) else [value])]


class IamStore:
    """Mixed into Store: uses its `_db`, `_transaction`, `_now_ns` and `now_us`."""

    # ---- rendering ---------------------------------------------------------

    def _application_json(self, row):
        nb_api_keys = self._db.execute(
            "SELECT COUNT(*) FROM iam_api_keys WHERE bearer = 'application_id' AND bearer_id = ?", (row["id"],)
        ).fetchone()[0]
        return {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "created_at": format_us(row["created_at"]),
            "updated_at": format_us(row["updated_at"]),
            "organization_id": row["organization_id"],
            "editable": bool(row["editable"]),
            "deletable": bool(row["deletable"]),
            "managed": bool(row["managed"]),
            "nb_api_keys": nb_api_keys,
            "tags": json.loads(row["tags"]),
        }

    def _rules(self, policy_id):
        return self._db.execute(
            "SELECT * FROM iam_rules WHERE policy_id = ? ORDER BY position", (policy_id,)
        ).fetchall()

    def _policy_json(self, row, counted=True):
        # A create answers before the rules count (0, as recorded); every later read counts them.
        rules = self._rules(row["id"]) if counted else []
        body = {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "organization_id": row["organization_id"],
            "created_at": format_us(row["created_at"]),
            "updated_at": format_us(row["updated_at"]),
            "editable": bool(row["editable"]),
            "deletable": bool(row["deletable"]),
            "managed": bool(row["managed"]),
            "nb_rules": len(rules),
            "nb_scopes": len({scope for rule in rules for scope in rule_scopes(rule)}),
            "nb_permission_sets": sum(len(json.loads(rule["permission_set_names"])) for rule in rules),
            "tags": json.loads(row["tags"]),
        }
        body[row["principal"]] = True if row["principal"] == "no_principal" else row["principal_id"]
        return body

    @staticmethod
    def _rule_json(row):
        return {
            "id": row["id"],
            "permission_set_names": json.loads(row["permission_set_names"]),
            # Every recorded rule says "projects", whatever its permission sets and its scope.
            "permission_sets_scope_type": "projects",
            "condition": row["condition"],
            row["scope"]: json.loads(row["scope_value"]),
        }

    @staticmethod
    def _api_key_json(row, secret_key=None):
        return {
            "access_key": row["access_key"],
            "secret_key": secret_key,  # only the create shows it
            "description": row["description"],
            "created_at": format_us(row["created_at"]),
            "updated_at": format_us(row["updated_at"]),
            "expires_at": None if row["expires_at"] is None else format_us_trimmed(row["expires_at"]),
            "default_project_id": row["default_project_id"],
            "editable": bool(row["editable"]),
            "deletable": bool(row["deletable"]),
            "managed": bool(row["managed"]),
            "creation_ip": row["creation_ip"],
            row["bearer"]: row["bearer_id"],
        }

    # ---- lookups and lists ---------------------------------------------------

    def _iam_fetch(self, table, key, resource, resource_id, org, action):
        row = self._db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (resource_id,)).fetchone()
        if row is None:
            raise iam_not_found(resource, resource_id)
        if row["organization_id"] != org:
            raise permission_denied(resource, action)
        return row

    def _iam_page(self, table, key, where, params, order_by, page, page_size):
        field, _dummy, direction = order_by.rpartition("_")
        order = "DESC" if direction == "desc" else "ASC"
        condition = " WHERE " + " AND ".join(where)
        total = self._db.execute(f"SELECT COUNT(*) FROM {table}{condition}", params).fetchone()[0]
        rows = self._db.execute(
            f"SELECT * FROM {table}{condition} ORDER BY {IAM_SORT[field]} {order}, {key} {order} LIMIT ? OFFSET ?",
            [*params, page_size, (page - 1) * page_size],
        ).fetchall()
        return rows, total

    @staticmethod
    def _iam_where(org, filters, columns):
        """WHERE terms of the caller's organization and the filters given: column = value, or IN (values) for a
        list, or a test on a tag or on the expiry (`expired` holds the time it compares with)."""
        where, params = ["organization_id = ?"], [org]
        for argument, value in filters.items():
            column = columns.get(argument, argument)
            if argument == "tag":
                where.append("EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)")
                params.append(value)
            elif argument == "expired":
                expired, now = value
                where.append(f"{'' if expired else 'NOT '}COALESCE(expires_at <= ?, 0)")
                params.append(now)
            elif isinstance(value, list):
                where.append(f"{column} IN ({','.join('?' * len(value))})")
                params.extend(value)
            else:
                where.append(f"{column} = ?")
                params.append(value)
        return where, params

    # ---- applications --------------------------------------------------------

    def create_application(self, org, name, description, tags):
        with self._transaction() as db:
            now = us_from_ns(self._now_ns())
            application_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO iam_applications VALUES (?, ?, ?, ?, ?, 1, 1, 0, ?, ?)",
                (application_id, org, name, description, json.dumps(tags), now, now),
            )
            row = db.execute("SELECT * FROM iam_applications WHERE id = ?", (application_id,)).fetchone()
            return self._application_json(row)

    def get_application(self, org, application_id):
        with self._transaction():
            row = self._iam_fetch("iam_applications", "id", "application", application_id, org, "read")
            return self._application_json(row)

    def list_applications(self, org, filters, order_by, page, page_size):
        with self._transaction():
            where, params = self._iam_where(org, filters, {"application_ids": "id"})
            rows, total = self._iam_page("iam_applications", "id", where, params, order_by, page, page_size)
            return {"applications": [self._application_json(r) for r in rows], "total_count": total}

    def update_application(self, org, application_id, changes):
        with self._transaction() as db:
            row = self._iam_fetch("iam_applications", "id", "application", application_id, org, "write")
            values = {**dict(row), **changes, "updated_at": us_from_ns(self._now_ns())}
            db.execute(
                "UPDATE iam_applications SET name = ?, description = ?, tags = ?, updated_at = ? WHERE id = ?",
                (values["name"], values["description"], values["tags"], values["updated_at"], row["id"]),
            )
            return self._application_json(values)

    def delete_application(self, org, application_id):
        """Its API keys go with it (as the SDK documents); policies naming it stay, and grant nothing."""
        with self._transaction() as db:
            row = self._iam_fetch("iam_applications", "id", "application", application_id, org, "delete")
            db.execute("DELETE FROM iam_api_keys WHERE bearer = 'application_id' AND bearer_id = ?", (row["id"],))
            db.execute("DELETE FROM iam_applications WHERE id = ?", (row["id"],))

    # ---- policies and rules --------------------------------------------------

    def _insert_rules(self, policy_id, rules):
        self._db.executemany(
            "INSERT INTO iam_rules VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    str(uuid.uuid4()),
                    policy_id,
                    position,
                    json.dumps(rule["permission_set_names"]),
                    rule["condition"],
                    rule["scope"],
                    json.dumps(rule["scope_value"]),
                )
                for position, rule in enumerate(rules)
            ],
        )

    def create_policy(self, org, fields, principal, rules):
        """`fields`: name, description, tags (a JSON list); `principal`: (field, id or None); `rules`: dicts
        with permission_set_names, condition, scope and scope_value."""
        with self._transaction() as db:
            now = us_from_ns(self._now_ns())
            policy_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO iam_policies VALUES (?, ?, ?, ?, ?, 1, 1, 0, ?, ?, ?, ?)",
                (policy_id, org, fields["name"], fields["description"], fields["tags"], *principal, now, now),
            )
            self._insert_rules(policy_id, rules)
            row = db.execute("SELECT * FROM iam_policies WHERE id = ?", (policy_id,)).fetchone()
            return self._policy_json(row, counted=False)

    def get_policy(self, org, policy_id):
        with self._transaction():
            return self._policy_json(self._iam_fetch("iam_policies", "id", "policy", policy_id, org, "read"))

    def list_policies(self, org, filters, order_by, page, page_size):
        principals = {"user_ids": "user_id", "group_ids": "group_id", "application_ids": "application_id"}
        with self._transaction():
            where, params = self._iam_where(
                org, {k: v for k, v in filters.items() if k not in principals and k != "no_principal"}, {}
            )
            # Principal filters: any of the ids given.
            wanted = [(principals[k], v) for k, values in filters.items() if k in principals for v in values]
            if filters.get("no_principal") is not None:
                where.append(("" if filters["no_principal"] else "NOT ") + "principal = 'no_principal'")
            if wanted:
                where.append("(" + " OR ".join("(principal = ? AND principal_id = ?)" for _principal in wanted) + ")")
                params.extend(item for pair in wanted for item in pair)
            rows, total = self._iam_page("iam_policies", "id", where, params, order_by, page, page_size)
            return {"policies": [self._policy_json(r) for r in rows], "total_count": total}

    def update_policy(self, org, policy_id, changes, principal=None):
        """A change of the tags alone keeps `updated_at` (as recorded); other changes move it."""
        with self._transaction() as db:
            row = self._iam_fetch("iam_policies", "id", "policy", policy_id, org, "write")
            values = {**dict(row), **changes}
            if principal is not None:
                values["principal"], values["principal_id"] = principal
            if any(values[k] != row[k] for k in ("name", "description", "principal", "principal_id")):
                values["updated_at"] = us_from_ns(self._now_ns())
            db.execute(
                "UPDATE iam_policies SET name = ?, description = ?, tags = ?, principal = ?, principal_id = ?,"
                " updated_at = ? WHERE id = ?",
                (
                    values["name"],
                    values["description"],
                    values["tags"],
                    values["principal"],
                    values["principal_id"],
                    values["updated_at"],
                    row["id"],
                ),
            )
            return self._policy_json(values)

    def delete_policy(self, org, policy_id):
        with self._transaction() as db:
            row = self._iam_fetch("iam_policies", "id", "policy", policy_id, org, "delete")
            db.execute("DELETE FROM iam_policies WHERE id = ?", (row["id"],))

    def list_rules(self, org, policy_id, page, page_size):
        with self._transaction():
            row = self._iam_fetch("iam_policies", "id", "policy", policy_id, org, "read")
            rules = self._rules(row["id"])
            shown = rules[(page - 1) * page_size : page * page_size]
            return {"rules": [self._rule_json(r) for r in shown], "total_count": len(rules)}

    def set_rules(self, org, policy_id, rules):
        """Replaces every rule (new ids, as recorded); the policy's `updated_at` moves."""
        with self._transaction() as db:
            row = self._iam_fetch("iam_policies", "id", "policy", policy_id, org, "write")
            db.execute("DELETE FROM iam_rules WHERE policy_id = ?", (row["id"],))
            self._insert_rules(row["id"], rules)
            db.execute("UPDATE iam_policies SET updated_at = ? WHERE id = ?", (us_from_ns(self._now_ns()), row["id"]))
            return {"rules": [self._rule_json(r) for r in self._rules(row["id"])]}

    # ---- API keys ------------------------------------------------------------

    def create_api_key(self, org, bearer, description, default_project_id, expires_at, creation_ip):
        """`bearer`: (application_id or user_id, id). Only this answer holds the secret key."""
        with self._transaction() as db:
            if bearer[0] == "application_id":
                self._iam_fetch("iam_applications", "id", "application", bearer[1], org, "write")
            now = us_from_ns(self._now_ns())
            access_key, secret_key = new_access_key(), str(uuid.uuid4())
            db.execute(
                "INSERT INTO iam_api_keys VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, 0, ?, ?, ?, ?)",
                (
                    access_key,
                    secret_key,
                    org,
                    description,
                    *bearer,
                    default_project_id,
                    creation_ip,
                    expires_at,
                    now,
                    now,
                ),
            )
            row = db.execute("SELECT * FROM iam_api_keys WHERE access_key = ?", (access_key,)).fetchone()
            return self._api_key_json(row, secret_key)

    def get_api_key(self, org, access_key):
        with self._transaction():
            return self._api_key_json(
                self._iam_fetch("iam_api_keys", "access_key", "access_key", access_key, org, "read")
            )

    def list_api_keys(self, org, filters, order_by, page, page_size):
        with self._transaction():
            if "expired" in filters:
                filters = {**filters, "expired": (filters["expired"], self.now_us())}
            where, params = self._iam_where(org, filters, {"access_keys": "access_key"})
            rows, total = self._iam_page("iam_api_keys", "access_key", where, params, order_by, page, page_size)
            return {"api_keys": [self._api_key_json(r) for r in rows], "total_count": total}

    def update_api_key(self, org, access_key, changes):
        with self._transaction() as db:
            row = self._iam_fetch("iam_api_keys", "access_key", "access_key", access_key, org, "write")
            values = {**dict(row), **changes, "updated_at": us_from_ns(self._now_ns())}
            db.execute(
                "UPDATE iam_api_keys SET description = ?, default_project_id = ?, expires_at = ?, updated_at = ?"
                " WHERE access_key = ?",
                (
                    values["description"],
                    values["default_project_id"],
                    values["expires_at"],
                    values["updated_at"],
                    row["access_key"],
                ),
            )
            return self._api_key_json(values)

    def delete_api_key(self, org, access_key):
        with self._transaction() as db:
            row = self._iam_fetch("iam_api_keys", "access_key", "access_key", access_key, org, "delete")
            db.execute("DELETE FROM iam_api_keys WHERE access_key = ?", (row["access_key"],))

    # ---- authentication --------------------------------------------------------

    def application_grants(self, secret_key):
        """For the secret key of an application's API key that has not expired: (organization id, application
        id, [(permission set names, scopes)] of the rules of the policies naming the application); else None."""
        with self._transaction() as db:
            key = db.execute(
                "SELECT * FROM iam_api_keys WHERE secret_key = ? AND bearer = 'application_id'", (secret_key,)
            ).fetchone()
            if key is None or (key["expires_at"] is not None and key["expires_at"] <= self.now_us()):
                return None
            rules = db.execute(
                "SELECT r.* FROM iam_rules r JOIN iam_policies p ON p.id = r.policy_id"
                " WHERE p.organization_id = ? AND p.principal = 'application_id' AND p.principal_id = ?",
                (key["organization_id"], key["bearer_id"]),
            ).fetchall()
            grants = [(set(json.loads(r["permission_set_names"])), rule_scopes(r)) for r in rules]
            return key["organization_id"], key["bearer_id"], grants

    # ---- seeding -----------------------------------------------------------------

    def _seed_iam(self, applications, policies, api_keys):
        """Seed records as seed.py checked them; returns the ids (and access keys) made."""
        now = us_from_ns(self._now_ns())
        created = {"applications": [], "policies": [], "api_keys": []}
        for r in applications:
            created_at = r.get("created_at", now)
            self._db.execute(
                "INSERT INTO iam_applications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r["id"],
                    r["organization_id"],
                    r["name"],
                    r["description"],
                    json.dumps(r["tags"]),
                    int(r["editable"]),
                    int(r["deletable"]),
                    int(r["managed"]),
                    created_at,
                    r.get("updated_at", created_at),
                ),
            )
            created["applications"].append(r["id"])
        for r in policies:
            created_at = r.get("created_at", now)
            self._db.execute(
                "INSERT INTO iam_policies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r["id"],
                    r["organization_id"],
                    r["name"],
                    r["description"],
                    json.dumps(r["tags"]),
                    int(r["editable"]),
                    int(r["deletable"]),
                    int(r["managed"]),
                    *r["principal"],
                    created_at,
                    r.get("updated_at", created_at),
                ),
            )
            self._insert_rules(r["id"], r["rules"])
            created["policies"].append(r["id"])
        for r in api_keys:
            created_at = r.get("created_at", now)
            self._db.execute(
                "INSERT INTO iam_api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r["access_key"],
                    r.get("secret_key"),
                    r["organization_id"],
                    r["description"],
                    *r["bearer"],
                    r["default_project_id"],
                    int(r["editable"]),
                    int(r["deletable"]),
                    int(r["managed"]),
                    r["creation_ip"],
                    r.get("expires_at"),
                    created_at,
                    r.get("updated_at", created_at),
                ),
            )
            created["api_keys"].append(r["access_key"])
        return created
