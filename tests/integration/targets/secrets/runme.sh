#!/usr/bin/env bash
# Runs every module, action plugin and the inventory plugin with -vvvv, in diff mode and in check
# mode, with a log file, while a watcher records every process command line; then proves that the
# secret keys used (the right one, a refused one, and those issued to the host through access)
# appear in no output, no log, no command line, and no file others can read.
set -eu -o pipefail

vars=../../integration_config.yml
utils=../../../utils
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
secret=$(sed -n 's/^scw_secret_key: //p' "$vars")
refused=$(sed -n 's/^ *refused_secret_key: //p' playbook.yml)
other_token=$(sed -n 's/^ *other_registry_token: //p' hosts.yml)
other_identity=$(sed -n 's/^ *other_identity_token: //p' hosts.yml)
api_url=$(sed -n 's/^scw_api_url: //p' "$vars")
work=$(mktemp -d)
export ANSIBLE_ROLES_PATH=..
export AUDIT_DIR="$work/hosts"
mkdir -p "$AUDIT_DIR"
"$python" "$utils/cmdline_watch.py" "$work/cmdlines" $$ &
watcher=$!
# podman, made to live 0.3 s longer with the command line it is given: a login lasts less than one of the watcher's
# polls of /proc on a busy machine, and the audit checks below that the watcher saw it.
mkdir "$work/slow"
printf '#!/bin/sh\nsleep 0.3\nexec %s "$@"\n' "$(command -v podman)" > "$work/slow/podman"
chmod 0755 "$work/slow/podman"
export PATH="$work/slow:$PATH"
# The secrets of the keys issued to the host (access), which only the answer of their create shows: read from the
# emulator's state while they live (the run deletes them), and counted against the creates it applied.
emulator() { "$python" -c 'import sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/_emulator/" + sys.argv[3], method=sys.argv[2])
sys.stdout.write(urllib.request.urlopen(request).read().decode())' "$api_url" "$@"; }
emulator DELETE requests > /dev/null
"$python" - "$api_url" "$work/minted" <<'PYTHON' &
import json, signal, sys, time, urllib.request
running = [True]
signal.signal(signal.SIGTERM, lambda number, frame: running.__setitem__(0, False))
seen = set()
with open(sys.argv[2], "w") as output:
    while running[0]:
        with urllib.request.urlopen(sys.argv[1] + "/_emulator/state") as answer:
            keys = json.load(answer)["iam_api_keys"]
        for key in keys:
            if (key["description"] or "").startswith("scaleway.registry host=") and key["secret_key"] not in seen:
                seen.add(key["secret_key"])
                output.write(key["secret_key"] + "\n")
                output.flush()
        time.sleep(0.05)
PYTHON
keeper=$!
trap 'kill "$watcher" "$keeper" 2>/dev/null || true; rm -rf "$work"' EXIT

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

kill "$watcher" "$keeper"
wait "$watcher" || true
wait "$keeper"
# Every key that a create made was seen (a create whose answer was lost made one too), and the run made some.
created=$(emulator GET requests | "$python" -c 'import json, sys
print(sum(1 for request in json.load(sys.stdin)["requests"] if request["method"] == "POST"
          and request["path"] == "/iam/v1alpha1/api-keys" and request["status"] in (200, "reset")))')
minted=$(wc -l < "$work/minted")
if [ "$minted" -lt 2 ] || [ "$minted" -ne "$created" ]; then
    echo "$minted secrets of keys issued to the host seen, for $created creates" >&2
    exit 1
fi

# The run really showed module arguments, results and diffs, and the watcher saw the logins.
grep -q VALUE_SPECIFIED_IN_NO_LOG_PARAMETER "$work/output.log"
grep -q '"before"' "$work/output.log"
grep -q 'authentication is denied' "$work/output.log"
grep -q "login --username scaleway --password-stdin -- $(sed -n 's/^scw_registries: .*"fr-par": "\([^"]*\)".*/\1/p' "$vars")" \
    "$work/cmdlines"
# The host's own keys were issued, held and deleted: podman logged in with one, its access key as user name.
for shown in '"key_created": true' '"keys_deleted": \[$' 'logged in with key SCW[A-Z0-9]\{17\}"'; do
    grep -q -- "$shown" "$work/output.log" || { echo "the output lacks $shown" >&2; exit 1; }
done

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
mapfile -t host_secrets < "$work/minted"
forms "$secret" "$refused" "$other_token" "$other_identity" "${host_secrets[@]}" > "$work/forms"
[ "$(wc -l < "$work/forms")" -eq $((16 + 4 * minted)) ]
while read -r key; do
    if grep -rlF -- "$key" "$work/output.log" "$work/ansible.log" "$work/cmdlines"; then
        grep -rhF -- "$key" "$work/output.log" "$work/ansible.log" "$work/cmdlines" | sed "s/$key/<the key>/g" | head -5
        echo "a secret key leaked into the files above" >&2
        exit 1
    fi
done < "$work/forms"
for key in "$secret" "${host_secrets[@]}"; do
    "$python" "$utils/find_secret_files.py" "$key" "$work" "$HOME/.ansible/tmp"
done
echo "no secret key (the controller's, a refused one, $minted issued to the host) in $(wc -l < "$work/output.log")" \
    "lines of output, $(wc -l < "$work/ansible.log") lines of log, $(wc -l < "$work/cmdlines") command lines, or a" \
    "file others can read"
