"""Injected faults and latency: what a client meets on a bad day at Scaleway."""

import threading

import pytest
import requests
from emulator_harness import KEY, ORG, namespace_payload


def statuses(emulator, count):
    session = emulator.session()
    return [session.get(emulator.api_url("namespaces")).status_code for attempt in range(count)]


def test_a_429_has_an_empty_body_no_content_type_and_the_envoy_header(start_emulator):
    emulator = start_emulator("--faults", "429=1")
    response = emulator.session().post(emulator.api_url("namespaces"), json=namespace_payload("never-made"))
    assert response.status_code == 429
    assert response.content == b""
    assert response.headers["Content-Length"] == "0"
    assert "Content-Type" not in response.headers
    assert response.headers["X-Envoy-Ratelimited"] == "true"
    # Admin endpoints are never faulted; the log shows the 429 and the state is unchanged.
    assert [e["status"] for e in emulator.request_log()] == [429]
    emulator.admin("PATCH", "config", json={"faults": None})
    assert emulator.session().get(emulator.api_url("namespaces")).json()["total_count"] == 0


@pytest.mark.parametrize(
    "status, text",
    [
        (503, "no healthy upstream"),
        (502, "upstream connect error or disconnect/reset before headers"),
        (500, "upstream connect error or disconnect/reset before headers"),
    ],
)
def test_5xx_faults_answer_plain_text_like_an_envoy_gateway(start_emulator, status, text):
    emulator = start_emulator("--faults", f"{status}=1")
    response = emulator.session().get(emulator.api_url("namespaces"))
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/plain"
    assert response.text.startswith(text)
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_a_403_fault_is_the_standard_permissions_denied_body(start_emulator):
    emulator = start_emulator("--faults", "403=1")
    response = emulator.session().delete(emulator.api_url("images/6d5f7c0e-2b86-4d0a-9a43-4ad1f0b2a1e7"))
    assert (response.status_code, response.json()) == (
        403,
        {
            "details": [{"action": "write", "resource": "image"}],
            "message": "insufficient permissions",
            "type": "permissions_denied",
        },
    )


def test_a_reset_applies_the_request_then_drops_the_connection(start_emulator):
    emulator = start_emulator("--faults", "reset=1")
    with pytest.raises(requests.ConnectionError):
        emulator.session().post(emulator.api_url("namespaces"), json=namespace_payload("made-anyway"))
    log = emulator.request_log()
    assert [(e["method"], e["status"], e["organization_id"]) for e in log] == [("POST", "reset", ORG)]
    emulator.admin("PATCH", "config", json={"faults": None})
    listed = emulator.session().get(emulator.api_url("namespaces")).json()
    assert [n["name"] for n in listed["namespaces"]] == ["made-anyway"]
    # The client cannot know it was created: its retry meets the duplicate.
    response = emulator.session().post(emulator.api_url("namespaces"), json=namespace_payload("made-anyway"))
    assert (response.status_code, response.json()) == (400, {"message": "Namespace already exist"})


def test_faults_drawn_with_a_seed_are_reproducible(start_emulator):
    spec = "429=0.3,503=0.2,seed=7"
    first = statuses(start_emulator("--faults", spec), 40)
    second = statuses(start_emulator("--faults", spec), 40)
    other_seed = statuses(start_emulator("--faults", "429=0.3,503=0.2,seed=8"), 40)
    assert first == second
    assert {200, 429, 503} == set(first)
    assert other_seed != first


def test_faults_can_be_changed_at_run_time_and_reseed_the_draws(emu):
    emu.admin("PATCH", "config", json={"faults": "429=0.5,seed=3"})
    first = statuses(emu, 20)
    emu.admin("PATCH", "config", json={"faults": "429=0.5,seed=3"})
    assert statuses(emu, 20) == first and {200, 429} == set(first)
    assert emu.admin("GET", "config") == {
        "deleting_polls": 2,
        "faults": "429=0.5,seed=3",
        "latency_ms": None,
        "pushes_before_tag_delete": 0,
        "clock_offset": 0,
    }
    response = requests.patch(f"{emu.url}/_emulator/config", json={"faults": "429=3"})
    assert response.status_code == 400


def test_latency_is_added_without_serialising_concurrent_requests(start_emulator):
    emulator = start_emulator("--latency-ms", "400", "--secret-key", f"{KEY}:{ORG}")
    count = 6
    barrier = threading.Barrier(count)
    results = []

    def call():
        session = emulator.session()
        barrier.wait()
        results.append(session.get(emulator.api_url("namespaces")).status_code)

    threads = [threading.Thread(target=call) for thread_number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * count
    log = emulator.request_log()
    assert len(log) == count
    # Every request started before any finished: they were all in flight together.
    assert max(e["started_at"] for e in log) < min(e["finished_at"] for e in log)
    assert all(e["finished_at"] - e["started_at"] >= 0.39 for e in log)


def test_a_latency_range_is_accepted(start_emulator):
    emulator = start_emulator("--latency-ms", "1-5")
    assert statuses(emulator, 3) == [200, 200, 200]
    assert emulator.admin("GET", "config")["latency_ms"] == "1-5"


@pytest.mark.parametrize(
    "status, message",
    [(400, "invalid argument(s)"), (404, "Namespace was not found"), (409, "resource is in a transient state")],
)
def test_api_error_faults_answer_the_api_s_own_bodies_and_change_nothing(start_emulator, status, message):
    emulator = start_emulator("--faults", f"{status}=1")
    response = emulator.session().post(emulator.api_url("namespaces"), json=namespace_payload("never-made"))
    assert response.status_code == status and response.json()["message"] == message
    assert emulator.admin("GET", "state")["namespaces"] == []


def test_a_truncated_answer_stops_halfway_through_its_length(start_emulator):
    emulator = start_emulator("--faults", "truncated=1")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        emulator.session().get(emulator.api_url("namespaces"))


def test_a_redirect_answer_points_elsewhere(start_emulator):
    emulator = start_emulator("--faults", "redirect=1")
    response = emulator.session().get(emulator.api_url("namespaces"), allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "https://portal.example.invalid/login"
    assert emulator.admin("GET", "requests")["requests"][-1]["fault"] == "redirect"


def test_a_hugecount_listing_claims_a_trillion_items(start_emulator):
    emulator = start_emulator("--faults", "hugecount=1")
    response = emulator.session().get(emulator.api_url("images"))
    assert response.status_code == 200
    assert response.json() == {"namespaces": [], "images": [], "tags": [], "total_count": 10**12}


def test_a_notjson_answer_is_a_200_in_html(start_emulator):
    emulator = start_emulator("--faults", "notjson=1")
    response = emulator.session().get(emulator.api_url("namespaces"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html"
    with pytest.raises(ValueError):
        response.json()
