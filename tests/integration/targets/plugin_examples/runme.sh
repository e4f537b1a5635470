#!/usr/bin/env bash
# The EXAMPLES of every module and of the inventory plugin, run as written against the emulator (run_examples.py).
set -eu -o pipefail
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" run_examples.py ../../integration_config.yml
