# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one line of a failed API call: a 403 names what would fix it, which is not always the key's IAM policy."""

from __future__ import annotations

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils._client import PermissionsDenied
from ansible_collections.scaleway.registry.plugins.module_utils._module import failure

SOURCE = "the secret_key option"
IAM_HINT = "the API key from the secret_key option may not do this; check its IAM policy and the project"


@pytest.mark.parametrize(
    "error_type, hint",
    [
        ("permissions_denied", IAM_HINT),
        (None, IAM_HINT),
        ("locked", "Scaleway has locked it (or the account); the Scaleway console or support says why"),
        ("quotas_exceeded", "a quota of the organization is reached; free some resources, or ask Scaleway to raise it"),
        (["not", "a", "string"], IAM_HINT),  # whatever JSON the body holds
    ],
)
def test_a_refusal_is_told_with_what_would_fix_it(error_type, hint):
    message, extra = failure(PermissionsDenied(403, "refused", error_type), SOURCE)
    assert message.endswith(f": {hint}")
    assert "\n" not in message and extra["api_error"]["status"] == 403
