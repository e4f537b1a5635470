#!/usr/bin/env bash
# Runs the playbooks of examples/ against the emulator, the way a user would: credentials in
# SCW_* variables, check mode first, then for real, then again to prove nothing is left to change.
set -eu -o pipefail

# shellcheck source=tests/utils/user_shell.sh
. ../../../utils/user_shell.sh ../../integration_config.yml
examples=../../../../examples
work=$(mktemp -d)
# Leave the emulator as empty as it was found, for the targets that list whole regions.
forget() { python3 -c 'import os, urllib.request; urllib.request.urlopen(urllib.request.Request(
    os.environ["SCW_API_URL"] + "/_emulator/reset", data=b"{\"chapter\": \"examples\"}", method="POST")).read()'; }
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
grep -q "would delete 220 tags of 2 images, keep 52" "$work/out"
run 1 "$examples/cleanup-tags.yml"
grep -q "deleted 220 tags of 2 images, kept 52" "$work/out"
run 0 "$examples/cleanup-tags.yml"

# The same images through the inventory: team/app and tools/cli lose tags, solo keeps its only one.
inventory="$examples/inventory/registry.scaleway_images.yml"
ansible-inventory -i "$inventory" --graph namespace_demo_apps | tee "$work/out"
grep -q -- "--demo-apps/team/app$" "$work/out"
run 2 -i "$inventory" --check --diff "$examples/cleanup-by-group.yml"
run 2 -i "$inventory" "$examples/cleanup-by-group.yml"
run 0 -i "$inventory" "$examples/cleanup-by-group.yml"

# The fleet examples, on this host as a fleet of one: root already and no sudo here, so no become;
# every file in $work, and the emulator's Paris registry instead of rg.fr-par.scw.cloud.
registry=$(setting registries | python3 -c 'import json, sys; print(json.load(sys.stdin)["fr-par"])')
cat > "$work/hosts" <<HOSTS
[registry_clients]
localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" ansible_become=false
HOSTS
# A private image to pull, pushed into the namespace the first example made.
python3 -c 'import base64, json, os, sys; print(json.dumps({"auths": {sys.argv[1]: {"auth": base64.b64encode(
    ("nologin:" + os.environ["SCW_SECRET_KEY"]).encode()).decode()}}}))' "$registry" > "$work/push.json"
python3 ../../../utils/oci.py build "$work/oci" v1 examples > /dev/null
python3 ../../../utils/oci.py push "$work/oci" v1 "$registry/demo-apps/hello:v1" --authfile "$work/push.json"
image="docker://$registry/demo-apps/hello:v1"
echo '{}' > "$work/none.json"
if skopeo inspect --authfile "$work/none.json" --tls-verify=false "$image" > /dev/null 2>&1; then
    echo "$image can be inspected without credentials" >&2; exit 1
fi
# Whether an auth file gives skopeo the registry's credentials, through the helper or not.
serves() { skopeo inspect --authfile "$1" --tls-verify=false "$image" > /dev/null; }
# The helper's directory in the PATH of the module and of skopeo, as for a user of the host.
export PATH="$work/bin:$PATH"

cat > "$work/helper.yml" <<VARS
credential_helper_path: $work/bin
credential_helper_regions: [fr-par]
credential_helper_registries: ["$registry"]
credential_helper_docker_configs: ["$work/docker/config.json"]
credential_helper_podman: true
credential_helper_podman_authfile: $work/podman/auth.json
credential_helper_secret_file: $work/secret/scw
VARS
helper=(-i "$work/hosts" -e "@$work/helper.yml" "$examples/install-credential-helper.yml")
run 1 --check "${helper[@]}"
[ ! -e "$work/bin" ]
run 1 "${helper[@]}"
run 0 "${helper[@]}"
[ -x "$work/bin/docker-credential-scw" ]
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["credHelpers"][sys.argv[2]] == "scw"' \
    "$work/docker/config.json" "$registry"
serves "$work/docker/config.json"
serves "$work/podman/auth.json"

cat > "$work/login.yml" <<VARS
registry_login_program: podman
registry_login_registry: "$registry"
registry_login_authfile: $work/login/auth.json
registry_login_tls_verify: false
VARS
login=(-i "$work/hosts" -e "@$work/login.yml" "$examples/login.yml")
run 1 --check --diff "${login[@]}"
[ ! -e "$work/login/auth.json" ]
run 1 "${login[@]}"
run 0 "${login[@]}"
python3 -c 'import json, sys; assert sys.argv[2] in json.load(open(sys.argv[1]))["auths"]' "$work/login/auth.json" "$registry"
serves "$work/login/auth.json"

# cleanup-in-use.yml, with this host as the fleet: a podman container of demo-apps/hello:v1 uses it, and the
# cleanup of demo-* keeps it; every reference the fleet gives holds a tag in scope.
container="examples-in-use-$$"
trap 'podman rm --force --ignore "$container" > /dev/null 2>&1; podman rmi --ignore "$registry/demo-apps/hello:v1" \
    > /dev/null 2>&1; rm -rf "$work"; forget' EXIT
podman create --tls-verify=false --authfile "$work/push.json" --name "$container" "$registry/demo-apps/hello:v1" true \
    > /dev/null
printf '[fleet]\nlocalhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n' \
    > "$work/in-use-hosts"
in_use=(-i "$work/in-use-hosts" -e "{\"in_use_registries\": [\"$registry\"], \"in_use_become\": false}"
        "$examples/cleanup-in-use.yml")
# A docker whose socket is refused to the user: its containers are unknown, and the play stops before the cleanup.
mkdir "$work/refused"
printf '#!/bin/sh\necho "permission denied while trying to connect to the Docker daemon socket" >&2\nexit 1\n' \
    > "$work/refused/docker"
chmod 0755 "$work/refused/docker"
if PATH="$work/refused:$PATH" ansible-playbook "${in_use[@]}" > "$work/out"; then
    echo "cleanup-in-use.yml went on with an engine that could not be read" >&2
    exit 1
fi
grep -q "docker: permission denied while trying to connect to the Docker daemon socket; its containers are unknown" \
    "$work/out"
grep -q "Apply the retention policy" "$work/out" && { echo "the cleanup ran" >&2; exit 1; }
run 0 --check --diff "${in_use[@]}"
grep -q "; 0 of the fleet's references held no tag in scope" "$work/out"
run 0 "${in_use[@]}"
grep -q "; 0 of the fleet's references held no tag in scope" "$work/out"
podman rm --force "$container" > /dev/null

# fleet-keys.yml, on a fleet of three hosts of this machine, each with its own files: each gets a key of its own of
# the IAM application, which the controller's key (the emulator's owner key) makes. The emulator's organization has
# the id of its default project.
export SCW_DEFAULT_ORGANIZATION_ID=$SCW_DEFAULT_PROJECT_ID
fleet=(host-1 host-2 host-3)
# The fleet group of the inventory: the hosts given, each with its helper, docker config and secret file in $work.
fleet_inventory() {
    local host
    echo 'fleet:'
    echo '  hosts:'
    for host in "$@"; do
        cat <<HOST
    $host:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
      ansible_become: false
      fleet_keys_path: $work/fleet/$host/bin
      fleet_keys_docker_configs: [$work/fleet/$host/docker/config.json]
      fleet_keys_secret_file: $work/fleet/$host/secret/scw
HOST
    done
}
fleet_inventory "${fleet[@]}" > "$work/fleet.yml"
fleet_inventory host-1 host-2 > "$work/fleet-left.yml"   # host-3 left the fleet
cat > "$work/fleet-vars.yml" <<VARS
fleet_keys_regions: [fr-par]
fleet_keys_registries: ["$registry"]
VARS
fleet_keys=(-e "@$work/fleet-vars.yml" "$examples/fleet-keys.yml")
# Each host's helper directory in the PATH, as on each host (the module warns otherwise); host_serves puts the host's
# own first.
export PATH="$work/fleet/host-1/bin:$work/fleet/host-2/bin:$work/fleet/host-3/bin:$PATH"
# The access key that a host's helper gives for the registry, as docker would ask for it.
held() {
    printf '%s' "$registry" | "$work/fleet/$1/bin/docker-credential-scw" get \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["Username"])'
}
# Whether skopeo gets the registry's credentials from a host's helper.
host_serves() { PATH="$work/fleet/$1/bin:$PATH" serves "$work/fleet/$1/docker/config.json"; }

# Check mode first: the application is only predicted, and so are the hosts' keys (4 changes); nothing is written.
run 4 --check -i "$work/fleet.yml" "${fleet_keys[@]}"
[ ! -e "$work/fleet" ]
# The application, then a key for each host (4 changes); then nothing left to do, for real or in check mode.
run 4 -i "$work/fleet.yml" "${fleet_keys[@]}"
run 0 -i "$work/fleet.yml" "${fleet_keys[@]}"
run 0 --check -i "$work/fleet.yml" "${fleet_keys[@]}"
keys=()
for host in "${fleet[@]}"; do
    keys+=("$(held "$host")")
    host_serves "$host"
done
[ "$(printf '%s\n' "${keys[@]}" | grep -c '^SCW[A-Z0-9]\{17\}$')" = 3 ] || { echo "not access keys: ${keys[*]}" >&2; exit 1; }
[ "$(printf '%s\n' "${keys[@]}" | sort -u | wc -l)" = 3 ] || { echo "hosts share a key: ${keys[*]}" >&2; exit 1; }

# host-3 leaves the inventory: the next run revokes its key (1 change), and its pulls are refused.
run 1 --check -i "$work/fleet-left.yml" "${fleet_keys[@]}"
host_serves host-3
run 1 -i "$work/fleet-left.yml" "${fleet_keys[@]}"
run 0 -i "$work/fleet-left.yml" "${fleet_keys[@]}"
if host_serves host-3 2> "$work/out"; then
    echo "host-3 still pulls after its key was revoked" >&2; exit 1
fi
grep -qi unauthorized "$work/out"
host_serves host-1
host_serves host-2
[ "$(held host-1) $(held host-2)" = "${keys[0]} ${keys[1]}" ]
