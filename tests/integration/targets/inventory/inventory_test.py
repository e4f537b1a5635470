"""Checks of the scaleway.registry.images inventory plugin through ansible-inventory, against the emulator.

python inventory_test.py INTEGRATION_CONFIG
"""

import http.client
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml


class Emulator:
    def __init__(self, config):
        self.url = config["scw_api_url"]
        self.key = config["scw_secret_key"]
        self.project = config["scw_project_id"]
        self.other_key = config["scw_other_secret_key"]
        self.other_project = config["scw_other_project_id"]
        self.starting_faults = config.get("scw_faults")

    def call(self, method, path, body=None, key=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["X-Auth-Token"] = key
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        # The test's own reads go through the faults of a chaos run too: it tries again, as the plugin does.
        for attempt in range(30):
            try:
                with urllib.request.urlopen(request) as answer:
                    return json.loads(answer.read() or b"{}")
            except urllib.error.HTTPError as error:
                if (error.code != 429 and error.code < 500) or attempt == 29:
                    raise
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                if attempt == 29:
                    raise
            time.sleep(0.1)

    def namespace(self, region, name, is_public, project=None):
        # Seeded, not created through the API, whose faults (in a chaos run) are for the plugin alone.
        return self.call(
            "POST",
            "/_emulator/seed",
            {
                "namespaces": [
                    {"region": region, "name": name, "project_id": project or self.project, "is_public": is_public}
                ]
            },
        )

    def requests(self):
        return self.call("GET", "/_emulator/requests")["requests"]


class Inventory:
    """An inventory configuration in a private directory, listed with ansible-inventory."""

    def __init__(self, directory, emulator):
        self.directory = directory
        self.emulator = emulator
        # The key comes from a vars file given with -e, templated by the plugin: never on a command line.
        self.vars_file = os.path.join(directory, "secret.yml")
        descriptor = os.open(self.vars_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            yaml.safe_dump(
                {"inventory_secret": emulator.key, "inventory_wrong_secret": "12345678-1234-4234-8234-123456789012"},
                handle,
            )

    def run(self, command, *arguments, **options):
        """command (ansible-inventory or ansible-playbook) with this inventory, configured with options."""
        config = {
            "plugin": "scaleway.registry.images",
            "api_url": self.emulator.url,
            "secret_key": "{{ inventory_secret }}",
        }
        config.update(options)
        path = os.path.join(self.directory, "test.scaleway_images.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(config, handle)
        environment = dict(
            os.environ,
            ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
            ANSIBLE_INVENTORY_ENABLED="scaleway.registry.images",
        )
        environment.pop("ANSIBLE_PLAYBOOK_DIR", None)  # as a user runs it: from outside the collection
        return subprocess.run(
            [command, "-i", path, "-e", "@" + self.vars_file, *arguments],
            capture_output=True,
            text=True,
            env=environment,
            cwd=self.directory,
            check=False,
        )

    def list(self, expect_failure=False, **options):
        run = self.run("ansible-inventory", "--list", **options)
        if expect_failure:
            assert run.returncode != 0, "ansible-inventory should have failed:\n" + run.stdout
            return run.stderr
        assert run.returncode == 0, "ansible-inventory failed:\n" + run.stderr
        assert "WARNING" not in run.stderr, "ansible-inventory warned:\n" + run.stderr
        return json.loads(run.stdout)


def hosts_of(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


def unsafe(value):
    """The text of a string ansible-inventory shows as marked unsafe."""
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value


def variable(listing, host, name):
    return unsafe(listing["_meta"]["hostvars"][host][name])


class HostileApi:
    """A scripted Registry API on the loopback, serving names that Scaleway and the emulator would refuse.

    regions: {region: {"namespaces": [...], "images": [...]}}; the other regions have none.
    """

    key = "33333333-3333-4333-8333-333333333333"

    def __init__(self, regions):
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                parts = url.path.strip("/").split("/")  # registry v1 regions <region> <namespaces|images>
                query = dict(urllib.parse.parse_qsl(url.query))
                if (
                    len(parts) != 5
                    or parts[:3] != ["registry", "v1", "regions"]
                    or parts[4] not in ("namespaces", "images")
                    or self.headers.get("X-Auth-Token") != api.key
                ):
                    return self.answer(404, {"type": "not_found", "message": "no such listing in this test"})
                items = regions.get(parts[3], {}).get(parts[4], [])
                size, page = int(query.get("page_size", 100)), int(query.get("page", 1))
                self.answer(200, {parts[4]: items[(page - 1) * size : page * size], "total_count": len(items)})

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def check_hostile_names():
    """Names from the API that could be templates never become host or group names, and never run."""
    with tempfile.TemporaryDirectory() as directory:
        markers = {
            what: os.path.join(directory, "marker-" + what) for what in ("namespace", "image", "tag", "visibility")
        }
        hostile = {what: f"{{{{ lookup('pipe', 'touch {path}') }}}}" for what, path in markers.items()}
        project = "22222222-2222-4222-8222-222222222222"

        def namespace(number, name):
            return {
                "id": f"00000000-0000-4000-8000-00000000000{number}",
                "name": name,
                "region": "fr-par",
                "endpoint": f"rg.fr-par.scw.cloud/ns{number}",
                "is_public": False,
                "project_id": project,
                "organization_id": project,
                "status": "ready",
            }

        def image(number, name, namespace_number, visibility="inherit", tags=("v1",)):
            return {
                "id": f"10000000-0000-4000-8000-00000000000{number}",
                "name": name,
                "namespace_id": f"00000000-0000-4000-8000-00000000000{namespace_number}",
                "status": "ready",
                "visibility": visibility,
                "size": 1000,
                "tags": list(tags),
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }

        def templated():
            return [what for what, path in markers.items() if os.path.exists(path)]

        api = HostileApi(
            {
                "fr-par": {
                    "namespaces": [namespace(1, "inv-good"), namespace(2, hostile["namespace"])],
                    "images": [
                        image(1, "app", 1, tags=["v1", hostile["tag"]]),
                        image(2, "web/frontend", 1),
                        image(3, hostile["image"], 1),
                        image(4, "tool", 2),
                        image(5, "odd-visibility", 1, visibility=hostile["visibility"]),
                    ],
                }
            }
        )
        try:
            inventory = Inventory(directory, api)
            options = dict(
                regions=["fr-par", "nl-ams"],
                keyed_groups=[
                    {"key": "registry_tags", "prefix": "tag"},
                    {"key": "registry_namespace", "prefix": "ns"},
                    {"key": "registry_name", "prefix": "image"},
                    {"key": "registry_visibility", "prefix": "visibility"},
                ],
            )
            run = inventory.run("ansible-inventory", "--list", **options)
            assert run.returncode == 0, "ansible-inventory failed:\n" + run.stderr
            listing = json.loads(run.stdout)
            hosts = sorted(listing["_meta"]["hostvars"])
            assert hosts == ["inv-good/app", "inv-good/web/frontend"], hosts
            assert not any("{" in group or "}" in group for group in listing), sorted(listing)
            # ansible-core before 2.19 wraps warnings at the terminal's width.
            warnings = " ".join(run.stderr.split()).split("[WARNING]: ")
            for number, problem in (
                (3, "its name is not a Docker repository name"),
                (4, "the name of its namespace is not a Docker repository name"),
                (5, "its visibility is not one of inherit, public, private"),
            ):
                line = (
                    f"scaleway.registry.images inventory: skipped image 10000000-0000-4000-8000-00000000000{number} "
                    f"in fr-par: {problem}"
                )
                assert [warning.strip() for warning in warnings].count(line) == 1, line + " once in:\n" + run.stderr
            assert "lookup" not in run.stderr, "a warning must not repeat a raw name:\n" + run.stderr
            assert "Traceback" not in run.stderr, run.stderr
            assert not templated(), f"ansible-inventory templated an API string: the {templated()}'s lookup ran"

            play = os.path.join(directory, "play.yml")
            with open(play, "w") as handle:
                yaml.safe_dump(
                    [
                        {
                            "name": "Use every host",
                            "hosts": "all",
                            "gather_facts": False,
                            "tasks": [
                                {
                                    "name": "Name the host",
                                    "ansible.builtin.debug": {
                                        "msg": "{{ inventory_hostname }} {{ group_names }} {{ registry_tags }}"
                                    },
                                }
                            ],
                        }
                    ],
                    handle,
                )
            run = inventory.run("ansible-playbook", play, **options)
            assert run.returncode == 0, "ansible-playbook failed:\n" + run.stdout + run.stderr
            assert "ok=1" in run.stdout and "inv-good/web/frontend" in run.stdout, run.stdout
            assert not templated(), f"the play templated an API string: the {templated()}'s lookup ran"
        finally:
            api.close()
    print("names that are not repository names are skipped with a warning, and no API string is templated: ok")


def main():
    with open(sys.argv[1]) as handle:
        config = yaml.safe_load(handle)
    check_hostile_names()
    emulator = Emulator(config)
    emulator.call("POST", "/_emulator/reset", {"chapter": "inventory"})
    emulator.namespace("fr-par", "inv-public", True)
    emulator.namespace("fr-par", "inv-private", False)
    emulator.namespace("nl-ams", "inv-public", True)
    emulator.namespace("pl-waw", "inv-other", False)
    emulator.namespace("fr-par", "inv-foreign", False, emulator.other_project)
    emulator.call(
        "POST",
        "/_emulator/seed",
        {
            "images": [
                {
                    "region": "fr-par",
                    "namespace": "inv-public",
                    "name": "app",
                    "tags": [{"name": "v1"}, {"name": "latest"}],
                },
                {
                    "region": "fr-par",
                    "namespace": "inv-public",
                    "name": "tools/cli",
                    "visibility": "private",
                    "tags": [{"name": "1.0"}],
                },
                {"region": "fr-par", "namespace": "inv-private", "name": "app", "tags": [{"name": "v2"}]},
                {"region": "nl-ams", "namespace": "inv-public", "name": "app", "tags": [{"name": "v1"}]},
                {"region": "pl-waw", "namespace": "inv-other", "name": "batch", "visibility": "public", "tags": []},
                {"region": "fr-par", "namespace": "inv-foreign", "name": "secret", "tags": [{"name": "x"}]},
            ]
        },
    )

    with tempfile.TemporaryDirectory() as directory:
        inventory = Inventory(directory, emulator)

        listing = inventory.list()
        hosts = sorted(listing["_meta"]["hostvars"])
        assert hosts == [
            "inv-other/batch",
            "inv-private/app",
            "inv-public/app@fr-par",
            "inv-public/app@nl-ams",
            "inv-public/tools/cli",
        ], hosts
        assert hosts_of(listing, "scaleway_region_fr_par") == [
            "inv-private/app",
            "inv-public/app@fr-par",
            "inv-public/tools/cli",
        ]
        assert hosts_of(listing, "scaleway_namespace_inv_public") == [
            "inv-public/app@fr-par",
            "inv-public/app@nl-ams",
            "inv-public/tools/cli",
        ]
        assert hosts_of(listing, "scaleway_visibility_public") == [
            "inv-other/batch",
            "inv-public/app@fr-par",
            "inv-public/app@nl-ams",
        ]
        assert hosts_of(listing, "scaleway_visibility_private") == ["inv-private/app", "inv-public/tools/cli"]
        app = "inv-public/app@fr-par"
        assert variable(listing, app, "registry_name") == "app"
        assert variable(listing, app, "registry_namespace") == "inv-public"
        assert variable(listing, app, "registry_region") == "fr-par"
        assert variable(listing, app, "registry_visibility") == "inherit"
        assert variable(listing, app, "registry_effective_visibility") == "public"
        assert sorted(unsafe(tag) for tag in variable(listing, app, "registry_tags")) == ["latest", "v1"]
        endpoint = emulator.call("GET", "/registry/v1/regions/fr-par/namespaces?name=inv-public", key=emulator.key)
        repository = endpoint["namespaces"][0]["endpoint"] + "/app"
        assert variable(listing, app, "registry_repository") == repository
        references = sorted(unsafe(item) for item in variable(listing, app, "registry_references"))
        assert references == [repository + ":latest", repository + ":v1"], references
        assert variable(listing, app, "ansible_connection") == "local"
        assert "tags" not in listing["_meta"]["hostvars"][app], "a bare tags variable collides with Ansible's"
        assert "registry_tag_details" not in listing["_meta"]["hostvars"][app]
        assert all(
            "__ansible_unsafe" in listing["_meta"]["hostvars"][app][name] for name in ("registry_name", "registry_id")
        ), "strings from the API must be marked unsafe"
        print("hosts, default groups and host variables: ok")

        listing = inventory.list(
            keyed_groups=[{"key": "registry_namespace", "prefix": "ns"}],
            groups={"has_tags": "registry_tags | length > 0"},
            compose={"first_tag": "registry_tags | first | default('none')"},
            default_groups=False,
            include_tags=True,
            strict=True,
        )
        assert hosts_of(listing, "ns_inv_public") == [
            "inv-public/app@fr-par",
            "inv-public/app@nl-ams",
            "inv-public/tools/cli",
        ]
        assert "inv-other/batch" not in hosts_of(listing, "has_tags") and "inv-private/app" in hosts_of(
            listing, "has_tags"
        )
        assert variable(listing, "inv-other/batch", "first_tag") == "none"
        assert "scaleway_region_fr_par" not in listing
        details = variable(listing, "inv-private/app", "registry_tag_details")
        assert [unsafe(detail["name"]) for detail in details] == ["v2"], details
        assert unsafe(details[0]["digest"]).startswith("sha256:")
        print("keyed_groups, groups, compose, strict and include_tags: ok")

        listing = inventory.list(regions=["fr-par"], namespaces=["inv-p*"], images=["app"])
        assert sorted(listing["_meta"]["hostvars"]) == ["inv-private/app", "inv-public/app"], listing["_meta"][
            "hostvars"
        ]
        listing = inventory.list(visibility=["private"])
        assert sorted(listing["_meta"]["hostvars"]) == ["inv-private/app", "inv-public/tools/cli"]
        listing = inventory.list(visibility=["inherit"], regions=["fr-par", "pl-waw"])
        assert sorted(listing["_meta"]["hostvars"]) == ["inv-private/app", "inv-public/app"]
        listing = inventory.list(project_id=emulator.other_project)
        assert listing["_meta"]["hostvars"] == {}, "another organization's images stay invisible"
        print("filters: ok")

        cache = {
            "cache": True,
            "cache_plugin": "ansible.builtin.jsonfile",
            "cache_connection": os.path.join(directory, "cache"),
            "cache_timeout": 600,
        }
        emulator.call("DELETE", "/_emulator/requests")
        first = inventory.list(**cache)
        fetched = len(emulator.requests())
        emulator.call("DELETE", "/_emulator/requests")
        second = inventory.list(**cache)
        assert fetched > 0 and emulator.requests() == [], "a cached run must send no request"
        assert second["_meta"]["hostvars"].keys() == first["_meta"]["hostvars"].keys()
        print(f"cache: ok ({fetched} requests, then none)")

        error = inventory.list(expect_failure=True, secret_key="{{ inventory_wrong_secret }}")
        assert "scaleway.registry.images inventory: authentication is denied (HTTP 401" in error, error
        assert "Traceback" not in error
        print("a 401 fails the inventory with one clear line: ok")

        # Half the answers are 503s: each run must still give every host, until one run has met some.
        emulator.call("PATCH", "/_emulator/config", {"faults": "503=0.5"})
        try:
            for _attempt in range(10):
                emulator.call("DELETE", "/_emulator/requests")
                listing = inventory.list(concurrency=4)
                answered = [entry["status"] for entry in emulator.requests()]
                assert len(listing["_meta"]["hostvars"]) == 5, "a page answered 503 must be retried, not lost"
                if 503 in answered:
                    break
        finally:
            emulator.call("PATCH", "/_emulator/config", {"faults": emulator.starting_faults})
        assert 503 in answered, "the faults should have hit some pages"
        print(f"503s retried, no host lost: ok ({answered.count(503)} of {len(answered)} answers were 503)")
    emulator.call("POST", "/_emulator/reset", {"chapter": "inventory"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
