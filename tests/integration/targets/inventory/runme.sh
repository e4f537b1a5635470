#!/usr/bin/env bash
# The images inventory plugin, run by ansible-inventory against the emulator.
set -eu -o pipefail
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" inventory_test.py ../../integration_config.yml "$@"
