#!/usr/bin/env bash
# The bad-input table: every row must fail with one line naming the cause, no traceback, and no change.
set -eu -o pipefail
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" bad_inputs.py ../../integration_config.yml "$@"
