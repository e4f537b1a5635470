"""The emulator as a program: ready line, signals, seeds, --db, keys, admin endpoints."""

import signal
import socket
import subprocess
import sys
import uuid

import pytest
import requests
from emulator_harness import DIGEST_A, EXTRA_PROJECT, KEY, ORG, OTHER_KEY, OTHER_ORG, ROOT, namespace_payload

SEED_YAML = f"""
namespaces:
  - {{region: fr-par, name: seeded-demo, project_id: {EXTRA_PROJECT}, is_public: true, description: from a file,
     created_at: "2026-01-02T03:04:05.123456789Z"}}
images:
  - region: fr-par
    namespace: seeded-demo
    name: team/app
    visibility: private
    created_at: 2026-01-03T00:00:00Z
    tags:
      - {{name: v1.0.0, digest: "{DIGEST_A}", created_at: "2026-01-03T00:00:00Z", size: 1048576}}
      - {{name: latest, digest: "{DIGEST_A}", size: 1048576}}
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_emulator_cleanly_with_status_0_and_frees_the_port(start_emulator, signum):
    emulator = start_emulator()
    assert emulator.ready_line == f"emulator listening on http://127.0.0.1:{emulator.port}\n"
    session = emulator.session()  # an idle kept-alive connection must not hold up the stop
    assert session.get(emulator.api_url("namespaces")).status_code == 200
    assert emulator.stop(signum) == 0
    assert emulator.rest_of_stdout() == ""
    assert "Traceback" not in emulator.stderr()
    with socket.socket() as probe:
        # As a restarted server would: SO_REUSEADDR passes over closed connections, never a listener.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", emulator.port))
        probe.listen()


def test_without_secret_keys_the_well_known_key_is_accepted(start_emulator):
    emulator = start_emulator()
    response = emulator.session(KEY).post(
        emulator.api_url("namespaces"), json={"name": "default-key", "organization_id": ORG}
    )
    assert response.json()["organization_id"] == ORG
    assert emulator.session(OTHER_KEY).get(emulator.api_url("namespaces")).status_code == 401


def test_a_key_without_organization_gets_a_stable_derived_one(start_emulator):
    key = str(uuid.uuid4())
    derived = str(uuid.uuid5(uuid.NAMESPACE_URL, key))
    emulator = start_emulator("--secret-key", key)
    created = (
        emulator.session(key)
        .post(emulator.api_url("namespaces"), json={"name": "derived-org", "organization_id": derived})
        .json()
    )
    assert (created["organization_id"], created["project_id"]) == (derived, derived)
    assert emulator.session(KEY).get(emulator.api_url("namespaces")).status_code == 401


def test_keys_sharing_an_organization_see_the_same_namespaces(start_emulator):
    emulator = start_emulator("--secret-key", f"{KEY}:{ORG}", "--secret-key", f"{OTHER_KEY}:{ORG}")
    emulator.session(KEY).post(emulator.api_url("namespaces"), json=namespace_payload("shared-org"))
    listed = emulator.session(OTHER_KEY).get(emulator.api_url("namespaces")).json()
    assert [n["name"] for n in listed["namespaces"]] == ["shared-org"]


@pytest.mark.parametrize(
    "args",
    [
        ["--secret-key", "nope"],
        ["--faults", "429=2"],
        ["--faults", "418=0.1"],
        ["--faults", "429=0.7,503=0.5"],
        ["--latency-ms", "5-1"],
        ["--deleting-polls", "-1"],
    ],
)
def test_bad_options_stop_the_start_with_status_2_and_no_ready_line(args):
    done = subprocess.run(
        [sys.executable, "-m", "tests.emulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage:" in done.stderr


def test_registry_without_docker_registry_on_path_stops_the_start_with_status_1():
    done = subprocess.run(
        [sys.executable, "-m", "tests.emulator", "--registry"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"PATH": "/nonexistent"},
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert "docker-registry" in done.stderr and "Traceback" not in done.stderr


def test_a_seed_file_is_loaded_at_start(start_emulator, tmp_path):
    seed_file = tmp_path / "seed.yml"
    seed_file.write_text(SEED_YAML)
    emulator = start_emulator("--secret-key", f"{KEY}:{ORG}:{EXTRA_PROJECT}", "--seed", str(seed_file))
    session = emulator.session()
    namespace = session.get(emulator.api_url("namespaces")).json()["namespaces"][0]
    assert namespace["name"] == "seeded-demo"
    assert (namespace["organization_id"], namespace["project_id"]) == (ORG, EXTRA_PROJECT)
    assert (namespace["is_public"], namespace["description"]) == (True, "from a file")
    assert namespace["created_at"] == "2026-01-02T03:04:05.123457Z"
    assert (namespace["image_count"], namespace["size"]) == (1, 1048576)
    image = session.get(emulator.api_url("images"), params={"name": "team/app"}).json()["images"][0]
    assert (image["visibility"], image["tags"], image["created_at"]) == (
        "private",
        ["latest", "v1.0.0"],
        "2026-01-03T00:00:00.000000Z",
    )
    tags = session.get(emulator.api_url(f"images/{image['id']}/tags"), params={"name": "v1.0.0"}).json()["tags"]
    assert tags[0]["created_at"] == "2026-01-03T00:00:00.000000Z" and tags[0]["digest"] == DIGEST_A


def test_a_bad_seed_file_stops_the_start_with_a_message(tmp_path):
    seed_file = tmp_path / "seed.yml"
    seed_file.write_text("images:\n  - {region: fr-par, namespace: nowhere, name: app}\n")
    done = subprocess.run(
        [sys.executable, "-m", "tests.emulator", "--seed", str(seed_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "nowhere" in done.stderr


def test_the_admin_seed_adds_to_the_state_all_or_nothing(emu):
    created = emu.admin("POST", "seed", data=SEED_YAML)
    assert [len(created[k]) for k in ("namespaces", "images", "tags")] == [1, 1, 2]
    image = emu.session().get(emu.api_url(f"images/{created['images'][0]}")).json()
    assert image["name"] == "team/app" and image["namespace_id"] == created["namespaces"][0]
    # A later push to the same image adds a tag to it and moves an existing tag.
    again = emu.seed(
        {
            "images": [
                {
                    "namespace": "seeded-demo",
                    "name": "team/app",
                    "tags": [{"name": "v2", "size": 5}, {"name": "latest", "size": 5}],
                }
            ]
        }
    )
    assert again["images"] == created["images"]
    assert again["tags"][1] in created["tags"]
    image = emu.session().get(emu.api_url(f"images/{created['images'][0]}")).json()
    assert image["tags"] == ["latest", "v1.0.0", "v2"]
    # One bad entry and nothing of the document is applied.
    bad = {
        "namespaces": [{"name": "half-seeded", "project_id": ORG}],
        "images": [{"namespace": "no-such-namespace", "name": "app"}],
    }
    response = requests.post(f"{emu.url}/_emulator/seed", json=bad)
    assert response.status_code == 400 and "no-such-namespace" in response.json()["message"]
    assert emu.session().get(emu.api_url("namespaces"), params={"name": "half-seeded"}).json()["total_count"] == 0
    for doc in (
        {"namespaces": [{"name": "x_y", "project_id": ORG}]},
        {"namespaces": [{"name": "no-project"}]},
        {"images": [{"namespace": "seeded-demo", "name": "app", "tags": [{"name": "v", "digest": "md5"}]}]},
        {"volumes": []},
        "- just\n- a list\n",
    ):
        response = requests.post(
            f"{emu.url}/_emulator/seed",
            data=doc if isinstance(doc, str) else None,
            json=None if isinstance(doc, str) else doc,
        )
        assert response.status_code == 400, doc


def test_admin_reset_forgets_everything_and_admin_calls_are_not_logged(emu):
    emu.seed({"namespaces": [{"name": "to-forget", "project_id": ORG}]})
    emu.session().get(emu.api_url("namespaces"))
    assert [e["path"] for e in emu.request_log()] == ["/registry/v1/regions/fr-par/namespaces"]
    emu.admin("POST", "reset")
    assert emu.request_log() == []
    assert emu.session().get(emu.api_url("namespaces")).json()["total_count"] == 0


def test_the_journal_keeps_what_was_created_and_deleted_by_chapter_with_each_end_state(start_emulator):
    emu = start_emulator("--secret-key", f"{KEY}:{ORG}", "--deleting-polls", "0")
    session = emu.session()
    session.post(emu.api_url("namespaces"), json=namespace_payload("journal-one")).raise_for_status()
    # A refused create is not in the journal.
    assert session.post(emu.api_url("namespaces"), json=namespace_payload("journal-one")).status_code == 400
    seeded = emu.seed(
        {
            "images": [
                {
                    "namespace": "journal-one",
                    "name": "app",
                    "tags": [
                        {"name": "v1", "digest": "sha256:" + "a" * 64},
                        {"name": "latest", "digest": "sha256:" + "a" * 64},
                        {"name": "v2", "digest": "sha256:" + "b" * 64},
                    ],
                }
            ]
        }
    )
    v1 = next(
        t for t in session.get(emu.api_url(f"images/{seeded['images'][0]}/tags")).json()["tags"] if t["name"] == "v1"
    )
    session.delete(emu.api_url(f"tags/{v1['id']}"), params={"force": "true"}).raise_for_status()
    emu.admin("POST", "reset", json={"chapter": "first"})
    emu.seed({"namespaces": [{"name": "journal-two", "project_id": ORG}]})

    chapters = emu.admin("GET", "journal")["chapters"]
    assert [c["chapter"] for c in chapters] == ["first", None]
    assert chapters[0]["events"] == [
        {"event": "namespace created", "region": "fr-par", "name": "journal-one", "project_id": ORG},
        {"event": "tag deleted", "region": "fr-par", "tag": "journal-one/app:latest", "digest": "sha256:" + "a" * 64},
        {"event": "tag deleted", "region": "fr-par", "tag": "journal-one/app:v1", "digest": "sha256:" + "a" * 64},
    ]
    assert chapters[0]["end_state"] == {
        "namespaces": [["fr-par", "journal-one", ORG, "", 0]],
        "images": [["fr-par", "journal-one/app", "inherit"]],
        "tags": [["fr-par", "journal-one/app:v2", "sha256:" + "b" * 64]],
    }
    # Seeding is not an API create; the open chapter shows the state as it is now.
    assert chapters[1]["events"] == []
    assert chapters[1]["end_state"]["namespaces"] == [["fr-par", "journal-two", ORG, "", 0]]
    assert requests.post(f"{emu.url}/_emulator/reset", json={"name": "x"}).status_code == 400


def test_the_request_log_records_each_api_request_in_arrival_order(emu):
    session = emu.session()
    created = session.post(emu.api_url("namespaces"), json=namespace_payload("logged")).json()
    session.get(emu.api_url("namespaces"), params={"name": "logged", "page": 1})
    emu.session(OTHER_KEY).get(emu.api_url(f"namespaces/{created['id']}"))
    emu.session(None).get(emu.api_url("namespaces"))
    log = emu.request_log()
    assert [(e["method"], e["path"], e["query"], e["status"], e["organization_id"]) for e in log] == [
        ("POST", "/registry/v1/regions/fr-par/namespaces", "", 200, ORG),
        ("GET", "/registry/v1/regions/fr-par/namespaces", "name=logged&page=1", 200, ORG),
        ("GET", f"/registry/v1/regions/fr-par/namespaces/{created['id']}", "", 403, OTHER_ORG),
        ("GET", "/registry/v1/regions/fr-par/namespaces", "", 401, None),
    ]
    assert all(e["started_at"] <= e["finished_at"] for e in log)
    emu.admin("DELETE", "requests")
    assert emu.request_log() == []


def test_the_db_keeps_the_state_across_a_restart(start_emulator, tmp_path):
    db = tmp_path / "state.sqlite"
    seed_file = tmp_path / "seed.yml"
    seed_file.write_text(SEED_YAML)
    args = ("--secret-key", f"{KEY}:{ORG}:{EXTRA_PROJECT}", "--db", str(db), "--seed", str(seed_file))
    first = start_emulator(*args)
    created = first.session().post(first.api_url("namespaces"), json=namespace_payload("kept")).json()
    before = first.session().get(first.api_url(f"namespaces/{created['id']}")).json()
    assert first.stop() == 0

    # The seed file only fills an empty state, so a restart with it keeps what changed.
    second = start_emulator(*args)
    assert second.session().get(second.api_url(f"namespaces/{created['id']}")).json() == before
    names = [n["name"] for n in second.session().get(second.api_url("namespaces")).json()["namespaces"]]
    assert names == ["seeded-demo", "kept"]
    response = second.session().post(second.api_url("namespaces"), json=namespace_payload("kept"))
    assert response.json() == {"message": "Namespace already exist"}


def test_without_db_a_restart_starts_empty(start_emulator):
    first = start_emulator()
    first.session().post(first.api_url("namespaces"), json=namespace_payload("forgotten"))
    first.stop()
    second = start_emulator()
    assert second.session().get(second.api_url("namespaces")).json()["total_count"] == 0
