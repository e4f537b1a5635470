#!/usr/bin/env bash
# Installs the system packages of tests/system-requirements.txt that this machine lacks, or names them in one line.
#
#     tests/utils/system_deps.sh [--check] [TARGET...]      e.g. tests/utils/system_deps.sh molecule
#
# With TARGETs (make targets), only the packages that one of them needs (the list's third column) count.
# Nothing missing: prints nothing, runs no apt-get, exits 0. Something missing: as root or with password-less sudo,
# on a system with apt-get, runs apt-get update and install once; otherwise (or with --check) prints one line that
# names the packages and the command that installs them, and exits 1.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
list=${SYSTEM_REQUIREMENTS:-$root/tests/system-requirements.txt}
python=${PYTHON:-python3}
check_only=false
if [ "${1:-}" = --check ]; then check_only=true; shift; fi
targets=("$@")

# Whether what a package brings is here: a command (sbin included, which a user's PATH may lack), a file, or a
# module of the Python that makes the venv (python3-venv is only needed where that Python lacks ensurepip).
present() {
    case $1 in
        command:*) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "${1#command:}" > /dev/null 2>&1 ;;
        file:*) [ -e "${1#file:}" ] ;;
        python:*) "$python" -c "import ${1#python:}" > /dev/null 2>&1 ;;
        *) echo "$list: unknown check '$1'" >&2; exit 2 ;;
    esac
}

# Whether a package whose third column is $1 serves one of the targets asked for (all of them, when none was).
needed() {
    local target
    [ "${#targets[@]}" -eq 0 ] && return 0
    for target in all "${targets[@]}"; do
        [[ ,$1, == *,"$target",* ]] && return 0
    done
    return 1
}

missing=()
while read -r package check needed_by _why; do
    case $package in ''|'#'*) continue ;; esac
    needed "$needed_by" && ! present "$check" && missing+=("$package")
done < "$list"
[ "${#missing[@]}" -eq 0 ] && exit 0

install=(apt-get install -y -q --no-install-recommends "${missing[@]}")
if [ "$check_only" = false ] && command -v apt-get > /dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=(env)
    elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
        as_root=(sudo env)
    fi
fi
if [ -z "${as_root+set}" ]; then
    where="as root, run: apt-get update && ${install[*]}"
    command -v apt-get > /dev/null || where="with this system's package manager (each is named as on Debian; tests/system-requirements.txt says what it is for)"
    echo "missing system packages: ${missing[*]}; install them $where" >&2
    exit 1
fi
echo "installing the missing system packages: ${missing[*]}"
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive "${install[@]}"
