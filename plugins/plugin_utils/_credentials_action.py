# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins!

"""Action plugins of the modules that run on hosts: the secret key is resolved, or issued, on the controller."""

from __future__ import annotations

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
from ansible.plugins.action import ActionBase

from ansible_collections.scaleway.registry.plugins.module_utils._client import PermissionsDenied, ScalewayError
from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    ACCOUNT_ARGS,
    LOGIN_REGIONS,
    ConfigError,
    resolve,
)
from ansible_collections.scaleway.registry.plugins.module_utils._durations import DurationError, parse_duration
from ansible_collections.scaleway.registry.plugins.module_utils._host_module import KEY_TIMING_DEFAULTS
from ansible_collections.scaleway.registry.plugins.module_utils._iam import organization_of, without_iam_rights
from ansible_collections.scaleway.registry.plugins.module_utils._module import client_for, failure
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError
from ansible_collections.scaleway.registry.plugins.plugin_utils._host_keys import HostKeys


class CredentialsAction(ActionBase):
    """Resolve the secret key with the collection's rules, from the controller's options, SCW_* variables and
    scw config; then run the module on the host with the key inside its arguments, and nothing else of the
    controller's configuration. With `access`, the host gets a key of its own instead (see _host_keys)."""

    MODULE = None

    def needs_secret(self, args):
        """Whether the host needs the secret key for these arguments."""
        raise NotImplementedError

    def access_problem(self, args):
        """Why these arguments cannot take `access`, or None."""
        return None

    def complete(self, args, settings):
        """Fill what the module needs from the resolved settings, besides the key."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        # The connection options are the controller's business; the module's region is its own.
        options = {name: args.pop(name, None) for name in ACCOUNT_ARGS}
        # The timing of a host's own key: read on the controller, never sent to the host.
        timing = {name: args.pop(name, None) for name in KEY_TIMING_DEFAULTS}
        if args.get("access"):
            try:
                result.update(self.run_with_access(args, options, timing, task_vars))
            except (TaskError, ConfigError) as exc:
                result.update(failed=True, msg=str(exc), **getattr(exc, "result", {}))
            return result
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

    def run_with_access(self, args, options, timing, task_vars):
        """The module's result, with a key of the host's own from the IAM application named by `access`; the
        controller's key only talks to IAM."""
        # Checked before any request: a bad input changes nothing.
        problem = self.access_problem(args)
        if problem:
            raise TaskError(problem)
        written = {name: timing[name] or default for name, default in KEY_TIMING_DEFAULTS.items()}
        try:
            lifetime, renew_before = (parse_duration(written[name], name) for name in KEY_TIMING_DEFAULTS)
        except DurationError as exc:
            raise TaskError(str(exc)) from None
        if not renew_before:
            raise TaskError(
                f"key_renew_before '{written['key_renew_before']}' is zero: a key would be replaced only once it has"
                " expired, and the host could not pull until then"
            )
        if renew_before >= lifetime:
            raise TaskError(
                f"key_renew_before ({written['key_renew_before']}) must be shorter than key_lifetime"
                f" ({written['key_lifetime']}), or every run would issue a new key"
            )
        settings = resolve(dict(options, region=None), regions=LOGIN_REGIONS)
        self.complete(args, settings)
        client = client_for(settings, f"ansible-core/{ANSIBLE_VERSION}")
        for warning in client.warnings:
            self._display.warning(warning)
        keys = HostKeys(
            client,
            organization_of(settings),
            args["access"],
            task_vars["inventory_hostname"],
            lifetime,
            renew_before,
            self._play_context.check_mode,
        )

        def run_module(extra):
            return self._execute_module(module_name=self.MODULE, module_args=dict(args, **extra), task_vars=task_vars)

        try:
            return keys.equip(run_module) if args.get("state", "present") == "present" else keys.remove(run_module)
        except PermissionsDenied as exc:
            raise without_iam_rights(exc, settings.sources["secret_key"], "access") from None
        except ScalewayError as exc:
            message, extra = failure(exc, settings.sources["secret_key"])
            raise TaskError(message, **extra) from None
