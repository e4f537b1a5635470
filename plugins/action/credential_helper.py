# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.scaleway.registry.plugins.plugin_utils._credentials_action import CredentialsAction


class ActionModule(CredentialsAction):
    MODULE = "scaleway.registry.credential_helper"

    def needs_secret(self, args):
        # Only a helper that reads its key from a file gets the key.
        return args.get("state", "present") == "present" and args.get("source", "file") == "file"

    def access_problem(self, args):
        source = args.get("source", "file")
        if source != "file":
            return (
                f"access gives each host a key of its own, which the helper keeps in its secret_file: it needs"
                f" source: file (the default), not source: {source}"
            )
        return None
