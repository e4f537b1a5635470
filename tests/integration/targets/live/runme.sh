#!/usr/bin/env bash
# The live suite (tests/live/, what `make live` runs against a real account) against the emulator, as `make live`
# runs it: credentials in SCW_* variables and nothing else. Then the emulator must hold exactly what it held before.
# Then make live-clean's playbook must delete a namespace that an interrupted run left, and only that.
set -eu -o pipefail

# shellcheck source=tests/utils/user_shell.sh
. ../../../utils/user_shell.sh ../../integration_config.yml
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
state() { "$python" -c 'import json, os, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(
    os.environ["SCW_API_URL"] + "/_emulator/state")), indent=1, sort_keys=True))'; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# From the scratch directory: inside the collection, ansible would warn that it runs with it as the default.
namespace() { (cd "$work" && ansible localhost -m scaleway.registry.namespace -a "name=$1 region=$2 state=$3" > /dev/null); }
same_state() { state > "$work/now.json"; diff -u "$work/before.json" "$work/now.json" || { echo "$1" >&2; exit 1; }; }

# A namespace of somebody else's, which neither playbook may touch.
namespace other-team nl-ams present
trap 'namespace other-team nl-ams absent; rm -rf "$work"' EXIT
state > "$work/before.json"
# A fixed namespace name, so that make chaos finds the same names in its journal as the run without faults.
ansible-playbook ../../../live/live.yml -e live_tls_verify=false -e live_namespace=ansible-live-emulator "$@" \
    | tee "$work/output.log"
grep -q "Push app:v1, app:v2, app:v3 and app:latest with skopeo" "$work/output.log"
same_state "the live suite left the emulator changed"

namespace ansible-live-interrupted pl-waw present
ansible-playbook ../../../live/clean.yml "$@" | tee "$work/output.log"
grep -q "ok=2 *changed=1 " "$work/output.log"
same_state "make live-clean did not delete exactly what a live run left"
