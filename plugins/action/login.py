# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.scaleway.registry.plugins.plugin_utils._credentials_action import CredentialsAction


class ActionModule(CredentialsAction):
    MODULE = "scaleway.registry.login"

    def needs_secret(self, args):
        return args.get("state", "present") == "present"

    def complete(self, args, settings):
        # The default region is the controller's, as for every other module of the collection.
        if not args.get("region") and not args.get("registry"):
            args["region"] = [settings.region]
