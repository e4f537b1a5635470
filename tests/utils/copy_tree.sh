#!/usr/bin/env bash
# A fresh copy of the working tree (tracked and new files, not ignored ones) in DEST, in its own git repository,
# so that ansible-test lists exactly these files. DEST is removed first.
#
#     tests/utils/copy_tree.sh DEST      e.g. tests/utils/copy_tree.sh .tmp/collections/ansible_collections/scaleway/registry
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$1"
mkdir -p "$1"
git -C "$root" ls-files -z --cached --others --exclude-standard \
    | tar -C "$root" --null --files-from - --ignore-failed-read -cf - | tar -xf - -C "$1"
git -C "$1" init --quiet
