# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""pod_image_references: the references a cluster's pods use, from a recorded pod list and a Scaleway one, and that
cleanup takes them and keeps the tags they name."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.scaleway.registry.plugins.filter.pod_image_references import (
    FilterModule,
    pod_image_references,
)
from ansible_collections.scaleway.registry.plugins.module_utils._references import References, parse_reference
from ansible_collections.scaleway.registry.plugins.module_utils._retention import DELETE, KEEP, Rules, plan_image

try:  # ansible-core 2.19 templates only the strings it trusts; 2.17 and 2.18 template any
    from ansible.template import trust_as_template
except ImportError:  # pragma: no cover - ansible-core < 2.19

    def trust_as_template(value):
        return value


FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = FIXTURES / "datadog-agent" / "podlist_1.8-2.json"
HYPERKUBE_DIGEST = "sha256:2fbd3d9ace56ac3ec2775f64f5ec5e6551ab30c5e25cc0c2633f33b15b8ca542"
APP = "sha256:" + "a" * 64
WORKER = "sha256:" + "b" * 64
MIGRATE = "sha256:" + "c" * 64
DEBUG = "sha256:" + "f" * 64
REPORT = "sha256:" + "1" * 64
LOCAL = "sha256:" + "3" * 64

# Worked out by hand from scaleway_pods.json (see fixtures/README.md): the tags and digests of every pod, once each,
# sorted. Not in it: the image IDs sha256:dddd…, docker://sha256:eeee… and 9999…, which name no repository; nginx
# (Docker Hub) and 127.0.0.1:5000 (not Scaleway's).
SCALEWAY_EXPECTED = [
    "rg.fr-par.scw.cloud/team-web/app:v1.2.0",  # app-…-x2k4p and app-…-q8m2z: image and spec
    "rg.fr-par.scw.cloud/team-web/app:v1.3.0",  # app-…-m5n6p, pending: spec
    f"rg.fr-par.scw.cloud/team-web/app@{APP}",  # app-…-x2k4p and app-…-q8m2z: docker-pullable:// imageID
    "rg.fr-par.scw.cloud/team-web/migrate:v3",  # worker: init container, image and spec
    "rg.fr-par.scw.cloud/team-web/migrate:v4",  # app-…-m5n6p, pending: spec of the init container
    f"rg.fr-par.scw.cloud/team-web/migrate@{MIGRATE}",  # worker: init container's containerd imageID
    "rg.fr-par.scw.cloud/team-web/web/frontend:pr-14",  # web-0, image not pulled yet: image and spec
    "rg.fr-par.scw.cloud/team-web/worker:build-130",  # worker: image and spec
    f"rg.fr-par.scw.cloud/team-web/worker@{WORKER}",  # worker: containerd imageID
    "rg.fr-par.scw.cloud/tools/debug:1.0",  # worker: ephemeral container, image and spec
    f"rg.fr-par.scw.cloud/tools/debug@{DEBUG}",  # worker: ephemeral container's imageID
    "rg.nl-ams.scw.cloud/sandbox/legacy:0.9",  # legacy-0: image and spec (its imageID is docker://sha256:…)
    "rg.nl-ams.scw.cloud/sandbox/tryout:try-2",  # tryout: image and spec (its imageID is sha256:…)
    f"rg.pl-waw.scw.cloud/team-data/report@{REPORT}",  # report: spec, image and CRI-O imageID, by digest
    "rg.pl-waw.scw.cloud/team-data/uploader:v2",  # report: image and spec (its imageID is a bare image ID)
]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_recorded_pod_list_is_the_upstream_bytes():
    for line in (FIXTURES / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        checksum, name = line.split(maxsplit=1)
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == checksum, name


def test_a_recorded_dockershim_pod_list_gives_the_tags_and_digests_of_the_registries_asked_for():
    # By hand from podlist_1.8-2.json: kube-controller-manager, kube-proxy and kube-scheduler run hyperkube:v1.8.3,
    # whose docker-pullable:// imageID gives its digest; kube-apiserver-my-node-name (pending, spec only) also names
    # etcd, and the pending GKE pod kube-proxy. nginx and redis have no registry host: skipped, docker.io or not.
    assert pod_image_references(load(RECORDED), registries=["gcr.io", "quay.io", "docker.io"]) == [
        "gcr.io/google_containers/hyperkube:v1.8.3",
        f"gcr.io/google_containers/hyperkube@{HYPERKUBE_DIGEST}",
        "gcr.io/google_containers/kube-proxy:v1.9.2-gke.1",
        "quay.io/coreos/etcd:latest",
    ]


def test_a_pod_list_with_no_image_on_scaleway_gives_nothing_unless_other_registries_are_named():
    assert pod_image_references(load(RECORDED)) == []
    assert pod_image_references(load(RECORDED), ["quay.io"]) == ["quay.io/coreos/etcd:latest"]


def test_running_init_ephemeral_finished_and_pending_containers_give_their_images_once_each_sorted():
    assert pod_image_references(load(FIXTURES / "scaleway_pods.json")) == SCALEWAY_EXPECTED


def test_the_pods_of_k8s_info_a_podlist_and_the_whole_k8s_info_result_give_the_same():
    pod_list = load(FIXTURES / "scaleway_pods.json")
    k8s_info = {"changed": False, "api_found": True, "resources": pod_list["items"]}
    assert pod_image_references(pod_list["items"]) == SCALEWAY_EXPECTED
    assert pod_image_references(k8s_info) == SCALEWAY_EXPECTED
    assert pod_image_references(pod_list) == SCALEWAY_EXPECTED
    assert pod_image_references([]) == []


@pytest.mark.parametrize(
    "image_id",
    [
        "sha256:" + "d" * 64,  # containerd: an image with no repository digest; with Kubernetes 1.30+, CRI image_id
        "docker://sha256:" + "e" * 64,  # dockershim, cri-dockerd: an image built or loaded on the node
        "9" * 64,  # CRI-O: its own image ID
        "",  # not pulled yet
        "docker-pullable://nginx@sha256:" + "2" * 64,  # Docker Hub by a short name: no registry host
    ],
)
def test_an_image_id_that_names_no_repository_with_its_host_gives_nothing(image_id):
    pod = {"status": {"containerStatuses": [{"name": "app", "image": "", "imageID": image_id}]}}
    assert pod_image_references([pod], registries=["docker.io"]) == []


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("rg.fr-par.scw.cloud/team-web/app", ["rg.fr-par.scw.cloud/team-web/app:latest"]),  # as docker pulls it
        ("rg.fr-par.scw.cloud/team-web/app:v1", ["rg.fr-par.scw.cloud/team-web/app:v1"]),
        (f"rg.fr-par.scw.cloud/team-web/app@{APP}", [f"rg.fr-par.scw.cloud/team-web/app@{APP}"]),
        (
            f"rg.fr-par.scw.cloud/team-web/app:v1@{APP}",
            ["rg.fr-par.scw.cloud/team-web/app:v1", f"rg.fr-par.scw.cloud/team-web/app@{APP}"],
        ),
        ("RG.FR-PAR.SCW.CLOUD/team-web/app:v1", ["rg.fr-par.scw.cloud/team-web/app:v1"]),  # the endpoint's case
        ("rg.it-mil.scw.cloud/team-web/app:v1", ["rg.it-mil.scw.cloud/team-web/app:v1"]),  # any region
        ("rg.fr-par.scw.cloud:443/team-web/app:v1", ["rg.fr-par.scw.cloud/team-web/app:v1"]),  # https's port
        ("nginx:1.25", []),  # Docker Hub, or CRI-O's search registries: never a Scaleway registry
        ("team-web/app:v1", []),  # docker.io/team-web/app
        ("sha256:" + "a" * 64, []),  # an image ID, not a reference to a repository
        ("rg.fr-par.scw.cloud/Team-Web/app:v1", []),  # not a reference: repository names are lower case
        ("rg.fr-par.scw.cloud.evil.example/team-web/app:v1", []),  # not a Scaleway registry
    ],
)
def test_a_spec_image_gives_its_tag_and_digest_when_it_names_a_scaleway_repository(image, expected):
    pod = {"spec": {"containers": [{"name": "app", "image": image}]}}
    assert pod_image_references([pod]) == expected


def test_other_registries_are_kept_only_when_named_with_their_port_in_any_case():
    pod_list = load(FIXTURES / "scaleway_pods.json")
    with_others = pod_image_references(pod_list, ["127.0.0.1:5000", "Docker.IO"])
    assert sorted(set(with_others) - set(SCALEWAY_EXPECTED)) == [
        "127.0.0.1:5000/team-web/app:v1",
        f"127.0.0.1:5000/team-web/app@{LOCAL}",
        "docker.io/library/nginx:1.25",
        "docker.io/library/nginx@sha256:" + "2" * 64,
    ]
    assert not any(reference.startswith("127.0.0.1:") for reference in pod_image_references(pod_list, ["127.0.0.1"]))


@pytest.mark.parametrize(
    ("registries", "message"),
    [
        (["https://rg.fr-par.scw.cloud"], "pod_image_references: registries: 'https://rg.fr-par.scw.cloud' is not a"),
        (["127.0.0.1:5000/team-web"], "is not a registry host; write host or host:port"),
        ("docker.io", "registries is a list of registry hosts, not str"),
    ],
)
def test_a_registry_that_is_not_a_host_fails_in_one_line(registries, message):
    with pytest.raises(AnsibleFilterError) as raised:
        pod_image_references([], registries)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("pods", "message"),
    [
        (None, "expects the pods that kubernetes.core.k8s_info returns (its resources), or a PodList with items; got"),
        ("pods", "got str"),
        ({"changed": False, "failed": True}, "got a mapping with neither (keys: changed, failed)"),
        ([{"kind": "Pod"}, "app-0"], "item 1 is str, not a Pod object"),
    ],
)
def test_what_is_not_a_list_of_pods_fails_in_one_line(pods, message):
    with pytest.raises(AnsibleFilterError) as raised:
        pod_image_references(pods)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_pods_without_status_spec_or_images_give_nothing_and_do_not_fail():
    pods = [{}, {"status": None, "spec": None}, {"spec": {"containers": [{"name": "app"}, None]}}]
    assert pod_image_references(pods) == []


@pytest.mark.parametrize("fixture", [RECORDED, FIXTURES / "scaleway_pods.json"])
def test_cleanup_accepts_every_reference_the_filter_gives(fixture):
    output = pod_image_references(load(fixture), ["gcr.io", "quay.io", "docker.io", "127.0.0.1:5000"])
    references = References(output)  # what cleanup's keep_references builds: raises on any malformed one
    assert len(references) == len(output) > 0
    assert all(parse_reference(text).repository is not None for text in output)


def test_cleanup_keeps_what_the_pods_use_with_the_reason_in_use_and_deletes_the_rest():
    """The filter's output as keep_references of cleanup's own rules, on the tags of team-web/app."""
    now = datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.timezone.utc)
    old = "2026-01-01T00:00:00Z"
    tags = [
        {"id": "1", "name": "v1.3.0", "digest": "sha256:" + "7" * 64, "created_at": old},  # the pending pod's spec
        {"id": "2", "name": "v1.2.0", "digest": APP, "created_at": old},  # what two replicas run
        {"id": "3", "name": "build-120", "digest": APP, "created_at": old},  # the same digest
        {"id": "4", "name": "build-110", "digest": "sha256:" + "8" * 64, "created_at": old},  # used by no pod
    ]
    rules = Rules(
        older_than="30d", now=now, keep_references=pod_image_references(load(FIXTURES / "scaleway_pods.json"))
    )
    plan = {
        tag["name"]: (action, reason)
        for tag, action, reason in plan_image(tags, rules, "rg.fr-par.scw.cloud/team-web/app")
    }
    assert plan == {
        "v1.3.0": (KEEP, "in use: rg.fr-par.scw.cloud/team-web/app:v1.3.0"),
        "v1.2.0": (KEEP, "in use: rg.fr-par.scw.cloud/team-web/app:v1.2.0"),
        "build-120": (KEEP, f"in use: rg.fr-par.scw.cloud/team-web/app@{APP}"),
        "build-110": (DELETE, "older than 30d"),
    }


def test_the_filter_is_named_pod_image_references():
    assert FilterModule().filters() == {"pod_image_references": pod_image_references}


def test_a_template_finds_the_filter_by_its_full_name_and_gives_a_list():
    pods = load(FIXTURES / "scaleway_pods.json")["items"]
    templar = Templar(loader=DataLoader(), variables={"pods": pods})
    expression = "{{ pods | scaleway.registry.pod_image_references(registries=['127.0.0.1:5000']) }}"
    rendered = templar.template(trust_as_template(expression))
    assert rendered == sorted(
        [*SCALEWAY_EXPECTED, "127.0.0.1:5000/team-web/app:v1", f"127.0.0.1:5000/team-web/app@{LOCAL}"]
    )
