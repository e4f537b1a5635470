# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's main() in-process, and check it against declarative scenarios run on the emulator.

Three layers, each usable without the next:

- run_module(main, args, check_mode, diff, env): runs main() with those arguments, as Ansible would
  hand them over, and returns a ModuleOutcome (the exit_json or fail_json arguments, and the warnings).
  Nothing here knows the API: host modules (credential_helper, login) can use it with their own patches.
- Emulator: one `python -m tests.emulator` subprocess, and its admin endpoints (reset, seed, config,
  the request log, the state).
- Scenario and run_scenario(emulator, main, scenario): a starting state, the arguments, and what must
  come out, including the exact list of API requests; conftest.py gives each test a ready emulator.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import urllib.error
import urllib.request
from typing import ClassVar
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.scaleway.registry.tests.utils.with_emulator import PROJECT_ID, SECRET_KEY, start_emulator

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.17 and 2.18: AnsibleModule reads the arguments from basic._ANSIBLE_ARGS

    @contextlib.contextmanager
    def patch_module_args(args=None):
        payload = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode("utf-8")
        with mock.patch.object(basic, "_ANSIBLE_ARGS", payload):
            yield


API_PREFIX = "/registry/v1/regions/"
# Where no scw config file can be: the tests must not depend on the machine's ~/.config/scw/config.yaml.
NO_CONFIG_FILE = "/nonexistent/scaleway-registry-unit-tests/config.yaml"


class ModuleExit(Exception):
    """exit_json or fail_json was called: the module is done."""

    def __init__(self, failed, result):
        super().__init__(result)
        self.failed = failed
        self.result = result


class ModuleOutcome:
    """What a run of a module gave: failed or not, the keyword arguments of exit_json/fail_json, the warnings."""

    def __init__(self, failed, result, warnings):
        self.failed = failed
        self.result = result
        self.warnings = warnings

    def __repr__(self):
        return f"ModuleOutcome(failed={self.failed!r}, result={self.result!r}, warnings={self.warnings!r})"


def scw_free_environ():
    """os.environ without what would change how a module connects: SCW_*, SCALEWAY_* and proxy variables."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("SCW_", "SCALEWAY_")) and not name.lower().endswith("_proxy")
    }


def run_module(main, args, check_mode=False, diff=False, env=None):
    """Run a module's main() in this process and return its ModuleOutcome.

    args are the module's arguments; check_mode and diff set _ansible_check_mode and _ansible_diff.
    env, when given, replaces os.environ for the run (None values are left out). exit_json and
    fail_json raise ModuleExit instead of printing and exiting, and warn() records the warning, so
    that the outcome is the result the module built, before Ansible adds its own keys.
    """
    arguments = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    warnings = []

    def exit_json(_module, **result):
        raise ModuleExit(False, result)

    def fail_json(_module, msg, **result):
        raise ModuleExit(True, dict(result, msg=msg))

    def warn(_module, warning, **_kwargs):
        warnings.append(warning)

    environ = None if env is None else {key: value for key, value in env.items() if value is not None}
    with contextlib.ExitStack() as stack:
        stack.enter_context(patch_module_args(arguments))
        stack.enter_context(mock.patch.object(AnsibleModule, "exit_json", exit_json))
        stack.enter_context(mock.patch.object(AnsibleModule, "fail_json", fail_json))
        stack.enter_context(mock.patch.object(AnsibleModule, "warn", warn))
        if environ is not None:
            stack.enter_context(mock.patch.dict(os.environ, environ, clear=True))
        try:
            main()
        except ModuleExit as done:
            return ModuleOutcome(done.failed, done.result, warnings)
    raise AssertionError("the module returned without calling exit_json or fail_json")


def _die_with_parent():
    """In the emulator's process: SIGTERM when the pytest process that started it ends, however it ends.

    A pytest-xdist worker can end without running pytest_unconfigure; an emulator left behind would keep
    ansible-test waiting for the end of the output it inherited."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class Emulator:
    """A `python -m tests.emulator` subprocess (no --registry) and its admin endpoints.

    Its keys are those of tests/utils/with_emulator.py: SECRET_KEY owns PROJECT_ID (its organization's
    default project) and SECOND_PROJECT_ID; OTHER_SECRET_KEY is another organization, OTHER_PROJECT_ID.
    """

    # What every scenario starts from, as start() sets it: no faults, no latency, deletes done at once.
    BASELINE: ClassVar[dict] = {
        "faults": None,
        "latency_ms": None,
        "deleting_polls": 0,
        "pushes_before_tag_delete": 0,
        "clock_offset": 0,
    }

    def __init__(self, process, url):
        self.process = process
        self.url = url
        self.pid = os.getpid()  # the process that started it, and the only one that stops it

    @classmethod
    def start(cls):
        process, url, _registries = start_emulator(["--deleting-polls", "0"], preexec_fn=_die_with_parent)
        return cls(process, url)

    def stop(self):
        if self.pid != os.getpid() or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except Exception:  # pylint: disable=broad-except
            self.process.kill()
            self.process.wait()

    def _send(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def admin(self, method, path, body=None):
        status, answer = self._send(method, "/_emulator/" + path, body)
        if status != 200:
            raise AssertionError(f"emulator {method} /_emulator/{path} answered {status}: {answer}")
        return answer

    def api(self, method, path, secret_key=SECRET_KEY):
        """An API call as a user would send it (path under /registry/v1/regions/); (status, answer)."""
        return self._send(method, API_PREFIX + path, headers={"X-Auth-Token": secret_key})

    def reset(self):
        self.admin("POST", "reset")

    def seed(self, document):
        return self.admin("POST", "seed", document)

    def configure(self, **config):
        return self.admin("PATCH", "config", config)

    def state(self):
        return self.admin("GET", "state")

    def requests(self):
        return self.admin("GET", "requests")["requests"]

    def clear_requests(self):
        self.admin("DELETE", "requests")

    def prepare(self, seed=None, before=(), config=None):
        """Empty state and request log; then the seed, the config (on top of BASELINE) and the `before` API calls.

        Reset keeps the config: whoever changes it puts BASELINE back (run_scenario does, whatever happens).
        """
        self.reset()
        if seed:
            self.seed(seed)
        if config:
            self.configure(**dict(self.BASELINE, **config))
        for method, path in before:
            status, answer = self.api(method, path)
            if status != 200:
                raise AssertionError(f"before: {method} {path} answered {status}: {answer}")
        if before:
            self.clear_requests()


def format_request(entry):
    """One logged API request as scenarios spell it: 'GET fr-par/namespaces?name=team-web -> 200'.

    The path is shown from the region on; an injected fault is marked so, as it is not the API's answer.
    """
    path = entry["path"]
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    query = "?" + entry["query"] if entry["query"] else ""
    fault = " (fault)" if entry.get("fault") else ""
    return "{} {}{} -> {}{}".format(entry["method"], path, query, entry["status"], fault)


# Expectations: plain values compare with ==; these compare as their docstrings say.


class _Absent:
    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


class Fields:
    """An object (a dict) that has at least these fields, with these values (a field given as ABSENT must not
    be there); it may have others."""

    def __init__(self, **fields):
        self.fields = fields

    def mismatches(self, actual, where):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems = []
        for key, value in self.fields.items():
            if value is ABSENT:
                if key in actual:
                    problems.append(f"{where}.{key}: {actual[key]!r}, expected no such field")
            elif key not in actual:
                problems.append(f"{where}.{key}: missing (expected {value!r})")
            elif actual[key] != value:  # the expectation's __eq__ may be a matcher's, on either side
                problems.append(f"{where}.{key}: {actual[key]!r}, expected {value!r}")
        return problems

    def __eq__(self, other):
        return not self.mismatches(other, "")

    __hash__ = None

    def __repr__(self):
        return "Fields({})".format(", ".join("{}={!r}".format(*item) for item in self.fields.items()))


class Diff:
    """A diff {before, after}. {} is an empty side; Fields a side with those fields. When both sides are
    objects, every field that the expectation does not name must be the same before and after."""

    def __init__(self, before, after):
        self.before = before
        self.after = after

    def mismatches(self, actual, where):
        if not isinstance(actual, dict) or set(actual) != {"before", "after"}:
            return [f"{where}: expected {{before, after}}, got {actual!r}"]
        problems = []
        for side in ("before", "after"):
            problems += mismatches(actual[side], getattr(self, side), f"{where}.{side}")
        if isinstance(self.before, Fields) and isinstance(self.after, Fields) and not problems:
            named = set(self.before.fields) | set(self.after.fields)
            for key in sorted(set(actual["before"]) | set(actual["after"])):
                if key not in named and actual["before"].get(key) != actual["after"].get(key):
                    problems.append(
                        "{}: {} changed from {!r} to {!r}, and the expectation does not say so".format(
                            where, key, actual["before"].get(key), actual["after"].get(key)
                        )
                    )
        return problems

    def __repr__(self):
        return f"Diff(before={self.before!r}, after={self.after!r})"


class Like:
    """A string matching this regular expression from start to end."""

    def __init__(self, pattern):
        self.pattern = re.compile(pattern, re.DOTALL)

    def __eq__(self, other):
        return isinstance(other, str) and self.pattern.fullmatch(other) is not None

    __hash__ = None

    def __repr__(self):
        return f"Like({self.pattern.pattern!r})"


ANY = mock.ANY
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID = Like(UUID_PATTERN)
TIMESTAMP = Like(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")


def Msg(text):  # pylint: disable=invalid-name
    """A message that is this text, where {id} stands for any UUID (a request id)."""
    return Like(re.escape(text).replace(re.escape("{id}"), UUID_PATTERN))


def updated_diff(before, after):
    """The diff of a write the API has done: the fields given go from before to after (dicts), and updated_at
    from whatever it was to a new timestamp."""
    return Diff(Fields(updated_at=ANY, **before), Fields(updated_at=TIMESTAMP, **after))


def mismatches(actual, expected, where):
    """Why actual is not what expected describes, as a list of lines; [] when it is."""
    if isinstance(expected, (Fields, Diff)):
        return expected.mismatches(actual, where)
    if isinstance(expected, list) and any(isinstance(item, (Fields, Diff)) for item in expected):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected a list of {len(expected)}, got {actual!r}"]
        problems = []
        for index, (item, wanted) in enumerate(zip(actual, expected)):
            problems += mismatches(item, wanted, f"{where}[{index}]")
        return problems
    return [] if actual == expected else [f"{where}: {actual!r}, expected {expected!r}"]


class Concurrently:
    """In a scenario's request list: requests sent at the same time, so in any order, at this point of the list."""

    def __init__(self, *requests):
        self.requests = list(requests)

    def __repr__(self):
        return "Concurrently({})".format(", ".join(repr(request) for request in self.requests))


def _flat(requests):
    """A scenario's request list with its Concurrently groups spread out."""
    return [request for item in requests for request in (item.requests if isinstance(item, Concurrently) else [item])]


def requests_match(sent, expected):
    """Whether the requests sent are the expected ones: in order, but in any order within a Concurrently group."""
    position = 0
    for item in expected:
        group = item.requests if isinstance(item, Concurrently) else [item]
        if sorted(sent[position : position + len(group)]) != sorted(group):
            return False
        position += len(group)
    return position == len(sent)


def _spelled(requests):
    return [
        ("(concurrently) " if isinstance(item, Concurrently) else "") + request
        for item in requests
        for request in (item.requests if isinstance(item, Concurrently) else [item])
    ]


class Scenario:
    """One run of a module, declared: where the emulator starts, what the module gets, what must come out.

    - name: the behaviour, which names the test.
    - args: the module's arguments; api_url (the emulator) and secret_key (SECRET_KEY) are added unless given.
    - requests: the exact API requests sent, in order (in any order with any_order=True, for concurrent
      requests), each as format_request() spells it; a Concurrently(...) item holds requests that may come
      in any order among themselves, at that point of the list.
    - result: the exit_json arguments, every key of them, or failed: the fail_json arguments (msg included).
    - seed: the emulator's starting state (a seed document); before: (method, path) API calls sent with
      SECRET_KEY after the seed and the config; config: the emulator's config during the run (faults,
      deleting_polls, pushes_before_tag_delete), on top of Emulator.BASELINE.
    - check_mode, diff: Ansible's modes (diff mode is on unless diff=False).
    - env: environment variables for the run (None removes one); by default SCW_DEFAULT_PROJECT_ID is PROJECT_ID,
      and no other SCW_* variable or scw config file is seen.
    - warnings: the warnings the module must give, exactly.
    """

    def __init__(
        self,
        name,
        args,
        requests,
        result=None,
        failed=None,
        seed=None,
        before=(),
        config=None,
        check_mode=False,
        diff=True,
        env=None,
        warnings=(),
        any_order=False,
    ):
        if (result is None) == (failed is None):
            raise ValueError(f"scenario {name}: give result or failed")
        self.name = name
        self.args = args
        self.requests = list(requests)
        self.result = result
        self.failed = failed
        self.seed = seed
        self.before = before
        self.config = config
        self.check_mode = check_mode
        self.diff = diff
        self.env = env or {}
        self.warnings = list(warnings)
        self.any_order = any_order

    def variant(self, name, **changes):
        """This scenario under another name, with these of its fields changed (check_mode=True, seed=...)."""
        fields = dict(
            args=self.args,
            requests=self.requests,
            result=self.result,
            failed=self.failed,
            seed=self.seed,
            before=self.before,
            config=self.config,
            check_mode=self.check_mode,
            diff=self.diff,
            env=self.env,
            warnings=self.warnings,
            any_order=self.any_order,
        )
        fields.update(changes)
        return Scenario(name, **fields)

    def __repr__(self):
        return f"Scenario({self.name})"


# Scenarios that the modules share but for their arguments, and what their failures say.

DENIED = (
    "insufficient permissions (HTTP 403, permissions_denied, request id {id}): the API key from the secret_key"
    " option may not do this; check its IAM policy and the project"
)
# The end of an info module's refusal of a region (they take region: all too), after "region 'fr-mrs' ".
NOT_AN_INFO_REGION = "is not a Scaleway Container Registry region; use fr-par, nl-ams, pl-waw or all"


def denied(resource, action="read"):
    """The fail_json arguments for the API's 403 permissions_denied on that action on a namespace, image or tag."""
    return {
        "msg": Msg(DENIED),
        "api_error": {
            "status": 403,
            "type": "permissions_denied",
            "message": "insufficient permissions",
            "details": [{"action": action, "resource": resource}],
            "request_id": UUID,
        },
    }


def refused_by_permissions(args, seed, first_request, resource, action="read", name="reports_a_permission_refusal"):
    """The API key may not send the module's first request (format_request() without its answer): an injected
    403 refuses it, and the module fails with the API's error and sends nothing more."""
    return Scenario(
        name,
        args=args,
        seed=seed,
        config={"faults": "403=1"},
        requests=[f"{first_request} -> 403 (fault)"],
        failed=denied(resource, action),
    )


def refused_as_another_organizations(name, args, seed, request, resource):
    """An ID of another organization's object: the API answers its one request (without its answer) with 403,
    and the module reports the refusal, not a missing object."""
    return Scenario(name, args=args, seed=seed, requests=[f"{request} -> 403"], failed=denied(resource))


def refused_before_any_request(name, args, msg):
    """Arguments the module refuses with that message before it sends anything."""
    return Scenario(name, args=args, requests=[], failed={"msg": msg})


def refused_region(args, message_tail):
    """The args with region fr-mrs, which has no Container Registry: refused before any request with
    "region 'fr-mrs' " and message_tail."""
    return refused_before_any_request(
        "refuses_a_region_without_a_registry_before_any_request",
        dict(args, region="fr-mrs"),
        "region 'fr-mrs' " + message_tail,
    )


def refused_not_a_uuid(name, option, value):
    """An ID option that is not a UUID, refused before any request."""
    return refused_before_any_request(
        name, {option: value}, f"{option} must be a UUID like 11111111-2222-4333-8444-555555555555, not {value}"
    )


def scenarios(*items):
    """pytest parameters, one per scenario, each with the scenario's name as its id."""
    import pytest  # pylint: disable=import-outside-toplevel

    names = [item.name for item in items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError("scenario names must be unique: {}".format(", ".join(duplicates)))
    return [pytest.param(item, id=item.name) for item in items]


def run_scenario(emulator, main, scenario):
    """Run the scenario against the emulator; one AssertionError listing everything that differs."""
    __tracebackhide__ = True  # pylint: disable=unused-variable  # pytest shows the scenario's failure, not this code
    env = dict(scw_free_environ(), SCW_CONFIG_PATH=NO_CONFIG_FILE, SCW_DEFAULT_PROJECT_ID=PROJECT_ID)
    env.update(scenario.env)
    args = dict({"api_url": emulator.url, "secret_key": SECRET_KEY}, **scenario.args)
    try:
        emulator.prepare(scenario.seed, scenario.before, scenario.config)
        state_before = emulator.state() if scenario.check_mode else None
        outcome = run_module(main, args, check_mode=scenario.check_mode, diff=scenario.diff, env=env)
        sent = [format_request(entry) for entry in emulator.requests()]
        state_after = emulator.state() if scenario.check_mode else None
    finally:
        if scenario.config:
            emulator.configure(**emulator.BASELINE)

    problems = []
    expected = scenario.failed if scenario.failed is not None else scenario.result
    if outcome.failed != (scenario.failed is not None):
        problems.append("the module %s" % ("failed" if outcome.failed else "did not fail"))
    else:
        if set(outcome.result) != set(expected):
            problems.append(f"result keys: {sorted(outcome.result)}, expected {sorted(expected)}")
        for key in sorted(set(outcome.result) & set(expected)):
            problems += mismatches(outcome.result[key], expected[key], key)
    if outcome.warnings != scenario.warnings:
        problems.append(f"warnings: {outcome.warnings!r}, expected {scenario.warnings!r}")
    if scenario.any_order:
        same = sorted(sent) == sorted(_flat(scenario.requests))
    else:
        same = requests_match(sent, scenario.requests)
    if not same:
        problems.append(
            "requests sent{}:\n    {}\n  expected:\n    {}".format(
                " (in any order)" if scenario.any_order else "",
                "\n    ".join(sent) or "none",
                "\n    ".join(_spelled(scenario.requests)) or "none",
            )
        )
    if scenario.check_mode:
        writes = [request for request in sent if not request.startswith("GET ")]
        if writes:
            problems.append(f"check mode sent writes: {writes}")
        if state_after != state_before:
            problems.append("check mode changed the emulator's state")
    if problems:
        raise AssertionError(
            "scenario {}:\n- {}\nthe module {} with {}".format(
                scenario.name,
                "\n- ".join(problems),
                "failed" if outcome.failed else "exited",
                json.dumps(outcome.result, indent=1, sort_keys=True, default=repr),
            )
        )
    return outcome
