"""Fixtures that run the emulator as a subprocess (see emulator_harness.py)."""

import pytest
from emulator_harness import EXTRA_PROJECT, KEY, ORG, OTHER_KEY, OTHER_ORG, EmulatorProcess

SHARED_ARGS = [
    "--secret-key",
    f"{KEY}:{ORG}:{EXTRA_PROJECT}",
    "--secret-key",
    f"{OTHER_KEY}:{OTHER_ORG}",
    "--deleting-polls",
    "2",
]


@pytest.fixture
def start_emulator(tmp_path):
    """start_emulator(*args) starts an emulator of its own; all are stopped after the test."""
    started = []

    def start(*args):
        emulator = EmulatorProcess(args, tmp_path)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture(scope="session")
def shared_emulator(tmp_path_factory):
    emulator = EmulatorProcess(SHARED_ARGS, tmp_path_factory.mktemp("emulator"))
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(shared_emulator):
    """The shared emulator, emptied: two organizations, ORG with a second project, 2 deleting polls."""
    shared_emulator.reset()
    return shared_emulator
