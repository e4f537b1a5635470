#!/usr/bin/env bash
# Runs the playbooks of examples/ against the emulator, the way a user would: credentials in
# SCW_* variables, check mode first, then for real, then again to prove nothing is left to change.
set -eu -o pipefail

vars=../../integration_config.yml
setting() { sed -n "s/^scw_$1: //p" "$vars"; }
export SCW_API_URL SCW_SECRET_KEY SCW_DEFAULT_PROJECT_ID
SCW_API_URL=$(setting api_url)
SCW_SECRET_KEY=$(setting secret_key)
SCW_DEFAULT_PROJECT_ID=$(setting project_id)
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
examples=../../../../examples
work=$(mktemp -d)
# Leave the emulator as empty as it was found, for the targets that list whole regions.
forget() { python3 -c 'import os, urllib.request; urllib.request.urlopen(urllib.request.Request(
    os.environ["SCW_API_URL"] + "/_emulator/reset", method="POST")).read()'; }
trap 'rm -rf "$work"; forget' EXIT

# Runs a playbook and checks the changed count of its recap, summed over its hosts.
run() {
    local expected=$1 changed
    shift
    ansible-playbook "$@" | tee "$work/out"
    changed=$(awk '/ : ok=[0-9]+ +changed=/ { sub(/.*changed=/, ""); sum += $1 } END { print sum + 0 }' "$work/out")
    [ "$changed" = "$expected" ] || { echo "expected changed=$expected, got $changed" >&2; exit 1; }
}

run 1 --check "$examples/provision-namespaces.yml"
run 1 "$examples/provision-namespaces.yml"
run 0 "$examples/provision-namespaces.yml"

# Images to clean up, as if pushed into the namespace the first example made.
python3 ../cleanup/files/seed.py demo-apps | python3 -c '
import json, os, sys, urllib.request
request = urllib.request.Request(os.environ["SCW_API_URL"] + "/_emulator/seed", data=sys.stdin.buffer.read(),
                                 headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(request).read()'

run 1 --check --diff "$examples/cleanup-tags.yml"
grep -q "220 tags would be deleted, 52 kept" "$work/out"
run 1 "$examples/cleanup-tags.yml"
grep -q "220 tags were deleted, 52 kept" "$work/out"
run 0 "$examples/cleanup-tags.yml"

# The same images through the inventory: team/app and tools/cli lose tags, solo keeps its only one.
inventory="$examples/inventory/registry.scaleway_images.yml"
ansible-inventory -i "$inventory" --graph namespace_demo_apps | tee "$work/out"
grep -q -- "--demo-apps/team/app$" "$work/out"
run 2 -i "$inventory" --check --diff "$examples/cleanup-by-group.yml"
run 2 -i "$inventory" "$examples/cleanup-by-group.yml"
run 0 -i "$inventory" "$examples/cleanup-by-group.yml"
