# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The module adapter: options in, one client out, client errors turned into one-line failures."""

from __future__ import annotations

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.plugins.module_utils._client import (
    DEFAULT_CONCURRENCY,
    APIError,
    Client,
    PermissionsDenied,
    ScalewayError,
    Unauthenticated,
)
from ansible_collections.scaleway.registry.plugins.module_utils._config import (
    CONNECTION_ARGS,
    UUID_RE,
    ConfigError,
    expand_regions,
    regions_arg,
    resolve,
)
from ansible_collections.scaleway.registry.plugins.module_utils._state import TaskError

# Documented once in the scaleway.registry.scaleway.WAIT doc fragment.
WAIT_ARGS = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
)


class ScalewayModule(AnsibleModule):
    """The AnsibleModule of the API modules: the connection options, the resolved settings and a client.

    With several_regions, the region option is a list that also takes `all` (regions_arg), and
    self.regions lists the regions to work on. A `concurrency` option, when the
    module has one, bounds the client's concurrent requests.
    """

    def __init__(self, argument_spec, several_regions=False, uuid_options=(), **kwargs):
        region = {"region": regions_arg()} if several_regions else {}
        super().__init__(argument_spec=dict(CONNECTION_ARGS, **argument_spec, **region), **kwargs)
        for option in uuid_options:
            value = self.params[option]
            if value is not None and not UUID_RE.match(value):
                self.fail_json(msg=f"{option} must be a UUID like 11111111-2222-4333-8444-555555555555, not {value}")
        options = dict(self.params)
        wanted = options["region"] if several_regions else None
        if wanted is not None:
            options["region"] = None  # resolved below from the list, not from the defaults
        try:
            wanted = expand_regions(wanted) if wanted is not None else None
            self.settings = resolve(options)
        except ConfigError as exc:
            self.fail_json(msg=str(exc))
        for warning in self.settings.warnings:
            self.warn(warning)
        self.regions = wanted or [self.settings.region]
        self.region = self.regions[0]
        concurrency = self.params.get("concurrency")
        if concurrency is None:
            concurrency = DEFAULT_CONCURRENCY
        elif concurrency < 1:
            self.fail_json(msg=f"concurrency must be 1 or more, not {concurrency}")
        self.client = client_for(self.settings, f"ansible-core/{ANSIBLE_VERSION}", concurrency)
        for warning in self.client.warnings:
            self.warn(warning)

    def require_image_namespace(self):
        """An image given by name needs its namespace: names are unique only within a namespace."""
        image = self.params.get("image")
        if image and not UUID_RE.match(image) and not self.params.get("namespace"):
            self.fail_json(msg=f"image {image} is a name: give its namespace too, or give the image's ID")

    def run(self, main):
        """exit_json(**main(self)), or one clear failure for a TaskError or any client error: the one boundary."""
        try:
            result = main(self)
        except TaskError as exc:
            self.fail_json(msg=str(exc), **exc.result)
        except ScalewayError as exc:
            self.fail(exc)
        self.exit_json(**result)

    def fail(self, exc):
        message, extra = failure(exc, self.settings.sources["secret_key"])
        self.fail_json(msg=message, **extra)

    def diff(self, before, after):
        """The diff of a change, from the same dicts the module returns."""
        return {"before": before or {}, "after": after or {}}


def client_for(settings, user_agent, concurrency=DEFAULT_CONCURRENCY):
    """The API client of resolved settings; its warnings are for the caller to show."""
    return Client(
        settings.secret_key,
        settings.api_url,
        timeout=settings.api_timeout,
        validate_certs=settings.validate_certs,
        concurrency=concurrency,
        user_agent=user_agent,
    )


REFUSAL_HINTS = {
    "locked": "Scaleway has locked it (or the account); the Scaleway console or support says why",
    "quotas_exceeded": "a quota of the organization is reached; free some resources, or ask Scaleway to raise it",
}


def failure(exc, secret_source):
    """(one line, what the failed task returns beside it) for a client error; secret_source says where the key came
    from, for the hint of a refusal."""
    message = str(exc)
    if isinstance(exc, Unauthenticated):
        message = (
            f"{message}: the Scaleway API refused the secret key from {secret_source}; check that it is right and"
            " still valid"
        )
    elif isinstance(exc, PermissionsDenied):
        # The API answers 403 for a locked resource and a quota too, which no IAM policy changes.
        hint = REFUSAL_HINTS.get(exc.type) if isinstance(exc.type, str) else None
        iam = f"the API key from {secret_source} may not do this; check its IAM policy and the project"
        message = f"{message}: {hint or iam}"
    extra = {"api_error": exc.as_dict()} if isinstance(exc, APIError) else {}
    return " ".join(message.split()), extra
