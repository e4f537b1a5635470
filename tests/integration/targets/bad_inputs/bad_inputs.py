"""Bad inputs, across every module and the inventory plugin: one table, one run.

Each row runs one module (in a playbook of one task) or the inventory plugin (with ansible-inventory), and
must fail with one line that holds the expected words, with no traceback. Rows marked local must fail before
sending any request: they are pointed at a tripwire API of their own, which records and refuses any request,
and run a few at a time. The other rows run one after the other against the emulator, whose state must be
exactly as it was after each.
An API answer row sets the emulator's faults for that row only; the other rows run under the faults the
emulator started with (none, or a chaos run's), which the module must see through. In a chaos run, only those
rows run: a local row sends no request, and a row with faults of its own replaces the chaos run's, so both would
only repeat the run without faults.

    python bad_inputs.py INTEGRATION_CONFIG
"""

import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

UUID = "99999999-9999-4999-8999-999999999999"

# (case, module or "inventory", arguments, words the message must hold, local: fails before any request,
#  emulator faults during the row). Arguments and words may name the scratch paths and the organization of the
#  emulator's key ({directory}, {organization}...: see files()).
TABLE = [
    # wrong types and unknown choices
    ("name of the wrong type", "namespace", {"name": ["a", "b"]}, "name", True, None),
    ("is_public that is no boolean", "namespace", {"name": "team-x", "is_public": "maybe"}, "is_public", True, None),
    (
        "wait_timeout that is no number",
        "namespace",
        {"name": "team-x", "wait_timeout": "soon"},
        "wait_timeout",
        True,
        None,
    ),
    ("an unknown state", "namespace", {"name": "team-x", "state": "gone"}, "value of state must be one of", True, None),
    ("an unknown option", "namespace", {"name": "team-x", "size": 1}, "Unsupported parameters", True, None),
    ("an unknown order", "namespace_info", {"order_by": "size_desc"}, "value of order_by must be one of", True, None),
    (
        "an unknown visibility",
        "image",
        {"namespace": "team-x", "name": "app", "visibility": "secret"},
        "value of visibility must be one of: inherit, public, private, got: secret",
        True,
        None,
    ),
    ("include_tags that is no boolean", "image_info", {"include_tags": "perhaps"}, "include_tags", True, None),
    (
        "an unknown credential source",
        "credential_helper",
        {"source": "vault"},
        "value of source must be one of",
        True,
        None,
    ),
    ("an unknown login program", "login", {"program": "nerdctl"}, "value of program must be one of", True, None),
    # invalid regions
    (
        "an unknown region",
        "namespace",
        {"name": "team-x", "region": "mars-1"},
        "region 'mars-1' from the region option is not a Scaleway Container Registry region",
        True,
        None,
    ),
    ("an unknown region for a listing", "namespace_info", {"region": "us-east"}, "region 'us-east' is not", True, None),
    (
        "an unknown region in a list",
        "cleanup",
        {"region": ["fr-par", "mars-1"], "keep_last": 1},
        "region 'mars-1' is not",
        True,
        None,
    ),
    (
        "an unknown region for the helper",
        "credential_helper",
        {"region": ["mars-1"]},
        "region 'mars-1' is not a Scaleway Container Registry region; use fr-par, nl-ams, pl-waw, it-mil or all",
        True,
        None,
    ),
    ("an unknown region to log into", "login", {"region": ["mars-1"]}, "region 'mars-1' is not", True, None),
    ("an unknown region for the inventory", "inventory", {"regions": ["mars-1"]}, "region 'mars-1' is not", True, None),
    # malformed UUIDs
    ("a malformed namespace_id", "namespace_info", {"namespace_id": "ns-1"}, "namespace_id must be a UUID", True, None),
    ("a malformed image id", "image", {"id": "img-1"}, "id must be a UUID", True, None),
    ("a malformed image_id", "image_info", {"image_id": "img-1"}, "image_id must be a UUID", True, None),
    ("a malformed tag id", "tag_info", {"id": "tag-1"}, "id must be a UUID", True, None),
    (
        "a malformed project_id",
        "namespace",
        {"name": "team-x", "project_id": "my-project"},
        "project_id from the project_id option is not a project id",
        True,
        None,
    ),
    (
        "a malformed secret key",
        "namespace_info",
        {"secret_key": "hunter2"},
        "secret_key from the secret_key option is not a Scaleway secret key",
        True,
        None,
    ),
    # invalid names
    ("an uppercase namespace name", "namespace", {"name": "TeamX"}, "may only hold lowercase letters", True, None),
    (
        "access without an organization",
        "access",
        {"name": "fleet"},
        "and none is known: set organization_id",
        True,
        None,
    ),
    (
        "access with a project that is not a UUID",
        "access",
        {"name": "fleet", "organization_id": UUID, "project_ids": ["my-project"]},
        "project_ids must be project UUIDs, not 'my-project'",
        True,
        None,
    ),
    (
        "an underscore in a namespace name",
        "namespace",
        {"name": "team_x"},
        "may only hold lowercase letters",
        True,
        None,
    ),
    ("too short a namespace name", "namespace", {"name": "abc"}, "must be 4 to 54 characters long", True, None),
    # conflicting or missing options
    ("a namespace without a name", "namespace", {}, "missing required arguments: name", True, None),
    (
        "both an image id and a name",
        "image",
        {"id": UUID, "namespace": "team-x", "name": "app"},
        "parameters are mutually exclusive",
        True,
        None,
    ),
    ("an image name without its namespace", "image", {"name": "app"}, "parameters are required together", True, None),
    (
        "a tag image by name without a namespace",
        "tag",
        {"image": "app", "name": "v1"},
        "image app is a name: give its namespace too",
        True,
        None,
    ),
    ("tags of nothing", "tag_info", {}, "one of the following is required: id, image", True, None),
    (
        "a cleanup without any rule",
        "cleanup",
        {"namespaces": ["team-x"]},
        "one of the following is required",
        True,
        None,
    ),
    (
        "a cleanup with no concurrency",
        "cleanup",
        {"keep_last": 1, "concurrency": 0},
        "concurrency must be 1 or more",
        True,
        None,
    ),
    # invalid regexes and durations
    (
        "an invalid keep regex",
        "cleanup",
        {"keep_tags": ["^v(1"]},
        "keep_tags: '^v(1' is not a valid regular expression",
        True,
        None,
    ),
    (
        "an invalid delete regex",
        "cleanup",
        {"delete_tags": ["[a-"]},
        "delete_tags: '[a-' is not a valid regular",
        True,
        None,
    ),
    ("an invalid duration", "cleanup", {"older_than": "30 days"}, "older_than '30 days' is not a duration", True, None),
    ("a zero duration", "cleanup", {"older_than": "0d"}, "older_than '0d' is zero", True, None),
    (
        "a duration in m, minutes or months",
        "cleanup",
        {"older_than": "3m"},
        "older_than 3m: minutes or months? write 3min, or 90d for about three months",
        True,
        None,
    ),
    (
        "a duration in months",
        "cleanup",
        {"older_than": "6M"},
        "older_than 6M: months and years have no fixed length; write days, such as 180d for about six months",
        True,
        None,
    ),
    ("a negative keep_last", "cleanup", {"keep_last": -2}, "keep_last must be 0 or more", True, None),
    (
        "a reference without its registry host",
        "cleanup",
        {"keep_last": 1, "keep_references": ["team-web/app:v1"]},
        "keep_references: 'team-web/app:v1' names no registry host",
        True,
        None,
    ),
    (
        "a reference in capitals",
        "cleanup",
        {"keep_last": 1, "keep_references": ["rg.fr-par.scw.cloud/Team-Web/app:v1"]},
        "is not an image reference (a repository name is lower case)",
        True,
        None,
    ),
    (
        "a digest that is not sha256 and 64 hex characters",
        "cleanup",
        {"keep_last": 1, "keep_references": ["rg.fr-par.scw.cloud/team-web/app@sha256:1234"]},
        "has the digest 'sha256:1234', which is not sha256: followed by 64 lower-case hex characters",
        True,
        None,
    ),
    (
        "a glob that is no regex",
        "cleanup",
        {"delete_tags": ["*-rc"]},
        "delete_tags: '*-rc' is not a valid regular expression: nothing to repeat at position 0; did you mean '.*-rc'?",
        True,
        None,
    ),
    # an empty scope list, as a template that came out empty gives: not "everything"
    (
        "an empty namespaces list",
        "cleanup",
        {"namespaces": [], "keep_last": 1},
        "namespaces is an empty list (a template that came out empty?): give at least one, or leave namespaces out",
        True,
        None,
    ),
    (
        "an empty images list",
        "cleanup",
        {"images": [], "keep_last": 1},
        "images is an empty list (a template that came out empty?): give at least one, or leave images out",
        True,
        None,
    ),
    # ansible-core 2.17 and 2.18 wrap the inventory's message at 80 columns: words from its first line.
    (
        "an empty namespaces list for the inventory",
        "inventory",
        {"namespaces": []},
        "namespaces is an empty list",
        True,
        None,
    ),
    ("an empty images list for the inventory", "inventory", {"images": []}, "images is an empty list", True, None),
    # a scope entry that names nothing: a typo, caught once the namespaces and images are listed
    (
        "a misspelled namespace",
        "cleanup",
        {"namespaces": ["demo-appz"], "keep_last": 5},
        "namespaces: 'demo-appz' matches no namespace in fr-par",
        False,
        None,
    ),
    (
        "a misspelled image",
        "cleanup",
        {"images": ["team/ap"], "keep_last": 5},
        "images: 'team/ap' matches no image in fr-par",
        False,
        None,
    ),
    # profiles and config files
    (
        "an unknown profile",
        "namespace_info",
        {"profile": "staging", "config_file": "{config}"},
        "profile 'staging' does not exist",
        True,
        None,
    ),
    (
        "an unreadable config file",
        "namespace_info",
        {"config_file": "{directory}"},
        "cannot read scw config file",
        True,
        None,
    ),
    ("a malformed config file", "namespace_info", {"config_file": "{broken}"}, "is not valid YAML", True, None),
    ("a missing config file", "namespace_info", {"config_file": "{directory}/none.yaml"}, "does not exist", True, None),
    (
        "no secret key anywhere",
        "namespace_info",
        {"secret_key": None, "config_file": "{empty}"},
        "no Scaleway secret key found",
        True,
        None,
    ),
    (
        "no secret key anywhere, for a login",
        "login",
        {"secret_key": None, "config_file": "{empty}"},
        "no Scaleway secret key found",
        True,
        None,
    ),
    # what the modules that run on hosts refuse to touch
    (
        "a registry that is an option",
        "login",
        {"registry": "--config=/tmp/x"},
        "registry: '--config=/tmp/x' is not a registry host; write host or host:port",
        True,
        None,
    ),
    (
        "a registry that is a URL, for the helper",
        "credential_helper",
        {"registries": ["https://rg.example.com/v2"]},
        "registries: 'https://rg.example.com/v2' is not a registry host",
        True,
        None,
    ),
    (
        "a registry that is a repository, for the images in use",
        "images_in_use_info",
        # It takes no connection option: none is added to its arguments.
        {"registries": ["rg.fr-par.scw.cloud/my-team"], "api_url": None, "secret_key": None},
        "registries: 'rg.fr-par.scw.cloud/my-team' is not a registry host; write host or host:port",
        True,
        None,
    ),
    (
        "a secret file in a directory others may write into",
        "credential_helper",
        {"path": "{directory}/bin", "secret_file": "{open}/secret", "docker_configs": ["{directory}/docker.json"]},
        "open is writable by others (mode 0777), who could replace a file the module writes there",
        True,
        None,
    ),
    (
        "a helper_python that is not there",
        "credential_helper",
        {
            "path": "{directory}/bin",
            "helper_python": "/opt/none/python3",
            "docker_configs": ["{directory}/docker.json"],
        },
        "helper_python /opt/none/python3 is not an executable on this host: install Python 3 there",
        True,
        None,
    ),
    (
        "a secret file that is a link",
        "credential_helper",
        {"path": "{directory}/bin", "secret_file": "{link}", "docker_configs": ["{directory}/docker.json"]},
        "link is a symbolic link; the module keeps this file as a regular file only",
        True,
        None,
    ),
    # a key of the host's own (access): checked on the controller before anything runs on the host
    (
        "a malformed key_lifetime",
        "login",
        {"access": "fleet", "key_lifetime": "90 days", "config_path": "{directory}/docker"},
        "key_lifetime '90 days' is not a duration: write a number and a unit among w, d, h, min and s",
        True,
        None,
    ),
    (
        "a key_renew_before in months",
        "credential_helper",
        {
            "access": "fleet",
            "key_renew_before": "1M",
            "path": "{directory}/bin",
            "docker_configs": ["{directory}/docker.json"],
        },
        "key_renew_before 1M: months and years have no fixed length; write days, such as 30d for about one month",
        True,
        None,
    ),
    (
        "a key_lifetime in m, minutes or months",
        "login",
        {"access": "fleet", "key_lifetime": "6m", "config_path": "{directory}/docker"},
        "key_lifetime 6m: minutes or months? write 6min, or 180d for about six months",
        True,
        None,
    ),
    (
        "a zero key_renew_before",
        "login",
        {"access": "fleet", "key_renew_before": "0h", "config_path": "{directory}/docker"},
        "key_renew_before '0h' is zero: a key would be replaced only once it has expired",
        True,
        None,
    ),
    (
        "a key_renew_before not shorter than key_lifetime",
        "credential_helper",
        {
            "access": "fleet",
            "key_lifetime": "7d",
            "key_renew_before": "168h",
            "path": "{directory}/bin",
            "docker_configs": ["{directory}/docker.json"],
        },
        "key_renew_before (168h) must be shorter than key_lifetime (7d), or every run would issue a new key",
        True,
        None,
    ),
    (
        "a key_renew_before longer than the default key_lifetime",
        "login",
        {"access": "fleet", "key_renew_before": "100d", "config_path": "{directory}/docker"},
        "key_renew_before (100d) must be shorter than key_lifetime (90d)",
        True,
        None,
    ),
    (
        "access with a helper that reads the host's scw config",
        "credential_helper",
        {
            "access": "fleet",
            "source": "scw_config",
            "path": "{directory}/bin",
            "docker_configs": ["{directory}/docker.json"],
        },
        "access gives each host a key of its own, which the helper keeps in its secret_file: it needs source: file"
        " (the default), not source: scw_config",
        True,
        None,
    ),
    (
        "access without an organization, for a login",
        "login",
        {"access": "fleet", "config_path": "{directory}/docker"},
        "the IAM application belongs to an organization, and none is known: set organization_id",
        True,
        None,
    ),
    # what the API answers
    ("a 400", "namespace", {"name": "team-x"}, "invalid argument(s)", False, "400=1"),
    (
        "a wrong secret key: 401",
        "namespace_info",
        {"secret_key": "12345678-1234-4234-8234-123456789012"},
        "authentication is denied (HTTP 401",
        False,
        None,
    ),
    (
        "a wrong secret key: 401, to the inventory",
        "inventory",
        {"secret_key": "12345678-1234-4234-8234-123456789012"},
        "authentication is denied (HTTP 401",
        False,
        None,
    ),
    ("a 403", "image_info", {}, "insufficient permissions (HTTP 403, permissions_denied", False, "403=1"),
    (
        "a key without IAM rights, to access",
        "access",
        {"name": "fleet", "organization_id": UUID, "project_ids": [UUID]},
        "has no IAM rights; this module needs a key with IAMManager, or an owner's key",
        False,
        "403=1",
    ),
    (
        "a controller key without IAM rights, for the helper's access",
        "credential_helper",
        {
            "access": "fleet",
            "organization_id": UUID,
            "path": "{directory}/bin",
            "docker_configs": ["{directory}/docker.json"],
        },
        "has no IAM rights; access needs a key with IAMManager, or an owner's key",
        False,
        "403=1",
    ),
    (
        "a controller key without IAM rights, for the login's access",
        "login",
        {"access": "fleet", "organization_id": UUID, "config_path": "{directory}/docker"},
        "has no IAM rights; access needs a key with IAMManager, or an owner's key",
        False,
        "403=1",
    ),
    (
        "an application that does not exist, for the helper",
        "credential_helper",
        {
            "access": "no-such-fleet",
            "organization_id": "{organization}",
            "path": "{directory}/bin",
            "docker_configs": ["{directory}/docker.json"],
        },
        "no IAM application no-such-fleet in organization {organization}: create it, and its policy, with the"
        " scaleway.registry.access module first",
        False,
        None,
    ),
    (
        "an application that does not exist, for the login",
        "login",
        {"access": "no-such-fleet", "organization_id": "{organization}", "config_path": "{directory}/docker"},
        "no IAM application no-such-fleet in organization",
        False,
        None,
    ),
    ("a 404: a tag that does not exist", "tag", {"id": UUID}, "does not exist in fr-par", False, None),
    ("a 409", "namespace_info", {}, "resource is in a transient state (HTTP 409, transient_state", False, "409=1"),
    (
        "a 429 that never ends",
        "namespace_info",
        {},
        "rate limited by the Scaleway API gateway (gave up after",
        False,
        "429=1",
    ),
    ("a 500 that never ends", "namespace", {"name": "team-x"}, "(gave up after 10 attempts) (HTTP 500", False, "500=1"),
    ("a truncated answer", "namespace_info", {}, "the connection was closed without an answer", False, "truncated=1"),
    ("an answer that is not JSON", "tag_info", {"image": UUID}, "a body that is not a JSON object", False, "notjson=1"),
    (
        "an answer that redirects",
        "namespace_info",
        {},
        "answered with a redirect, which is not followed: check api_url",
        False,
        "redirect=1",
    ),
    # The namespaces and the images are listed at the same time: the fault goes to whichever request comes first.
    (
        "a listing that claims a trillion objects",
        "image_info",
        {},
        "with total_count 1000000000000, which is not between 0 and 1000000",
        False,
        "hugecount=1",
    ),
]


Row = collections.namedtuple("Row", "number case module arguments words local faults")


class Emulator:
    def __init__(self, url):
        self.url = url

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_emulator/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read() or b"{}")


class Tripwire:
    """The API of the local rows: it records each request under the row's path prefix, and refuses it at once
    (400, never retried), so that a row which sends one is caught and named."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def refuse(self):
                received.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps({"message": "tripwire: no request was expected", "type": "invalid_arguments"})
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body.encode())

            do_GET = do_POST = do_PATCH = do_DELETE = refuse

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, number):
        return f"http://127.0.0.1:{self.server.server_address[1]}/row-{number}"

    def requests(self, number):
        return [path for path in self.received if path.startswith(f"/row-{number}/")]


def files(directory, config):
    paths = {
        "directory": directory,
        # the organization of the emulator's key, whose default project has its id
        "organization": config["scw_project_id"],
        "config": os.path.join(directory, "config.yaml"),
        "broken": os.path.join(directory, "broken.yaml"),
        "empty": os.path.join(directory, "empty.yaml"),
        "open": os.path.join(directory, "open"),
        "link": os.path.join(directory, "link"),
    }
    os.mkdir(paths["open"])
    os.chmod(paths["open"], 0o777)
    os.symlink(os.path.join(directory, "notes.txt"), paths["link"])
    contents = {
        "config": yaml.safe_dump({"secret_key": config["scw_secret_key"], "profiles": {"ci": {}}}),
        "broken": "secret_key: [unclosed\n",
        "empty": "",
    }
    for name, content in contents.items():
        descriptor = os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(content)
    return paths


def filled(arguments, paths):
    """The row's arguments with the scratch paths in; a None removes an argument the runner would add."""

    def fill(value):
        if isinstance(value, list):
            return [fill(item) for item in value]
        return value.format(**paths) if isinstance(value, str) else value

    return {key: fill(value) for key, value in arguments.items()}


def run_module(number, module, arguments, config, environment, directory):
    args = dict({"api_url": config["scw_api_url"], "secret_key": config["scw_secret_key"]}, **arguments)
    args = {key: value for key, value in args.items() if value is not None}
    # A playbook of one task, private to this user: no key is on a command line.
    playbook = os.path.join(directory, f"row-{number}.yml")
    descriptor = os.open(playbook, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        yaml.safe_dump(
            [{"hosts": "localhost", "gather_facts": False, "tasks": [{"scaleway.registry." + module: args}]}], handle
        )
    run = subprocess.run(["ansible-playbook", playbook], capture_output=True, text=True, env=environment, check=False)
    output = run.stdout + run.stderr
    start = output.find("=> {")
    try:
        result = json.loads(output[start + 3 : output.rindex("}") + 1]) if start >= 0 else {}
    except ValueError:
        result = {}
    return run.returncode, result.get("msg", output), output


def run_inventory(number, arguments, config, environment, directory):
    path = os.path.join(directory, f"row-{number}.scaleway_images.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(
            dict({"plugin": "scaleway.registry.images", "api_url": config["scw_api_url"]}, **arguments), handle
        )
    run = subprocess.run(
        ["ansible-inventory", "-i", path, "--list"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(
            environment,
            SCW_SECRET_KEY=config["scw_secret_key"],
            ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
            ANSIBLE_INVENTORY_ENABLED="scaleway.registry.images",
        ),
    )
    output = run.stdout + run.stderr
    line = next((text for text in output.splitlines() if "scaleway.registry.images inventory:" in text), output)
    return run.returncode, line[line.find("scaleway.registry.images inventory:") :], output


def run_row(row, config, environment, paths):
    arguments = filled(row.arguments, paths)
    if row.module == "inventory":
        return run_inventory(row.number, arguments, config, environment, paths["directory"])
    return run_module(row.number, row.module, arguments, config, environment, paths["directory"])


def problems_of(words, code, message, output):
    return [
        problem
        for problem, bad in (
            ("it did not fail", code == 0),
            (f"the message lacks {words!r}", words not in message),
            ("the message is more than one line", "\n" in message.strip()),
            ("a traceback was shown", "Traceback" in output),
        )
        if bad
    ]


def main():
    with open(sys.argv[1]) as handle:
        config = yaml.safe_load(handle)
    emulator = Emulator(config["scw_api_url"])
    assert len(TABLE) >= 40, "the table must try at least 40 bad inputs"
    # In a chaos run, only the rows that meet its faults run: see the docstring.
    chaos = bool(config.get("scw_faults"))
    rows = [Row(number, *row) for number, row in enumerate(TABLE)]
    rows = [row for row in rows if not (chaos and (row.local or row.faults))]
    tripwire = Tripwire()
    outcomes = {}
    with tempfile.TemporaryDirectory() as directory:
        paths = files(directory, config)
        home = os.path.join(directory, "home")
        os.mkdir(home)
        environment = dict(
            os.environ,
            HOME=home,
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_STDOUT_CALLBACK="minimal",
            ANSIBLE_DISPLAY_TRACEBACK="never",
        )
        environment.pop("ANSIBLE_PLAYBOOK_DIR", None)

        def local_row(row):
            local_config = dict(config, scw_api_url=tripwire.url(row.number))
            code, message, output = run_row(row, local_config, environment, paths)
            sent = tripwire.requests(row.number)
            outcomes[row.number] = (
                message,
                problems_of(row.words.format(**paths), code, message, output)
                + ([f"it sent {len(sent)} requests before failing"] if sent else []),
                output,
            )

        # The local rows, a few at a time, while the API rows take the emulator one after the other.
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            pending = [pool.submit(local_row, row) for row in rows if row.local]
            for row in rows:
                if row.local:
                    continue
                before = emulator.admin("GET", "state")
                emulator.admin("PATCH", "config", {"faults": row.faults or config.get("scw_faults")})
                try:
                    code, message, output = run_row(row, config, environment, paths)
                finally:
                    emulator.admin("PATCH", "config", {"faults": config.get("scw_faults")})
                changed = emulator.admin("GET", "state") != before
                outcomes[row.number] = (
                    message,
                    problems_of(row.words.format(**paths), code, message, output)
                    + (["it changed the emulator's state"] if changed else []),
                    output,
                )
            for future in pending:
                future.result()
    tripwire.server.shutdown()

    failures = []
    for row in rows:
        message, problems, output = outcomes[row.number]
        print(f"{'ok' if not problems else 'FAIL':<4} {row.case:<45} {message.strip()[:150]}")
        if problems:
            failures.append("{}: {}\n{}".format(row.case, "; ".join(problems), output[-1500:]))
    if failures:
        print("\n\n".join(failures))
        return 1
    print(
        f"{len(rows)} bad inputs, each refused in one line, with no traceback and no change"
        + (" (the rows that meet the chaos run's faults)" if chaos else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
