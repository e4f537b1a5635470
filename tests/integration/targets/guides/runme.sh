#!/usr/bin/env bash
# Runs samples of the guides, as a reader copies them, against the emulator and its registries:
# - getting-started.md's provision.yml: in check mode, where it says what would be created; then for real, where it
#   says where to push; then again, and again in check mode, changing nothing;
# - fleet.md's commands that push a test image to the emulator's registry, with this run's registry address and a
#   scratch directory in place of /tmp.
set -eu -o pipefail

# shellcheck source=tests/utils/user_shell.sh
. ../../../utils/user_shell.sh ../../integration_config.yml
root=$(cd ../../../.. && pwd)
work=$(mktemp -d)
# Leave the emulator as empty as it was found, for the targets that list whole regions.
forget() { python3 -c 'import os, urllib.request; urllib.request.urlopen(urllib.request.Request(
    os.environ["SCW_API_URL"] + "/_emulator/reset", data=b"{\"chapter\": \"guides\"}", method="POST")).read()'; }
trap 'rm -rf "$work"; forget' EXIT

# The fenced block of a guide that comes first after the text LEAD.
block() {
    python3 - "$root/docs/$1" "$2" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
found = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M).search(text, text.index(sys.argv[2]))
sys.stdout.write(found.group(1))
PY
}

# Checks the changed count of the recap in $work/out, summed over its hosts.
changed() {
    local count
    count=$(awk '/ : ok=[0-9]+ +changed=/ { sub(/.*changed=/, ""); sum += $1 } END { print sum + 0 }' "$work/out")
    [ "$count" = "$1" ] || { echo "expected changed=$1, got $count" >&2; exit 1; }
}

registry=$(setting registries | python3 -c 'import json, sys; print(json.load(sys.stdin)["fr-par"])')
cd "$work"
block getting-started.md 'Save this as' > provision.yml

ansible-playbook --check provision.yml | tee out
changed 1
grep -q '"msg": "namespace my-team would be created in fr-par"' out

# fleet.md: the namespace for real, then the image pushed into it.
block fleet.md 'build a small image offline' \
    | sed -e "s|127\.0\.0\.1:40411|$registry|g" -e "s|/tmp/|$work/|g" -e "s| tests/utils/oci\.py| $root/tests/utils/oci.py|" \
    > push.sh
grep -q "$registry/my-team/app:v1" push.sh
bash -eu -o pipefail push.sh | tee out
changed 1
grep -qF "\"msg\": \"docker push $registry/my-team/<image>:<tag>\"" out
[ ! -e "$work/push-auth.json" ]
if skopeo inspect --tls-verify=false --no-creds "docker://$registry/my-team/app:v1" > /dev/null 2>&1; then
    echo "the private image can be inspected without credentials" >&2; exit 1
fi
ansible localhost -m scaleway.registry.image_info -a namespace=my-team | tee out
python3 -c 'import json, sys; text = open(sys.argv[1]).read(); images = json.loads(text[text.index("{"):])["images"]
assert [(image["name"], image["tags"]) for image in images] == [("app", ["v1"])], images' out

ansible-playbook provision.yml | tee out
changed 0
grep -qF "\"msg\": \"docker push $registry/my-team/<image>:<tag>\"" out
ansible-playbook --check provision.yml | tee out
changed 0
grep -qF "\"msg\": \"docker push $registry/my-team/<image>:<tag>\"" out
