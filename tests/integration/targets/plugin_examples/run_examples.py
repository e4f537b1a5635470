"""Runs the EXAMPLES of every module and of the inventory plugin, as written, against the emulator.

    python run_examples.py INTEGRATION_CONFIG

The EXAMPLES are read with ansible-doc, as users see them. Each module's examples become the tasks of one play on
this host, run on a world seeded with the namespaces, images, tags and ids they name (world.yml):
- in check mode, where they must change nothing, neither in the emulator nor in the scratch home;
- then for real, each task preceded by itself in check mode, whose prediction (changed or not) must come true.
Both runs must run every task, fail none, and draw no warning. The connection comes from the SCW_* variables, as in
a user's shell, and what the examples change on the host lands in a scratch home. The inventory plugin's example is
listed with ansible-inventory, and its hosts, groups, variables and cache are checked.

Two settings stand in for what this machine is not, as module_defaults of the play:
- scaleway.registry.credential_helper installs into the scratch home's bin, not /usr/local/bin;
- scaleway.registry.login logs into the emulator's registry for fr-par, because rg.<region>.scw.cloud cannot be
  reached offline, and without TLS, which the emulator's registries do not serve.
Become is off: the examples run as the user who runs the test, in the scratch home.
"""

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# What a cluster would answer kubernetes.core.k8s_info in the filter's examples: a pod list with Scaleway images.
PODS = os.path.join(HERE, "..", "..", "..", "unit", "plugins", "filter", "fixtures", "scaleway_pods.json")
RECAP = re.compile(
    r"^localhost\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+"
    r"skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)",
    re.M,
)


class Emulator:
    def __init__(self, config):
        self.url = config["scw_api_url"]
        self.secret_key = config["scw_secret_key"]
        # The project the examples name, a second one of the key's organization.
        self.project_id = config["scw_second_project_id"]
        # The key's organization: the id of its default project, as on Scaleway.
        self.organization_id = config["scw_project_id"]
        self.registries = config["scw_registries"]

    def admin(self, method, path, body=None):
        # The admin endpoints are never faulted, even in a chaos run: no retry.
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + "/_emulator/" + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"{}")

    def start_chapter(self, name, world):
        """Forgets everything (closing the journal's chapter `name`), then seeds the world."""
        self.admin("POST", "reset", {"chapter": name})
        self.admin("POST", "seed", world)

    def state(self):
        return self.admin("GET", "state")


def documented(plugin_type, environment):
    """{name: EXAMPLES} of the collection's plugins of one type, as ansible-doc shows them to users."""

    def ansible_doc(*arguments):
        run = subprocess.run(
            ["ansible-doc", "-t", plugin_type, "--json", *arguments],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
        if run.returncode != 0:
            raise SystemExit("ansible-doc {} failed:\n{}".format(" ".join(arguments), run.stderr))
        return json.loads(run.stdout)

    names = sorted(ansible_doc("-l", "scaleway.registry"))
    return {name.split(".")[-1]: doc["examples"] for name, doc in ansible_doc(*names).items()} if names else {}


def predicting(tasks):
    """The tasks, each module call preceded by itself in check mode and followed by a check that the prediction
    (changed or not) came true. A prediction can only be checked task by task: in a check run, a task cannot see
    what the tasks before it would have changed."""
    result = []
    for number, task in enumerate(tasks):
        if "ansible.builtin.debug" in task:
            result.append(task)
            continue
        registered = task.get("register") or f"example_result_{number}"
        result.append(
            dict(
                task,
                name="{} (check mode)".format(task["name"]),
                check_mode=True,
                register=f"example_prediction_{number}",
            )
        )
        result.append(dict(task, register=registered))
        result.append(
            {
                "name": "Check mode predicted whether it changed",
                "ansible.builtin.assert": {
                    "that": [f"example_prediction_{number}.changed == {registered}.changed"],
                    "quiet": True,
                },
            }
        )
    return result


def files_under(directory):
    found = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, directory)] = handle.read()
    return found


class Runner:
    def __init__(self, emulator, scratch):
        self.emulator = emulator
        self.scratch = scratch
        self.home = os.path.join(scratch, "home")
        self.bin = os.path.join(self.home, "bin")
        self.inventory = os.path.join(scratch, "hosts")
        with open(self.inventory, "w", encoding="utf-8") as handle:
            handle.write(
                f"localhost ansible_connection=local ansible_python_interpreter={sys.executable} ansible_become=false\n"
            )
        with open(os.path.join(HERE, "world.yml"), encoding="utf-8") as handle:
            self.world = yaml.safe_load(handle)
        # The IAM objects of the world (the application that `access` names) are the key's organization's.
        for kind in ("applications", "policies", "api_keys"):
            for item in self.world.get(kind, []):
                item.setdefault("organization_id", emulator.organization_id)
        registry = emulator.registries["fr-par"]
        self.defaults = {
            "scaleway.registry.credential_helper": {"path": self.bin},
            "scaleway.registry.login": {"registry": registry, "tls_verify": False},
        }
        self.environment = dict(
            os.environ,
            SCW_API_URL=emulator.url,
            SCW_SECRET_KEY=emulator.secret_key,
            SCW_DEFAULT_PROJECT_ID=emulator.project_id,
            SCW_DEFAULT_ORGANIZATION_ID=emulator.organization_id,
            HOME=self.home,
            XDG_RUNTIME_DIR=os.path.join(scratch, "run"),
            PATH=self.bin + os.pathsep + os.environ["PATH"],
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            ANSIBLE_NOCOLOR="true",
            ANSIBLE_FORCE_COLOR="false",
        )
        for variable in (
            "DOCKER_CONFIG",
            "REGISTRY_AUTH_FILE",
            "SCW_PROFILE",
            "SCW_CONFIG_PATH",
            "SCW_DEFAULT_REGION",
            "SCW_DEFAULT_ZONE",
            "ANSIBLE_PLAYBOOK_DIR",
        ):
            self.environment.pop(variable, None)
        # podman's default auth file is in XDG_RUNTIME_DIR.
        os.makedirs(self.environment["XDG_RUNTIME_DIR"], mode=0o700)
        os.makedirs(self.home)

    def playbook(self, name, tasks):
        """A play on this host whose tasks are `tasks`: the EXAMPLES text as written, or a list of tasks."""
        header = yaml.safe_dump(
            [
                {
                    "name": f"EXAMPLES of scaleway.registry.{name}",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "module_defaults": self.defaults,
                }
            ],
            sort_keys=False,
        )
        if not isinstance(tasks, str):
            tasks = yaml.safe_dump(tasks, sort_keys=False, width=120)
        body = "".join("    " + line if line.strip() else "\n" for line in tasks.strip("\n").splitlines(True))
        path = os.path.join(self.scratch, f"{name}.yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(header.rstrip("\n") + "\n  tasks:\n" + body + "\n")
        return path

    def run(self, path, *options):
        command = ["ansible-playbook", "-i", self.inventory, path, *options]
        run = subprocess.run(
            command, capture_output=True, text=True, env=self.environment, check=False, cwd=self.scratch
        )
        recap = RECAP.search(run.stdout)
        if run.returncode != 0 or not recap:
            raise SystemExit(
                f"{' '.join(command[3:])} failed (exit status {run.returncode}):\n{run.stdout}{run.stderr}"
            )
        recap = dict(
            zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"), map(int, recap.groups()))
        )
        # An example that runs as written draws no warning (deprecations, paths missing from PATH, ...).
        assert "[WARNING]" not in run.stdout + run.stderr, f"{path} warned:\n{run.stdout}{run.stderr}"
        return recap, run.stdout

    def check_module(self, name, examples):
        """The examples in check mode change nothing; then each one, first in check mode, predicts its own run."""
        tasks = yaml.safe_load(examples)
        self.emulator.start_chapter(f"plugin_examples {name} check", self.world)
        state, files = self.emulator.state(), files_under(self.home)
        recap, output = self.run(self.playbook(name, examples), "--check", "--diff")
        everything_ran = dict(ok=len(tasks), unreachable=0, failed=0, skipped=0, rescued=0, ignored=0)
        assert dict(recap, changed=None) == dict(everything_ran, changed=None), (recap, output)
        assert self.emulator.state() == state, f"{name}: check mode changed the emulator's state\n{output}"
        assert files_under(self.home) == files, f"{name}: check mode changed files on the host\n{output}"

        self.emulator.start_chapter(f"plugin_examples {name}", self.world)
        predicted = predicting(tasks)
        recap, output = self.run(self.playbook(name, predicted))
        assert dict(recap, changed=None) == dict(everything_ran, ok=len(predicted), changed=None), (recap, output)
        # The check-mode copies changed exactly when their tasks did.
        print(f"{name:<18} {len(tasks)} tasks, {recap['changed'] // 2} changed, each as its check mode predicted")

    def check_filter(self, name, examples):
        """A filter's examples, run as a module's are, with what they ask a cluster (kubernetes.core.k8s_info)
        set from a recorded pod list: this machine has no cluster."""
        with open(PODS, encoding="utf-8") as handle:
            pods = json.load(handle)
        tasks = yaml.safe_load(examples)
        for index, task in enumerate(tasks):
            if "kubernetes.core.k8s_info" in task:
                answer = {task["register"]: {"resources": pods["items"]}}
                tasks[index] = {"name": task["name"], "ansible.builtin.set_fact": answer}
        self.check_module(name, yaml.safe_dump(tasks, sort_keys=False))

    def check_inventory(self, examples):
        # The example's first line names its file, whose name the plugin needs.
        filename = examples.strip().splitlines()[0].lstrip("# ").strip()
        path = os.path.join(self.scratch, filename)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(examples)
        self.emulator.start_chapter("plugin_examples images inventory", self.world)
        environment = dict(
            self.environment,
            ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
            ANSIBLE_INVENTORY_ENABLED="scaleway.registry.images",
        )
        run = subprocess.run(
            ["ansible-inventory", "-i", path, "--list"],
            capture_output=True,
            text=True,
            env=environment,
            cwd=self.scratch,
            check=False,
        )
        if run.returncode != 0:
            raise SystemExit(f"ansible-inventory -i {filename} failed:\n{run.stdout}{run.stderr}")
        listing = json.loads(run.stdout)
        config = yaml.safe_load(examples)
        # Each image of the world the example's regions and namespaces select, and whether it is "old".
        expected = {
            "{}/{}".format(image["namespace"], image["name"]): image["updated_at"] < "2026-01-01"
            for image in self.world["images"]
            if image["region"] in config["regions"]
            and any(fnmatch.fnmatchcase(image["namespace"], pattern) for pattern in config["namespaces"])
        }
        found = {
            host.split("--", 1)[-1]: variables.get("old") for host, variables in listing["_meta"]["hostvars"].items()
        }
        assert found == expected, f"the inventory example lists {found}, not {expected}"
        for namespace in {name.split("/")[0] for name in expected}:
            group = "team_" + namespace.replace("-", "_")
            assert group in listing, f"no group {group} in {sorted(listing)}"
        cache = os.path.join(self.home, ".cache", "scaleway-registry-inventory")
        assert os.listdir(cache), "the inventory cache is empty"
        print(f"{'images (inventory)':<18} {len(found)} images, cached in ~/.cache")


def main():
    config_path = sys.argv[1]
    with open(config_path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    emulator = Emulator(config)
    scratch = tempfile.mkdtemp(prefix="plugin-examples.")
    try:
        runner = Runner(emulator, scratch)
        # Modules, filters and inventory plugins have examples to run; a plugin of another type needs a runner here.
        for plugin_type in ("lookup", "test"):
            assert not documented(plugin_type, runner.environment), (
                f"no runner for the examples of {plugin_type} plugins"
            )
        modules = documented("module", runner.environment)
        assert modules, "ansible-doc lists no module of scaleway.registry"
        for name, examples in sorted(modules.items()):
            runner.check_module(name, examples)
        for name, examples in sorted(documented("filter", runner.environment).items()):
            runner.check_filter(name, examples)
        inventories = documented("inventory", runner.environment)
        assert list(inventories) == ["images"], inventories
        runner.check_inventory(inventories["images"])
    finally:
        # Leave the emulator empty, for the targets that list whole regions.
        emulator.admin("POST", "reset", {"chapter": "plugin_examples end"})
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
