#!/usr/bin/env bash
# Runs every module, action plugin and the inventory plugin with -vvvv, in diff mode and in check
# mode, with a log file, while a watcher records every process command line; then proves that the
# secret keys used (the right one and a refused one) appear in no output, no log, no command line,
# and no file others can read.
set -eu -o pipefail

vars=../../integration_config.yml
utils=../../../utils
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
secret=$(sed -n 's/^scw_secret_key: //p' "$vars")
refused=$(sed -n 's/^ *refused_secret_key: //p' playbook.yml)
other_token=$(sed -n 's/^ *other_registry_token: //p' hosts.yml)
other_identity=$(sed -n 's/^ *other_identity_token: //p' hosts.yml)
work=$(mktemp -d)
export ANSIBLE_ROLES_PATH=..
export AUDIT_DIR="$work/hosts"
mkdir -p "$AUDIT_DIR"
"$python" "$utils/cmdline_watch.py" "$work/cmdlines" $$ &
watcher=$!
trap 'kill "$watcher" 2>/dev/null || true; rm -rf "$work"' EXIT

for mode in "" "--check"; do
    for playbook in playbook.yml hosts.yml; do
        # SCW_SECRET_KEY exported as a user would, for the task that reads it from the environment.
        SCW_SECRET_KEY="$secret" ANSIBLE_LOG_PATH="$work/ansible.log" ansible-playbook -i "$INVENTORY_PATH" \
            -e @"$vars" "$playbook" -vvvv --diff $mode "$@" >> "$work/output.log" 2>&1 \
            || { cat "$work/output.log"; exit 1; }
    done
done
# The inventory plugin, with the key from SCW_SECRET_KEY, listed and then used by a play, with -vvvv,
# over an image made for it (the key read from the vars file, never on a command line).
"$python" - "$vars" <<'PYTHON'
import json, sys, urllib.request, yaml
config = yaml.safe_load(open(sys.argv[1]))
def call(path, body):
    headers = {"Content-Type": "application/json"}
    urllib.request.urlopen(urllib.request.Request(config["scw_api_url"] + path, json.dumps(body).encode(), headers)).read()
call("/_emulator/seed", {"namespaces": [{"region": "fr-par", "name": "secrets-inventory",
                                         "project_id": config["scw_project_id"]}],
                         "images": [{"region": "fr-par", "namespace": "secrets-inventory", "name": "app",
                                     "tags": [{"name": "v1"}]}]})
PYTHON
printf 'plugin: scaleway.registry.images\napi_url: %s\ninclude_tags: true\n' "$(sed -n 's/^scw_api_url: //p' "$vars")" \
    > "$work/audit.scaleway_images.yml"
for command in "ansible-inventory -i $work/audit.scaleway_images.yml --list -vvvv" \
               "ansible -i $work/audit.scaleway_images.yml all -m ansible.builtin.ping -vvvv --diff --check"; do
    SCW_SECRET_KEY="$secret" ANSIBLE_INVENTORY_ENABLED=scaleway.registry.images ANSIBLE_LOG_PATH="$work/ansible.log" \
        $command >> "$work/output.log" 2>&1 || { cat "$work/output.log"; exit 1; }
done
grep -q "registry_effective_visibility" "$work/output.log"

kill "$watcher"
wait "$watcher" || true

# The run really showed module arguments, results and diffs, and the watcher saw the logins.
grep -q VALUE_SPECIFIED_IN_NO_LOG_PARAMETER "$work/output.log"
grep -q '"before"' "$work/output.log"
grep -q 'authentication is denied' "$work/output.log"
grep -q "login --username scaleway --password-stdin -- $(sed -n 's/^scw_registries: .*"fr-par": "\([^"]*\)".*/\1/p' "$vars")" \
    "$work/cmdlines"

# Each secret, and each of the three shapes its base64 takes inside any base64 "user:secret" (docker's auth).
forms() {
    "$python" -c 'import base64, sys
for secret in sys.argv[1:]:
    print(secret)
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret.encode()).decode()
        print(encoded[(shift + 2) // 3 * 4:-4])' "$@"
}
grep -q "(credentials)" "$work/output.log"
forms "$secret" "$refused" "$other_token" "$other_identity" > "$work/forms"
[ "$(wc -l < "$work/forms")" -eq 16 ]
while read -r key; do
    if grep -rlF -- "$key" "$work/output.log" "$work/ansible.log" "$work/cmdlines"; then
        grep -rhF -- "$key" "$work/output.log" "$work/ansible.log" "$work/cmdlines" | sed "s/$key/<the key>/g" | head -5
        echo "a secret key leaked into the files above" >&2
        exit 1
    fi
done < "$work/forms"
"$python" "$utils/find_secret_files.py" "$secret" "$work" "$HOME/.ansible/tmp"
echo "no secret key in $(wc -l < "$work/output.log") lines of output, $(wc -l < "$work/ansible.log") lines of log," \
    "$(wc -l < "$work/cmdlines") command lines, or a file others can read"
