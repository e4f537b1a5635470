# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules' shared emulator (see tests/unit/plugins/modules/conftest.py), for the plugin utils that call the API."""

from __future__ import annotations

from ansible_collections.scaleway.registry.tests.unit.plugins.modules.conftest import (  # noqa: F401  # pylint: disable=unused-import
    emulator,
    pytest_collection_finish,
    pytest_unconfigure,
)
