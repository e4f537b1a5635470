# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins!

"""Action plugins of the modules that run on hosts: the secret key is resolved on the controller."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    ACCOUNT_ARGS,
    LOGIN_REGIONS,
    ConfigError,
    resolve,
)


class CredentialsAction(ActionBase):
    """Resolve the secret key with the collection's rules, from the controller's options, SCW_* variables and
    scw config; then run the module on the host with the key inside its arguments, and nothing else of the
    controller's configuration."""

    MODULE = None

    def needs_secret(self, args):
        """Whether the host needs the secret key for these arguments."""
        raise NotImplementedError

    def complete(self, args, settings):
        """Fill what the module needs from the resolved settings, besides the key."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        # The connection options are the controller's business; the module's region is its own.
        options = {name: args.pop(name, None) for name in ACCOUNT_ARGS}
        needs_secret = self.needs_secret(args)
        try:
            settings = resolve(dict(options, region=None), regions=LOGIN_REGIONS, require_secret_key=needs_secret)
        except ConfigError as exc:
            if needs_secret:
                result.update(failed=True, msg=str(exc))
                return result
            settings = None  # a config the module can do without (it gets its own defaults)
        if settings:
            if needs_secret:
                args["secret_key"] = settings.secret_key
            self.complete(args, settings)
        result.update(self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars))
        return result
