#!/usr/bin/env bash
# Runs every module with -vvvv, in diff mode and in check mode, with a log file,
# and proves the secret keys used (the right one and a refused one) appear nowhere.
set -eu -o pipefail

vars=../../integration_config.yml
secret=$(sed -n 's/^scw_secret_key: //p' "$vars")
refused=$(sed -n 's/^ *refused_secret_key: //p' playbook.yml)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for mode in "" "--check"; do
    # SCW_SECRET_KEY exported as a user would, for the task that reads it from the environment.
    SCW_SECRET_KEY="$secret" ANSIBLE_LOG_PATH="$work/ansible.log" ansible-playbook -i "$INVENTORY_PATH" -e @"$vars" \
        playbook.yml -vvvv --diff $mode "$@" >> "$work/output.log" 2>&1 \
        || { cat "$work/output.log"; exit 1; }
done

# The run really showed module arguments, results and diffs.
grep -q VALUE_SPECIFIED_IN_NO_LOG_PARAMETER "$work/output.log"
grep -q '"before"' "$work/output.log"
grep -q 'authentication is denied' "$work/output.log"

for key in "$secret" "$refused"; do
    if grep -rlF -- "$key" "$work"; then
        echo "a secret key leaked into the files above" >&2
        exit 1
    fi
done
echo "no secret key in $(wc -l < "$work/output.log") lines of output and $(wc -l < "$work/ansible.log") lines of log"
