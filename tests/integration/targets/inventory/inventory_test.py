"""Checks of the scaleway.registry.images inventory plugin through ansible-inventory, against the emulator.

    python inventory_test.py INTEGRATION_CONFIG
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
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
                if error.code != 429 and error.code < 500 or attempt == 29:
                    raise
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                if attempt == 29:
                    raise
            time.sleep(0.1)

    def namespace(self, region, name, is_public, project=None):
        # Seeded, not created through the API, whose faults (in a chaos run) are for the plugin alone.
        return self.call("POST", "/_emulator/seed", {"namespaces": [
            {"region": region, "name": name, "project_id": project or self.project, "is_public": is_public}]})

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
            yaml.safe_dump({"inventory_secret": emulator.key,
                            "inventory_wrong_secret": "12345678-1234-4234-8234-123456789012"}, handle)

    def list(self, expect_failure=False, **options):
        config = {"plugin": "scaleway.registry.images", "api_url": self.emulator.url,
                  "secret_key": "{{ inventory_secret }}"}
        config.update(options)
        path = os.path.join(self.directory, "test.scaleway_images.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(config, handle)
        environment = dict(os.environ, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
                           ANSIBLE_INVENTORY_ENABLED="scaleway.registry.images")
        environment.pop("ANSIBLE_PLAYBOOK_DIR", None)  # as a user runs it: from outside the collection
        run = subprocess.run(["ansible-inventory", "-i", path, "-e", "@" + self.vars_file, "--list"],
                             capture_output=True, text=True, env=environment, cwd=self.directory, check=False)
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


def main():
    with open(sys.argv[1]) as handle:
        config = yaml.safe_load(handle)
    emulator = Emulator(config)
    emulator.call("POST", "/_emulator/reset", {"chapter": "inventory"})
    emulator.namespace("fr-par", "inv-public", True)
    emulator.namespace("fr-par", "inv-private", False)
    emulator.namespace("nl-ams", "inv-public", True)
    emulator.namespace("pl-waw", "inv-other", False)
    emulator.namespace("fr-par", "inv-foreign", False, emulator.other_project)
    emulator.call("POST", "/_emulator/seed", {"images": [
        {"region": "fr-par", "namespace": "inv-public", "name": "app", "tags": [{"name": "v1"}, {"name": "latest"}]},
        {"region": "fr-par", "namespace": "inv-public", "name": "tools/cli", "visibility": "private",
         "tags": [{"name": "1.0"}]},
        {"region": "fr-par", "namespace": "inv-private", "name": "app", "tags": [{"name": "v2"}]},
        {"region": "nl-ams", "namespace": "inv-public", "name": "app", "tags": [{"name": "v1"}]},
        {"region": "pl-waw", "namespace": "inv-other", "name": "batch", "visibility": "public", "tags": []},
        {"region": "fr-par", "namespace": "inv-foreign", "name": "secret", "tags": [{"name": "x"}]},
    ]})

    with tempfile.TemporaryDirectory() as directory:
        inventory = Inventory(directory, emulator)

        listing = inventory.list()
        hosts = sorted(listing["_meta"]["hostvars"])
        assert hosts == ["inv-other/batch", "inv-private/app", "inv-public/app@fr-par", "inv-public/app@nl-ams",
                         "inv-public/tools/cli"], hosts
        assert hosts_of(listing, "scaleway_region_fr_par") == ["inv-private/app", "inv-public/app@fr-par",
                                                               "inv-public/tools/cli"]
        assert hosts_of(listing, "scaleway_namespace_inv_public") == ["inv-public/app@fr-par", "inv-public/app@nl-ams",
                                                                      "inv-public/tools/cli"]
        assert hosts_of(listing, "scaleway_visibility_public") == ["inv-other/batch", "inv-public/app@fr-par",
                                                                   "inv-public/app@nl-ams"]
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
        assert all("__ansible_unsafe" in listing["_meta"]["hostvars"][app][name] for name in ("registry_name", "registry_id")), \
            "strings from the API must be marked unsafe"
        print("hosts, default groups and host variables: ok")

        listing = inventory.list(keyed_groups=[{"key": "registry_namespace", "prefix": "ns"}],
                                 groups={"has_tags": "registry_tags | length > 0"},
                                 compose={"first_tag": "registry_tags | first | default('none')"},
                                 default_groups=False, include_tags=True, strict=True)
        assert hosts_of(listing, "ns_inv_public") == ["inv-public/app@fr-par", "inv-public/app@nl-ams",
                                                      "inv-public/tools/cli"]
        assert "inv-other/batch" not in hosts_of(listing, "has_tags") and "inv-private/app" in hosts_of(listing, "has_tags")
        assert variable(listing, "inv-other/batch", "first_tag") == "none"
        assert "scaleway_region_fr_par" not in listing
        details = variable(listing, "inv-private/app", "registry_tag_details")
        assert [unsafe(detail["name"]) for detail in details] == ["v2"], details
        assert unsafe(details[0]["digest"]).startswith("sha256:")
        print("keyed_groups, groups, compose, strict and include_tags: ok")

        listing = inventory.list(regions=["fr-par"], namespaces=["inv-p*"], images=["app"])
        assert sorted(listing["_meta"]["hostvars"]) == ["inv-private/app", "inv-public/app"], listing["_meta"]["hostvars"]
        listing = inventory.list(visibility=["private"])
        assert sorted(listing["_meta"]["hostvars"]) == ["inv-private/app", "inv-public/tools/cli"]
        listing = inventory.list(visibility=["inherit"], regions=["fr-par", "pl-waw"])
        assert sorted(listing["_meta"]["hostvars"]) == ["inv-private/app", "inv-public/app"]
        listing = inventory.list(project_id=emulator.other_project)
        assert listing["_meta"]["hostvars"] == {}, "another organization's images stay invisible"
        print("filters: ok")

        cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile",
                 "cache_connection": os.path.join(directory, "cache"), "cache_timeout": 600}
        emulator.call("DELETE", "/_emulator/requests")
        first = inventory.list(**cache)
        fetched = len(emulator.requests())
        emulator.call("DELETE", "/_emulator/requests")
        second = inventory.list(**cache)
        assert fetched > 0 and emulator.requests() == [], "a cached run must send no request"
        assert second["_meta"]["hostvars"].keys() == first["_meta"]["hostvars"].keys()
        print("cache: ok (%d requests, then none)" % fetched)

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
        print("503s retried, no host lost: ok (%d of %d answers were 503)" % (answered.count(503), len(answered)))
    emulator.call("POST", "/_emulator/reset", {"chapter": "inventory"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
