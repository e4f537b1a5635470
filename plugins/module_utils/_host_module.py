# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The module adapter of the modules that run on hosts (login, credential_helper): the standard library only."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.plugins.module_utils._config import ACCOUNT_ARGS
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import ConfigFileError
from ansible_collections.scaleway.registry.plugins.module_utils._host_files import HostFileError
from ansible_collections.scaleway.registry.plugins.module_utils._scw_config import ConfigError
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError


class HostModule(AnsibleModule):
    """The AnsibleModule of the host modules, whose run() is their one boundary, as ScalewayModule's is for the
    API modules. Their specs take ACCOUNT_ARGS, which the action plugin reads on the controller (see there)."""

    def __init__(self, argument_spec, **kwargs):
        super().__init__(argument_spec=dict(argument_spec, **ACCOUNT_ARGS), supports_check_mode=True, **kwargs)

    def run(self, main):
        """exit_json(**main(self)), or one clear failure for what the task cannot do on this host."""
        try:
            result = main(self)
        except (TaskError, HostFileError, ConfigFileError, ConfigError) as exc:
            self.fail_json(msg=str(exc), **getattr(exc, "result", {}))
        self.exit_json(**result)
