#!/usr/bin/env bash
# The worked examples of docs/cleanup.md, run against the seed they are written for: each plan, message and diff
# must be the one the page shows (worked_examples.py).
set -eu -o pipefail
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" worked_examples.py ../../integration_config.yml \
    ../../../../docs/cleanup.md ../../../../docs/examples/cleanup-seed.py
