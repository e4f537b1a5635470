# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options, shared by every module and plugin of the collection. Only what is true in all of them
    # is written here. What differs comes from a variant below, which every user of this fragment takes:
    # - api_url, api_timeout and validate_certs: API for what calls the API, HOST for the modules that run on hosts;
    # - project_id and organization_id: ALL_PROJECTS, INFO or HOST, or the module's own options (namespace,
    #   the inventory plugin). Without one, the option has no description and the sanity tests fail.
    DOCUMENTATION = r"""
options:
  secret_key:
    description:
      - The secret key of a Scaleway API key (a UUID), sent as C(X-Auth-Token).
      - If not set, the first of the environment variables E(SCW_SECRET_KEY), E(SCW_TOKEN) and E(SCALEWAY_TOKEN),
        then C(secret_key) in the selected profile of the scw config file.
      - Never logged, returned or shown in a diff.
    type: str
  access_key:
    description:
      - The access key of the API key (V(SCW) followed by 17 capitals or digits). Not needed to call the API; checked
        for its format only.
      - If not set, E(SCW_ACCESS_KEY), then C(access_key) in the selected profile.
    type: str
  profile:
    description:
      - The profile of the scw config file to read, as C(scw -p) does. A named profile is the root keys of the file
        overridden by the keys under C(profiles.<name>).
      - If not set, E(SCW_PROFILE), then C(active_profile) in the file, then the root keys (the profile C(default)).
      - A profile that does not exist is an error.
    type: str
  config_file:
    description:
      - Path of the scw config file. A file given here must exist.
      - If not set, E(SCW_CONFIG_PATH), then C($XDG_CONFIG_HOME/scw/config.yaml), then C(~/.config/scw/config.yaml);
        none of those needs to exist.
    type: path
  api_url:
    type: str
  project_id:
    type: str
  organization_id:
    type: str
  api_timeout:
    type: int
    default: 30
  validate_certs:
    type: bool
notes:
  - Each connection value comes from the option, else its E(SCW_*) environment variable, else the selected profile
    of the scw config file, else the default, as the scw CLI resolves it. Environment variables win over the config
    file even when O(profile) is set, as in the scw CLI.
  - Regions. The Scaleway Registry API is offered in V(fr-par), V(nl-ams) and V(pl-waw), the regions that Scaleway's
    SDKs and the scw CLI list for it. The modules that call the API, and the inventory plugin, take these three;
    V(all), where they accept it, means these three. M(scaleway.registry.login) and
    M(scaleway.registry.credential_helper) work with the registry hosts C(rg.<region>.scw.cloud) and also know
    V(it-mil), as C(scw registry login) and the scw CLI's docker helper do, so V(all) means four regions there.
"""

    # The options and notes of the modules and plugins that call the Scaleway API (all but login and
    # credential_helper).
    API = r"""
options:
  api_url:
    description:
      - Base URL of the Scaleway API, without a trailing slash. Point it at the collection's emulator to test offline.
      - If not set, E(SCW_API_URL), then C(api_url) in the selected profile, then V(https://api.scaleway.com).
  api_timeout:
    description:
      - Seconds that each attempt of a request may take, from connecting to reading the whole answer; a slower
        attempt counts as a timeout, and is retried.
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate.
      - If not set, V(true) unless E(SCW_INSECURE) or C(insecure) in the selected profile is true.
notes:
  - Answers 429, 500, 502, 503 and 504, dropped connections and timeouts are retried with capped exponential backoff
    and jitter (0.5 s doubling up to 8 s), honouring C(Retry-After), for up to 10 attempts (about 40 seconds), then
    fail.
"""

    # The modules that run on hosts (login, credential_helper): their action plugin resolves the secret key (and
    # login's region) on the controller, or, with access, issues the host a key of its own through the IAM API.
    HOST = r"""
options:
  api_url:
    description:
      - Used on the controller, with O(access) only, to reach the IAM API; the host never calls the Scaleway API.
  api_timeout:
    description:
      - Used on the controller, with O(access) only.
  validate_certs:
    description:
      - Used on the controller, with O(access) only.
  project_id:
    description:
      - Not used; the projects a host's own key may pull from are those of the policy of O(access).
  organization_id:
    description:
      - With O(access), the organization of the IAM application. Not used otherwise.
  access:
    description:
      - The name of an IAM application managed by M(scaleway.registry.access), whose policy grants registry rights on
        chosen projects. When set, each host gets a key of its own of that application, instead of the controller's
        key. That key expires after O(key_lifetime), is replaced O(key_renew_before) its expiry, and is deleted when
        the host no longer holds it (a new key replaced it, or O(state=absent)) or leaves the fleet
        (O(scaleway.registry.access#module:keep_hosts)).
      - The controller's key then only talks to the IAM API (it needs IAM rights, such as an owner's key or
        C(IAMManager)), and never reaches a host. The host gets its own key's secret as O(secret_key) and its access
        key as O(access_key). Each key's description names its host,
        C(scaleway.registry host=<inventory_hostname>), so that each host holds a different key.
      - A host whose key lasts costs two API requests, sent at once (the application, and the host's keys). A new
        key is proven on the host (the helper answers with it, the login succeeds) before the host's other keys are
        deleted.
      - Without O(access), the host gets the controller's secret key, with all of that key's rights in the
        organization, for as long as that key lives. A stolen host then means a stolen organization.
    type: str
  key_lifetime:
    description:
      - With O(access), how long a new key is valid, such as V(90d), V(36h) or V(2w).
      - Durations are written as for O(scaleway.registry.cleanup#module:older_than), a number and a unit among
        C(w), C(d), C(h), C(min) and C(s), or several, largest first (V(1w3d)). A bare C(m) is refused, since it
        reads as minutes and as months; so are months and years, with the days to write instead.
    type: str
    default: 90d
  key_renew_before:
    description:
      - With O(access), how long before its expiry a key is replaced by a new one; shorter than O(key_lifetime),
        and not zero. A duration as for O(key_lifetime).
        Expiry is judged by the API's clock (the C(Date) of its answers), not the controller's.
    type: str
    default: 14d
  access_keys:
    description:
      - Set by the action plugin, with O(access), to the access keys of the host's keys that last, so that the host
        tells whether it holds one of them. Not a secret, and not to be set in a task.
    type: list
    elements: str
notes:
  - The action plugin of this module reads the connection options (O(secret_key), O(access_key), O(profile),
    O(config_file)), the E(SCW_*) variables and the scw config file on the controller. It sends the host a secret key
    alone, inside the module's arguments, the controller's or, with O(access), the host's own. Nothing else of the
    controller's configuration reaches the host.
"""

    # The API modules that neither create nor filter by project: they work on whatever the key can list.
    ALL_PROJECTS = r"""
options:
  project_id:
    description:
      - Not used; this module does not filter by project. It finds namespaces, images and tags in every project that
        the API key can list, and a namespace given by name whatever its project.
      - E(SCW_DEFAULT_PROJECT_ID) and C(default_project_id) in the scw config do not filter either.
  organization_id:
    description:
      - Not used; this module does not filter by organization either (see O(project_id)).
"""

    # The region of the modules that work in one region; the others document their own.
    REGION = r"""
options:
  region:
    description:
      - The region, one of V(fr-par), V(nl-ams) and V(pl-waw).
      - If not set, E(SCW_DEFAULT_REGION), then C(default_region) in the selected profile, then the region of
        E(SCW_DEFAULT_ZONE) or C(default_zone), then V(fr-par).
    type: str
"""

    WAIT = r"""
options:
  wait:
    description:
      - Whether to wait until a deletion has finished.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait, when O(wait=true), before failing.
    type: int
    default: 300
"""

    # For the _info modules that list across regions: they filter by project and organization only when
    # asked, and take region all.
    INFO = r"""
options:
  project_id:
    description:
      - Only what belongs to this project. Without it, what the API key can list in every project.
      - Only this option filters; E(SCW_DEFAULT_PROJECT_ID) and C(default_project_id) in the scw config do not, so
        that a default project hides nothing.
  organization_id:
    description:
      - Only what belongs to this organization. As for O(project_id), only this option filters.
  region:
    description:
      - A region, a list of regions, or V(all) for the three regions of the Registry API (see the notes), queried
        concurrently.
      - If not set, E(SCW_DEFAULT_REGION), then C(default_region) in the selected profile, then the region of
        E(SCW_DEFAULT_ZONE) or C(default_zone), then V(fr-par).
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  idempotent:
    support: full
"""

    # The images in scope, for cleanup and the inventory plugin alike.
    SCOPE = r"""
options:
  namespaces:
    description:
      - The namespaces in scope, by name or ID. Names may be shell-style globs such as V(team-*).
      - Every namespace when not set. An empty list is refused, so that a template that came out empty cannot
        widen the scope to every namespace.
    type: list
    elements: str
  images:
    description:
      - Shell-style globs on the image names in scope, such as V(team/*).
      - Every image when not set. An empty list is refused, as for O(namespaces).
    type: list
    elements: str
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode and predict the result without changing anything.
  diff_mode:
    description: Returns the state before and after the change when run with C(--diff).
  idempotent:
    description: A second run with the same options changes nothing and reports no change.
  action_group:
    description: Use C(group/scaleway.registry.all) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - scaleway.registry.all
"""
