# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What images_in_use_info reads from the engines' JSON: references, the digest each container runs, the filter.

The engines' output is recorded from the real podman 4.3.1 and docker 20.10.24 of a test machine, with images
pushed to the emulator's registry (how, and which containers: fixtures/containers/README.md).
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._containers import (
    Reference,
    images_in_use,
    inspected,
    parse_reference,
    ps_ids,
)
from ansible_collections.scaleway.registry.plugins.module_utils._references import References

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "containers")
REGISTRY = "127.0.0.1:55881"
APP = f"{REGISTRY}/recorded/app"
V1 = "sha256:e298864a85b21ac66769654a5a38807483d298b3c35dc1f496f7aed679575dc6"
V2 = "sha256:ef295f0be5d21e60101dff06ea9d0848527a98d25f3459a96fcd38faedd868b1"
V3_BEFORE = "sha256:07fb1ff7d0bc453435bb46fcfc82df2eb062e19fd982e4cd82c8e30cef0cfe07"
V3_AFTER = "sha256:3d639296d60c355720a402c718a1d48cc4400a06fc52b16dbbbb99f86265a71f"
V4_BEFORE = "sha256:41f784d2e99f157ec4399b0d72079d20437d3d409a6c5355665325602c334e24"
V4_AFTER = "sha256:0b5a40f5e167fa96971a2efbbc803c571be4165241a49a2e225ab35314e5156f"


def recorded(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def found_in(engine, registries=(REGISTRY,)):
    containers = inspected(recorded(f"{engine}-container-inspect.json"))
    images = inspected(recorded(f"{engine}-image-inspect.json"))
    return images_in_use(engine, containers, images, registries)


def entry(engine, reference, tag, digest, containers, running=False, reason=None, repository=APP):
    return dict(
        reference=reference,
        repository=repository,
        tag=tag,
        digest=digest,
        engine=engine,
        containers=containers,
        running=running,
        reason=reason,
    )


def entries(found):
    return sorted(found.entries.values(), key=lambda item: (item["reference"], item["digest"] or ""))


# Reading ps and inspect


def test_reads_the_ids_of_podmans_ps_array_and_of_dockers_object_a_line():
    podman = json.loads(recorded("podman-ps.json"))
    docker = [json.loads(line) for line in recorded("docker-ps.jsonl").splitlines()]
    assert ps_ids(recorded("podman-ps.json")) == [item["Id"] for item in podman]
    assert ps_ids(recorded("docker-ps.jsonl")) == [item["ID"] for item in docker]
    assert len(ps_ids(recorded("podman-ps.json"))) == 8
    assert len(ps_ids(recorded("docker-ps.jsonl"))) == 8


def test_reads_no_container_from_an_empty_ps_of_either_engine():
    assert ps_ids("[]\n") == []  # podman
    assert ps_ids("") == []  # docker


@pytest.mark.parametrize("output", ["Error: something\n", '"a string"', "[1, 2]", '{"ID": "a"}\nnot json\n'])
def test_refuses_a_ps_output_that_is_not_json_objects(output):
    with pytest.raises(ValueError):
        ps_ids(output)


def test_keeps_what_an_inspect_found_when_it_failed_for_an_object_that_went_away():
    # What both engines print on stdout, with rc 1 (docker) or 125 (podman), when one ID is gone: the others.
    found = json.loads(recorded("docker-container-inspect.json"))[:1]
    assert inspected(json.dumps(found, indent=4)) == found
    assert inspected("[]\n") == []


@pytest.mark.parametrize("output", ["", "Error: no such container\n", '{"Id": "a"}'])
def test_refuses_an_inspect_output_that_is_no_json_array(output):
    with pytest.raises(ValueError):
        inspected(output)


# References


@pytest.mark.parametrize(
    "text, repository, tag, digest",
    [
        ("rg.fr-par.scw.cloud/team/app:v1", "rg.fr-par.scw.cloud/team/app", "v1", None),
        (f"rg.nl-ams.scw.cloud/team/app@{V1}", "rg.nl-ams.scw.cloud/team/app", None, V1),
        (f"rg.fr-par.scw.cloud/team/app:v1@{V1}", "rg.fr-par.scw.cloud/team/app", "v1", V1),
        ("rg.fr-par.scw.cloud/team/sub/app", "rg.fr-par.scw.cloud/team/sub/app", "latest", None),
        ("127.0.0.1:5000/ns/app:1.0_rc-2", "127.0.0.1:5000/ns/app", "1.0_rc-2", None),
        ("RG.FR-PAR.SCW.CLOUD/team/app:V1", "rg.fr-par.scw.cloud/team/app", "V1", None),
        ("rg.fr-par.scw.cloud:443/team/app:v1", "rg.fr-par.scw.cloud/team/app", "v1", None),
        ("localhost/app:dev", "localhost/app", "dev", None),
        ("nginx", "docker.io/library/nginx", "latest", None),
        ("local/app", "docker.io/local/app", "latest", None),
        ("docker.io/nginx:1", "docker.io/library/nginx", "1", None),
        ("index.docker.io/library/nginx:1", "docker.io/library/nginx", "1", None),
        ("[::1]:5000/app:v1", "[::1]:5000/app", "v1", None),
    ],
)
def test_writes_a_reference_out_as_docker_and_podman_read_it(text, repository, tag, digest):
    assert parse_reference(text) == Reference(repository, tag, digest)


def test_writes_a_reference_with_a_digest_by_its_digest_and_another_by_its_tag():
    assert str(parse_reference(f"rg.fr-par.scw.cloud/team/app:v1@{V1}")) == f"rg.fr-par.scw.cloud/team/app@{V1}"
    assert str(parse_reference("rg.fr-par.scw.cloud/team/app")) == "rg.fr-par.scw.cloud/team/app:latest"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "rg.fr-par.scw.cloud/Team/app:v1",  # capitals in the path
        "rg.fr-par.scw.cloud/team/app:-v1",  # a tag cannot start with a dash
        "rg.fr-par.scw.cloud/team/app@sha256:abc",  # too short
        "rg.fr-par.scw.cloud/team/app@sha512:" + "a" * 128,  # not sha256
        f"rg.fr-par.scw.cloud/team/app@{V1.upper()}",
        "https://rg.fr-par.scw.cloud/team/app",
        "rg.fr-par.scw.cloud//app",
    ],
)
def test_reads_no_reference_from_what_is_none(text):
    assert parse_reference(text) is None


# The containers of the recorded engines


def test_reports_each_recorded_podman_container_with_the_digest_of_the_image_it_runs():
    found = found_in("podman")
    assert entries(found) == [
        entry("podman", f"{APP}:v1", "v1", V1, ["rec-exited", "rec-id", "rec-tag"]),
        # The tag moved: the old image has no name left, and only its Digest tells what the container runs.
        entry("podman", f"{APP}:v3", "v3", V3_BEFORE, ["rec-moved-old"]),
        entry("podman", f"{APP}:v3", "v3", V3_AFTER, ["rec-moved-new"]),
        entry("podman", f"{APP}@{V2}", None, V2, ["rec-digest"], running=True),
        # podman lists a digest for each name of an image, also one made on the host.
        entry(
            "podman",
            f"{REGISTRY}/recorded/local:dev",
            "dev",
            V1,
            ["rec-local"],
            repository=f"{REGISTRY}/recorded/local",
        ),
    ]
    assert found.others == {"localhost": 1}


def test_reports_each_recorded_docker_container_and_a_tag_made_on_the_host_without_a_digest():
    found = found_in("docker")
    no_digest = (
        f"docker records no digest of {REGISTRY}/recorded/local for image 32bc940a7038: it was built or tagged on"
        " this host, and never pulled from or pushed to that repository"
    )
    assert entries(found) == [
        # dk-id was created from the image's ID: it is listed under each name of that image.
        entry("docker", f"{APP}:v1", "v1", V1, ["dk-exited", "dk-id", "dk-tag"]),
        entry("docker", f"{APP}:v4", "v4", V4_AFTER, ["dk-moved-new"]),
        entry("docker", f"{APP}:v4", "v4", V4_BEFORE, ["dk-moved-old"]),
        entry("docker", f"{APP}@{V2}", None, V2, ["dk-digest"], running=True),
        entry(
            "docker",
            f"{REGISTRY}/recorded/local:dev",
            "dev",
            None,
            ["dk-id", "dk-local"],
            reason=no_digest,
            repository=f"{REGISTRY}/recorded/local",
        ),
    ]
    # dk-other, and dk-id again under its name local/app:latest.
    assert found.others == {"docker.io": 2}


def test_keeps_every_digest_in_use_and_every_tag_the_containers_were_created_from():
    assert found_in("podman").keep == {
        f"{APP}:v1",
        f"{APP}:v3",
        f"{APP}@{V1}",
        f"{APP}@{V2}",
        f"{APP}@{V3_BEFORE}",
        f"{APP}@{V3_AFTER}",
        f"{REGISTRY}/recorded/local:dev",
        f"{REGISTRY}/recorded/local@{V1}",
    }
    # The tag without a digest is still kept.
    assert found_in("docker").keep == {
        f"{APP}:v1",
        f"{APP}:v4",
        f"{APP}@{V1}",
        f"{APP}@{V2}",
        f"{APP}@{V4_BEFORE}",
        f"{APP}@{V4_AFTER}",
        f"{REGISTRY}/recorded/local:dev",
    }


def test_what_the_module_keeps_is_what_cleanup_takes_in_keep_references():
    for engine in ("podman", "docker"):
        references = References(sorted(found_in(engine).keep))  # raises BadReference for one it would refuse
        assert len(references) == len(found_in(engine).keep)


# The registries


def test_leaves_out_every_registry_but_scaleways_by_default_and_counts_their_containers():
    found = found_in("podman", registries=[])
    assert found.entries == {}
    assert found.keep == set()
    assert found.others == {REGISTRY: 7, "localhost": 1}


def test_reports_scaleways_registries_of_every_region_and_only_the_port_named():
    text = recorded("podman-container-inspect.json")
    images = inspected(recorded("podman-image-inspect.json").replace(REGISTRY, "rg.pl-waw.scw.cloud"))
    on_scaleway = images_in_use("podman", inspected(text.replace(REGISTRY, "rg.pl-waw.scw.cloud")), images, [])
    assert {item["repository"] for item in on_scaleway.entries.values()} == {
        "rg.pl-waw.scw.cloud/recorded/app",
        "rg.pl-waw.scw.cloud/recorded/local",
    }
    lookalike = images_in_use("podman", inspected(text.replace(REGISTRY, "rg.fr-par.scw.cloud.example.com")), [], [])
    assert lookalike.entries == {}
    other_port = found_in("podman", registries=["127.0.0.1:5000", "LOCALHOST"])
    assert {item["repository"] for item in other_port.entries.values()} == {"localhost/local/app"}


# Containers that cannot be resolved


def test_lists_a_container_whose_image_is_gone_with_its_tag_but_no_digest():
    containers = inspected(recorded("docker-container-inspect.json"))
    tag = [item for item in containers if item["Name"] == "/dk-tag"]
    found = images_in_use("docker", tag, [], [REGISTRY])
    assert entries(found) == [
        entry(
            "docker",
            f"{APP}:v1",
            "v1",
            None,
            ["dk-tag"],
            reason="its image 32bc940a7038 is not in docker's storage any more",
        )
    ]
    assert found.keep == {f"{APP}:v1"}


def test_lists_a_container_created_from_an_image_without_a_name_with_no_repository():
    containers = [item for item in inspected(recorded("docker-container-inspect.json")) if item["Name"] == "/dk-id"]
    image = dict(inspected(recorded("docker-image-inspect.json"))[0], RepoTags=[], RepoDigests=[])
    found = images_in_use("docker", containers, [image], [])
    reference = "sha256:32bc940a70382c1c2fa1ee290c8a317cf1bc61de7e7227c3d84942a52412578d"
    reason = "created from image 32bc940a7038, which has no name in docker"
    assert entries(found) == [entry("docker", reference, None, None, ["dk-id"], reason=reason, repository=None)]
    assert found.keep == set()


def test_lists_a_container_whose_reference_cannot_be_read_as_it_is_written():
    container = {"Name": "odd", "ImageName": "rg.fr-par.scw.cloud/Team/App", "Image": "ab" * 32, "State": {}}
    found = images_in_use("podman", [container], [], [])
    reason = "'rg.fr-par.scw.cloud/Team/App' is not an image reference that this module reads"
    assert entries(found) == [
        entry("podman", "rg.fr-par.scw.cloud/Team/App", None, None, ["odd"], reason=reason, repository=None)
    ]
