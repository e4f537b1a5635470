#!/usr/bin/env bash
# The unit and integration tests against other ansible-core versions than the main venv's.
#
#     tests/utils/version_matrix.sh [--serial] [--split] VERSION...      e.g. tests/utils/version_matrix.sh 2.17 2.18
#
# For each VERSION, under .tmp/matrix/VERSION/:
#   venv/                                   ansible-core (X.Y: its newest X.Y.*; X.Y.Z: that release, e.g. 2.17.0 to
#                                           prove meta/runtime.yml's floor) and what the tests import (requirements.txt,
#                                           and from tests/requirements.txt only PyYAML, pytest, pytest-xdist,
#                                           pytest-mock and hypothesis: the `ansible` package and molecule there
#                                           would pull ansible-core 2.19 back in); kept while its inputs are the same
#   ansible_collections/scaleway/registry/  a fresh copy of the working tree (tracked and new files) in its own
#                                           git repository, as `make collection` makes
#   output.log                              everything the version's run printed
# then runs `ansible-test units` and the integration targets against a fresh emulator of their own, exactly as
# `make units` and `make integration` do. The versions run in parallel (each emulator and its registries listen
# on free ports, and every target keeps its files in temporary directories of its own); --serial runs them one
# after the other. --split runs each version's integration targets as two halves at the same time, each against
# an emulator of its own, from a second copy of the tree (split/ansible_collections/...): SPLIT_TARGETS, then all
# the others (about half of the time each). Each version's output is printed when all are done, then one line per
# version with its durations. The exit status is 0 when every version passed. PYTHON chooses the interpreter
# (default python3, which must be 3.11: the tests run with --python 3.11).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MATRIX=$ROOT/.tmp/matrix
PYTHON=${PYTHON:-python3}
# The packages of tests/requirements.txt that the unit tests, the integration targets and the emulator import.
TEST_PACKAGES=(PyYAML pytest pytest-xdist pytest-mock hypothesis)
# With --split: the targets of the first half (bad_inputs alone takes a third of the integration time).
SPLIT_TARGETS=(bad_inputs cleanup)

usage() {
    echo "usage: $0 [--serial] [--split] VERSION... (ansible-core X.Y for its newest release, or X.Y.Z; e.g. 2.17 2.18)" >&2
    exit 2
}

serial=false
split=false
versions=()
for argument in "$@"; do
    case $argument in
        --serial) serial=true ;;
        --split) split=true ;;
        [0-9]*) [[ $argument =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || usage; versions+=("$argument") ;;
        *) usage ;;
    esac
done
[ "${#versions[@]}" -gt 0 ] || usage

# tests/requirements.txt keeps the version bounds; only the lines of TEST_PACKAGES are taken.
requirements=$(grep -iE "^($(IFS='|'; echo "${TEST_PACKAGES[*]}"))([<>=!~ ;[]|$)" "$ROOT/tests/requirements.txt" || true)
if [ "$(grep -c . <<< "$requirements")" -ne "${#TEST_PACKAGES[@]}" ]; then
    echo "tests/requirements.txt must have one line for each of ${TEST_PACKAGES[*]}" >&2
    exit 2
fi

# Seconds since the epoch, for the durations.
now() { date +%s; }

# The venv for ansible-core $1, made again only when what goes in it changed; pip's output is shown on a failure.
make_venv() {
    local venv=$MATRIX/$1/venv core="ansible-core==$1" stamp
    [[ $1 =~ ^[0-9]+\.[0-9]+$ ]] && core="ansible-core==$1.*"
    stamp=$(printf '%s\n' "$core" "$requirements" | cat - "$ROOT/requirements.txt" | sha256sum)
    if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$stamp" ]; then
        return 0
    fi
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "$core" -r "$ROOT/requirements.txt" \
            -r <(printf '%s\n' "$requirements") > "$MATRIX/$1/pip.log" 2>&1; then
        cat "$MATRIX/$1/pip.log"
        return 1
    fi
    echo "$stamp" > "$venv/.installed"
}

# A fresh copy of the working tree under $1, as `make collection` makes.
copy_collection() {
    "$ROOT/tests/utils/copy_tree.sh" "$1/ansible_collections/scaleway/registry"
}

# The integration targets (all, or those the arguments after $1 select) with the venv $1, against a fresh emulator,
# from the collection tree in the current directory: what `make integration` runs.
integration() {
    local venv=$1
    shift
    "$venv/bin/python" tests/utils/with_emulator.py --integration-config tests/integration/integration_config.yml \
        --emulator-arg=--deleting-polls=2 --emulator-arg=--registry \
        -- "$venv/bin/ansible-test" integration --python 3.11 --color no "$@"
}

# Everything for one version; prints its durations on its last line, returns non-zero on a failure.
run_version() {
    local version=$1 venv=$MATRIX/$1/venv tree=$MATRIX/$1/ansible_collections/scaleway/registry
    local start phase
    set +m  # what this version starts stays in its process group
    start=$(now)
    make_venv "$version"
    copy_collection "$MATRIX/$version"
    rm -rf "$MATRIX/$version/split"
    if $split; then copy_collection "$MATRIX/$version/split"; fi
    local setup=$(( $(now) - start ))
    echo "== ansible-core $version: $("$venv/bin/ansible" --version | head -n 1) (set up in ${setup}s)"
    export PATH="$venv/bin:$PATH"
    cd "$tree"

    phase=$(now)
    ansible-test units --python 3.11 --color no
    local units=$(( $(now) - phase ))

    phase=$(now)
    if $split; then
        local exclude=() target half
        for target in "${SPLIT_TARGETS[@]}"; do exclude+=(--exclude "$target"); done
        integration "$venv" "${SPLIT_TARGETS[@]}" > "$MATRIX/$version/split.log" 2>&1 &
        half=$!
        local second=0 first=0
        (cd "$MATRIX/$version/split/ansible_collections/scaleway/registry" && integration "$venv" "${exclude[@]}") \
            || second=$?
        wait "$half" || first=$?
        echo "== ansible-core $version: the first half of the integration targets (${SPLIT_TARGETS[*]})"
        cat "$MATRIX/$version/split.log"
        [ "$first" -eq 0 ] && [ "$second" -eq 0 ] || return 1
    else
        integration "$venv"
    fi
    local integration_time=$(( $(now) - phase ))

    echo "== ansible-core $version: setup ${setup}s, units ${units}s, integration ${integration_time}s," \
        "total $(( $(now) - start ))s"
}

mkdir -p "$MATRIX"
overall=$(now)
declare -A pids status
# Each version runs in a background subshell (in an `if` condition, bash would ignore set -e inside it), in a
# process group of its own (set -m), so that an interrupted matrix stops every ansible-test and emulator it started.
set -m
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for version in "${versions[@]}"; do
    mkdir -p "$MATRIX/$version"
    log=$MATRIX/$version/output.log
    (run_version "$version") > "$log" 2>&1 &
    pids[$version]=$!
    echo "== ansible-core $version: started (output in ${log#"$ROOT"/})"
    if $serial; then
        if wait "${pids[$version]}"; then status[$version]=0; else status[$version]=$?; fi
    fi
done
if ! $serial; then
    for version in "${versions[@]}"; do
        if wait "${pids[$version]}"; then status[$version]=0; else status[$version]=$?; fi
    done
fi

for version in "${versions[@]}"; do
    echo "================ ansible-core $version ================"
    cat "$MATRIX/$version/output.log"
done
echo "================ version matrix ($(if $serial; then echo serial; else echo parallel; fi)," \
    "$(( $(now) - overall ))s) ================"
failed=0
for version in "${versions[@]}"; do
    if [ "${status[$version]}" -eq 0 ]; then
        grep '^== ansible-core .*: setup ' "$MATRIX/$version/output.log" | sed 's/$/: passed/'
    else
        failed=$(( failed + 1 ))
        echo "== ansible-core $version: FAILED (exit status ${status[$version]}; see above or ${MATRIX#"$ROOT"/}/$version/output.log)"
    fi
done
echo "ansible-core versions: $(( ${#versions[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
