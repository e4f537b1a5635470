# shellcheck shell=bash
# Sourced by the integration targets that run playbooks as a user would from a shell: the emulator's address and
# key in the SCW_* variables (read from ansible-test's integration config, since ansible-test passes no environment),
# and `setting NAME` for any other scw_NAME variable of that file.
#
#     . ../../../utils/user_shell.sh ../../integration_config.yml
vars=${1:?the integration config file}
setting() { sed -n "s/^scw_$1: //p" "$vars"; }
export SCW_API_URL SCW_SECRET_KEY SCW_DEFAULT_PROJECT_ID
SCW_API_URL=$(setting api_url)
SCW_SECRET_KEY=$(setting secret_key)
SCW_DEFAULT_PROJECT_ID=$(setting project_id)
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
