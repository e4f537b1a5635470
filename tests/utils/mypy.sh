#!/usr/bin/env bash
# mypy over the files of pyproject.toml's [tool.mypy] (module_utils, plugin_utils), from a directory where
# ansible_collections.scaleway.registry is importable, as the collection's own imports need it: the parent of
# ansible_collections/ when the tree sits in one (make collection's copy), else .tmp/mypy/, where
# ansible_collections/scaleway/registry is a link to the tree. Arguments go to mypy.
#
#     tests/utils/mypy.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$root/.venv/bin:$PATH"  # make venv's mypy, also when the venv is not active (pre-commit)
case "$root" in
    */ansible_collections/scaleway/registry)
        base=${root%/ansible_collections/scaleway/registry} ;;
    *)
        base=$root/.tmp/mypy
        mkdir -p "$base/ansible_collections/scaleway"
        ln -sfn "$root" "$base/ansible_collections/scaleway/registry" ;;
esac
cd "$base"
exec mypy --config-file ansible_collections/scaleway/registry/pyproject.toml "$@"
