# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The module adapter of the modules that run on hosts (login, credential_helper, images_in_use_info): the standard
library only."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.plugins.module_utils._config import ACCOUNT_ARGS
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import ConfigFileError
from ansible_collections.scaleway.registry.plugins.module_utils._host_files import HostFileError
from ansible_collections.scaleway.registry.plugins.module_utils._scw_config import ConfigError
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

# A key of the host's own (documented in the HOST doc fragment): access names the IAM application, the timing is
# read on the controller; access_keys is what the action plugin tells the host (see plugin_utils/_host_keys.py).
KEY_TIMING_DEFAULTS = {"key_lifetime": "90d", "key_renew_before": "14d"}
ACCESS_ARGS = dict(
    access=dict(type="str"),
    key_lifetime=dict(type="str", default=KEY_TIMING_DEFAULTS["key_lifetime"], no_log=False),
    key_renew_before=dict(type="str", default=KEY_TIMING_DEFAULTS["key_renew_before"], no_log=False),
    access_keys=dict(type="list", elements="str", no_log=False),
)


def command_said(rc, out, err):
    """The last line a failed command printed (standard error first), its spaces squeezed; else its exit status."""
    lines = [line for line in (err or out or "").splitlines() if line.strip()]
    return " ".join(lines[-1].split()) if lines else f"exit status {rc}"


class HostModule(AnsibleModule):
    """The AnsibleModule of the host modules, whose run() is their one boundary, as ScalewayModule's is for the
    API modules. Their specs take ACCOUNT_ARGS and ACCESS_ARGS, which the action plugin reads on the controller;
    a module that needs no key and has no action plugin (images_in_use_info) passes connection=False."""

    def __init__(self, argument_spec, connection=True, **kwargs):
        spec = dict(argument_spec, **ACCOUNT_ARGS, **ACCESS_ARGS) if connection else argument_spec
        super().__init__(argument_spec=spec, supports_check_mode=True, **kwargs)

    def own_key(self, held):
        """With access: whether the host has a key of its own to use, now in secret_key and access_key. That is the
        new key the action plugin sent, or the one the host holds (held: (access key, secret) or None) when it is
        among the access_keys that last. False: the host needs a new key, and nothing may change before it has one."""
        params = self.params
        if params["secret_key"]:
            return True
        if held and held[0] in (params["access_keys"] or []):
            self.no_log_values.add(held[1])  # read on the host: no_log knows only the secrets sent to it
            params["access_key"], params["secret_key"] = held
            return True
        return False

    def run(self, main):
        """exit_json(**main(self)), or one clear failure for what the task cannot do on this host."""
        try:
            result = main(self)
        except (TaskError, HostFileError, ConfigFileError, ConfigError) as exc:
            self.fail_json(msg=str(exc), **getattr(exc, "result", {}))
        self.exit_json(**result)
