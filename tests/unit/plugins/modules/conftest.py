# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One emulator per test process, shared by every test that asks for the `emulator` fixture.

ansible-test runs each test in a fork of its pytest process (and, with pytest-xdist, in several such
processes), so a session fixture set up inside a test would be set up again, and never torn down, in
every fork. The emulator is therefore started by the pytest process itself, once collection shows a
test that needs it, and stopped when that process ends; the forks inherit its address. Each test
then starts from an empty emulator with the baseline config (Emulator.prepare, called by run_scenario).
"""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.tests.unit.plugins.modules.harness import Emulator

_SHARED = []


def pytest_collection_finish(session):
    if not _SHARED and any("emulator" in getattr(item, "fixturenames", ()) for item in session.items):
        _SHARED.append(Emulator.start())


def pytest_unconfigure(config):
    while _SHARED:
        _SHARED.pop().stop()  # only in the process that started it: not in a fork


@pytest.fixture(scope="session")
def emulator():
    """The shared emulator; tests reset it (run_scenario does) before using it."""
    if _SHARED:
        yield _SHARED[0]
        return
    started = Emulator.start()  # collection did not start one (a plugin that skips the hook): this session's own
    try:
        yield started
    finally:
        started.stop()
