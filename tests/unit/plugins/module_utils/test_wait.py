"""The deadline-based wait helper, on the fake clock of conftest.py."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._client import WaitTimeout, wait_for


def test_wait_returns_the_first_value_that_is_done(clock):
    states = iter(["deleting", "deleting", None])
    assert wait_for(lambda: next(states), lambda state: state is None, 300, "namespace", clock.sleep, clock) is None
    assert clock.sleeps == [1.0, 2.0]


def test_wait_does_not_sleep_when_already_done(clock):
    wait_for(lambda: None, lambda state: state is None, 300, "namespace", clock.sleep, clock)
    assert clock.sleeps == []


def test_wait_delays_grow_up_to_a_cap_and_never_pass_the_deadline(clock):
    with pytest.raises(WaitTimeout):
        wait_for(lambda: {"status": "deleting"}, lambda state: False, 60, "namespace", clock.sleep, clock)
    assert clock.sleeps[:5] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert max(clock.sleeps) == 10.0
    assert clock.now == 60


def test_wait_timeout_names_what_was_awaited_and_the_last_status(clock):
    with pytest.raises(WaitTimeout) as raised:
        wait_for(
            lambda: {"status": "deleting"},
            lambda state: False,
            5,
            "namespace team in fr-par to be deleted",
            clock.sleep,
            clock,
        )
    message = str(raised.value)
    assert "5s" in message and "namespace team in fr-par to be deleted" in message
    assert "last status: deleting" in message and "wait_timeout" in message
