# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""scaleway.registry.images_in_use_info, run in-process on a fake host: the engine commands it runs, and its result.

No engine runs: the module finds docker and podman on a PATH of stubs (never run), and AnsibleModule.run_command is
replaced by a recorder that answers each command with what the real engines printed (recorded on a test machine:
tests/unit/plugins/module_utils/fixtures/containers/README.md), or with an engine's failure.
"""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.plugins.modules import images_in_use_info
from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import run_module

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "module_utils", "fixtures", "containers")
RECORDED = "127.0.0.1:55881"
PARIS = "rg.fr-par.scw.cloud"
V1 = "sha256:e298864a85b21ac66769654a5a38807483d298b3c35dc1f496f7aed679575dc6"
V2 = "sha256:ef295f0be5d21e60101dff06ea9d0848527a98d25f3459a96fcd38faedd868b1"
# What the docker CLI 28.2.2 prints, with rc 1, when no daemon listens on its socket.
NO_DAEMON = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"


def recorded(name, registry=RECORDED):
    """A recorded output, its registry renamed (the recordings were made against the emulator's)."""
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read().replace(RECORDED, registry)


class Host:
    """A fake host: a PATH holding the programs named, and a recorder in place of run_command that answers
    `<engine> <subcommand>` (ps, container, image) as `answers` says, else with the engine's recorded output.
    A command run through the timeout program is recorded without it, and the timeout's arguments apart."""

    def __init__(self, tmp_path, programs=("docker", "podman"), registry=RECORDED):
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        for program in programs:
            path = self.bin / program
            path.write_text("#!/bin/sh\nexit 99\n")
            path.chmod(0o755)
        self.registry = registry
        self.calls = []
        self.bounds = []  # the `timeout -k 5 <seconds>` before each command, when the host has a timeout program
        self.answers = {}

    def recording(self, engine, subcommand):
        names = {"ps": "ps.jsonl" if engine == "docker" else "ps.json", "container": "container-inspect.json"}
        return 0, recorded(f"{engine}-{names.get(subcommand, 'image-inspect.json')}", self.registry), ""

    def run(self, args=None, check_mode=False):
        def run_command(_module, argv, **_kwargs):
            if os.path.basename(argv[0]) == "timeout":
                self.bounds.append(argv[:4])
                argv = argv[4:]
            self.calls.append(list(argv))
            engine, subcommand = os.path.basename(argv[0]), argv[1]
            return self.answers.get((engine, subcommand)) or self.recording(engine, subcommand)

        env = dict(os.environ, PATH=str(self.bin))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(AnsibleModule, "run_command", run_command)
            return run_module(images_in_use_info.main, args or {}, check_mode=check_mode, env=env)

    def engine_calls(self, engine):
        return [call[1:] for call in self.calls if os.path.basename(call[0]) == engine]


def ids(name, key):
    return [item[key] for item in json.loads(recorded(name))]


def engine(name, status="used", reason=None, containers=8):
    return {"name": name, "status": status, "reason": reason, "containers": containers}


def repositories(result):
    return sorted({(item["engine"], item["repository"]) for item in result["images"]})


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path, registry=PARIS)


# The engine commands


def test_runs_one_ps_one_container_inspect_and_one_image_inspect_per_engine_with_json_output(host):
    outcome = host.run()
    assert not outcome.failed, outcome
    assert host.engine_calls("docker") == [
        ["ps", "--all", "--no-trunc", "--format", "{{json .}}"],
        ["container", "inspect", *[json.loads(line)["ID"] for line in recorded("docker-ps.jsonl").splitlines()]],
        [
            "image",
            "inspect",
            *sorted({item["Image"][7:] for item in json.loads(recorded("docker-container-inspect.json"))}),
        ],
    ]
    assert host.engine_calls("podman") == [
        ["ps", "--all", "--format", "json"],
        ["container", "inspect", *ids("podman-ps.json", "Id")],
        ["image", "inspect", *sorted(set(ids("podman-ps.json", "ImageID")))],
    ]
    assert [os.path.dirname(call[0]) for call in host.calls] == [str(host.bin)] * 6
    assert outcome.result["engines"] == [engine("docker"), engine("podman")]
    assert outcome.warnings == []


def test_reports_the_scaleway_images_of_both_engines_and_the_references_to_keep(host):
    result = host.run().result
    assert result["changed"] is False
    app = f"{PARIS}/recorded/app"
    assert [item for item in result["images"] if item["reference"] in (f"{app}:v1", f"{app}@{V2}")] == [
        dict(
            reference=f"{app}:v1",
            repository=app,
            tag="v1",
            digest=V1,
            engine=engine,
            containers=names,
            running=False,
            reason=None,
        )
        for engine, names in (
            ("docker", ["dk-exited", "dk-id", "dk-tag"]),
            ("podman", ["rec-exited", "rec-id", "rec-tag"]),
        )
    ] + [
        dict(
            reference=f"{app}@{V2}",
            repository=app,
            tag=None,
            digest=V2,
            engine=engine,
            containers=[name],
            running=True,
            reason=None,
        )
        for engine, name in (("docker", "dk-digest"), ("podman", "rec-digest"))
    ]
    assert len(result["images"]) == 10
    assert result["references"] == sorted(result["references"])
    assert len(set(result["references"])) == len(result["references"])
    assert {f"{app}:v1", f"{app}@{V1}", f"{app}@{V2}", f"{app}:v3", f"{app}:v4"} <= set(result["references"])
    assert result["other_registries"] == {"docker.io": 2, "localhost": 1}


def test_runs_the_same_commands_and_gives_the_same_result_in_check_mode(host):
    result = host.run().result
    calls, host.calls = host.calls, []
    assert host.run(check_mode=True).result == result
    assert host.calls == calls


def test_inspects_nothing_when_an_engine_has_no_container(host):
    host.answers = {("docker", "ps"): (0, "", ""), ("podman", "ps"): (0, "[]\n", "")}
    result = host.run().result
    assert host.engine_calls("docker") == [["ps", "--all", "--no-trunc", "--format", "{{json .}}"]]
    assert host.engine_calls("podman") == [["ps", "--all", "--format", "json"]]
    assert result["images"] == [] and result["references"] == []
    assert result["engines"] == [engine("docker", containers=0), engine("podman", containers=0)]


# Engines that cannot be used


def test_skips_an_engine_that_is_not_installed_with_a_note(tmp_path):
    host = Host(tmp_path, programs=("podman",), registry=PARIS)
    outcome = host.run()
    assert not outcome.failed, outcome
    assert host.engine_calls("docker") == []
    assert outcome.result["engines"] == [
        engine("docker", "not installed", "docker is not in the PATH", 0),
        engine("podman"),
    ]
    assert {item["engine"] for item in outcome.result["images"]} == {"podman"}


def test_skips_nothing_but_notes_both_when_neither_engine_is_installed(tmp_path):
    outcome = Host(tmp_path, programs=()).run()
    assert not outcome.failed, outcome
    assert outcome.result == {
        "changed": False,
        "images": [],
        "references": [],
        "engines": [
            engine("docker", "not installed", "docker is not in the PATH", 0),
            engine("podman", "not installed", "podman is not in the PATH", 0),
        ],
        "other_registries": {},
    }


def test_skips_docker_when_its_daemon_does_not_run_with_what_docker_said(host):
    host.answers = {("docker", "ps"): (1, "", NO_DAEMON)}
    outcome = host.run()
    assert not outcome.failed, outcome
    assert host.engine_calls("docker") == [["ps", "--all", "--no-trunc", "--format", "{{json .}}"]]
    assert outcome.result["engines"] == [engine("docker", "not running", NO_DAEMON.strip(), 0), engine("podman")]
    assert {item["engine"] for item in outcome.result["images"]} == {"podman"}
    assert outcome.warnings == []


@pytest.mark.parametrize(
    "answers, reason",
    [
        (
            {("podman", "ps"): (125, "", "Error: database configuration mismatch\n")},
            "Error: database configuration mismatch",
        ),
        ({("podman", "ps"): (0, "CONTAINER ID  IMAGE\n", "")}, "ps --all printed no JSON: CONTAINER ID IMAGE"),
        (
            {("podman", "container"): (125, "", "Error: no space left\n")},
            "container inspect failed: Error: no space left",
        ),
        ({("podman", "image"): (125, "", "")}, "image inspect failed: exit status 125"),
    ],
)
def test_notes_an_engine_that_fails_otherwise_and_still_reports_the_other(host, answers, reason):
    host.answers = answers
    outcome = host.run()
    assert not outcome.failed, outcome
    assert outcome.result["engines"] == [engine("docker"), engine("podman", "error", reason, 0)]
    assert {item["engine"] for item in outcome.result["images"]} == {"docker"}


def test_bounds_each_engine_command_in_time_with_the_hosts_timeout_program(tmp_path):
    host = Host(tmp_path, programs=("docker", "podman", "timeout"), registry=PARIS)
    outcome = host.run({"timeout": 20})
    assert not outcome.failed, outcome
    assert host.bounds == [[str(host.bin / "timeout"), "-k", "5", "20"]] * 6
    assert [call[1] for call in host.calls] == ["ps", "container", "image"] * 2


@pytest.mark.parametrize(
    "answers, reason",
    [
        ({("docker", "ps"): (124, "", "")}, "docker ps --all gave no answer within 60 s"),
        ({("docker", "container"): (137, "", "")}, "docker container inspect gave no answer within 60 s"),
    ],
)
def test_notes_an_engine_that_gives_no_answer_in_time_and_still_reports_the_other(tmp_path, answers, reason):
    host = Host(tmp_path, programs=("docker", "podman", "timeout"), registry=PARIS)
    host.answers = answers
    outcome = host.run()
    assert not outcome.failed, outcome
    assert outcome.result["engines"] == [engine("docker", "error", reason, 0), engine("podman")]
    assert {item["engine"] for item in outcome.result["images"]} == {"podman"}


@pytest.mark.parametrize("seconds", [0, -5])
def test_refuses_a_timeout_that_is_no_time_in_one_line_before_running_anything(host, seconds):
    outcome = host.run({"timeout": seconds})
    assert outcome.result["msg"] == f"timeout: {seconds} is no time; give the seconds an engine command may take"
    assert host.calls == []


def podman_as_docker(host):
    """docker answering with podman's containers, as podman-docker's docker, or docker on podman's socket."""
    host.answers = {("docker", sub): host.recording("podman", sub) for sub in ("ps", "container", "image")}


def test_lists_once_under_podman_the_containers_that_a_docker_of_podman_shows(host):
    podman_as_docker(host)
    result = host.run().result
    assert result["engines"] == [
        engine("docker", "is podman", "its 8 containers are podman's", 0),
        engine("podman"),
    ]
    assert {item["engine"] for item in result["images"]} == {"podman"}
    assert result["other_registries"] == {"localhost": 1}  # podman's one container of localhost, counted once


def test_keeps_under_docker_the_containers_that_podman_does_not_show(host):
    podman_as_docker(host)
    shown = json.loads(recorded("podman-container-inspect.json", PARIS))
    host.answers[("podman", "container")] = (0, json.dumps(shown[1:]), "")
    result = host.run().result
    assert result["engines"] == [
        engine("docker", "used", "7 of its containers are podman's, listed there", 1),
        engine("podman", containers=7),
    ]
    assert {item["engine"] for item in result["images"] if shown[0]["Name"] in item["containers"]} == {"docker"}


def test_leaves_out_a_container_removed_between_ps_and_inspect(host):
    found = [
        item for item in json.loads(recorded("podman-container-inspect.json", PARIS)) if item["Name"] != "rec-digest"
    ]
    host.answers = {("podman", "container"): (125, json.dumps(found), "Error: no such container 076c15dc363b\n")}
    result = host.run().result
    assert engine("podman", containers=7) in result["engines"]
    assert not [item for item in result["images"] if "rec-digest" in item["containers"]]


# Containers that cannot be resolved


def test_lists_a_container_it_cannot_resolve_with_a_null_digest_and_a_reason(host):
    outcome = host.run()
    assert not outcome.failed
    unresolved = [item for item in outcome.result["images"] if item["digest"] is None]
    assert unresolved == [
        dict(
            reference=f"{PARIS}/recorded/local:dev",
            repository=f"{PARIS}/recorded/local",
            tag="dev",
            digest=None,
            engine="docker",
            containers=["dk-id", "dk-local"],
            running=False,
            reason=f"docker records no digest of {PARIS}/recorded/local for image 32bc940a7038: it was built or"
            " tagged on this host, and never pulled from or pushed to that repository",
        )
    ]
    assert f"{PARIS}/recorded/local:dev" in outcome.result["references"]


def test_lists_the_containers_whose_image_went_away_with_a_null_digest(host):
    host.answers = {("docker", "image"): (1, "[]\n", "Error response from daemon: No such image\n")}
    outcome = host.run()
    assert not outcome.failed
    gone = "its image {} is not in docker's storage any more"
    docker = [item for item in outcome.result["images"] if item["engine"] == "docker"]
    assert [(item["reference"], item["containers"], item["reason"]) for item in docker if item["digest"] is None] == [
        (f"{PARIS}/recorded/app:v1", ["dk-exited", "dk-tag"], gone.format("32bc940a7038")),
        (f"{PARIS}/recorded/app:v4", ["dk-moved-new"], gone.format("db3037be526c")),
        (f"{PARIS}/recorded/app:v4", ["dk-moved-old"], gone.format("e4f9207b47d4")),
        (f"{PARIS}/recorded/local:dev", ["dk-local"], gone.format("32bc940a7038")),
        # Created from the ID of an image that is gone: its names are gone with it.
        (
            "sha256:32bc940a70382c1c2fa1ee290c8a317cf1bc61de7e7227c3d84942a52412578d",
            ["dk-id"],
            "created from image 32bc940a7038, which is not in docker's storage any more",
        ),
    ]
    assert [item["digest"] for item in docker if item["digest"]] == [V2]


# The registries


def test_reports_only_scaleways_registries_by_default(tmp_path):
    result = Host(tmp_path).run().result
    assert result["images"] == [] and result["references"] == []
    assert result["other_registries"] == {RECORDED: 15, "docker.io": 2, "localhost": 1}


def test_reports_the_registries_named_besides_scaleways(tmp_path):
    result = Host(tmp_path).run({"registries": [RECORDED, "localhost"]}).result
    assert repositories(result) == [
        ("docker", f"{RECORDED}/recorded/app"),
        ("docker", f"{RECORDED}/recorded/local"),
        ("podman", f"{RECORDED}/recorded/app"),
        ("podman", f"{RECORDED}/recorded/local"),
        ("podman", "localhost/local/app"),
    ]
    assert result["other_registries"] == {"docker.io": 2}


@pytest.mark.parametrize("registry", ["https://rg.fr-par.scw.cloud", "rg.fr-par.scw.cloud/team", "--all", ""])
def test_refuses_a_registry_that_is_not_host_or_host_port_in_one_line_before_running_anything(host, registry):
    outcome = host.run({"registries": [PARIS, registry]})
    assert outcome.failed
    assert outcome.result["msg"] == (
        f"registries: {registry!r} is not a registry host; write host or host:port, such as rg.fr-par.scw.cloud or"
        " 127.0.0.1:5000"
    )
    assert host.calls == []


def test_takes_no_connection_option(host):
    outcome = host.run({"secret_key": "11111111-1111-4111-8111-111111111111"})
    assert outcome.failed
    assert "Unsupported parameters" in outcome.result["msg"]
