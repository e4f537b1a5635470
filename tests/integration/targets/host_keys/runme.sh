#!/usr/bin/env bash
# Per-host keys (the access option of credential_helper and login) on a fleet of two hosts of this machine,
# web-1 and web-2, each with a home, a DOCKER_CONFIG and a bin directory of its own; see host_keys.yml. Then
# cleanup.yml, whatever happened, leaves the emulator as the target found it.
set -eu -o pipefail

vars=../../integration_config.yml
work=$(mktemp -d)
export ANSIBLE_ROLES_PATH=..
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

playbook() { ansible-playbook -i inventory.yml -e @"$vars" -e host_keys_scratch="$work" "$@"; }

finish() {
    local status=$?
    playbook cleanup.yml || status=1
    rm -rf "$work"
    exit "$status"
}
trap finish EXIT

playbook host_keys.yml "$@"
