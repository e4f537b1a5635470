"""The version the client reports is the version galaxy.yml releases."""

from __future__ import annotations

import os

import yaml

from ansible_collections.scaleway.registry.plugins.module_utils._version import COLLECTION_VERSION

GALAXY_YML = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "galaxy.yml")


def test_the_user_agent_version_is_galaxy_yml_version():
    with open(GALAXY_YML) as handle:
        assert yaml.safe_load(handle)["version"] == COLLECTION_VERSION
