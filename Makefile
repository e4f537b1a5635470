# make demo: the collection against its local emulator, from a fresh clone.
# make test: the system packages (make deps), then sanity, units, emulator tests, integration, lint.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
ANSIBLE_CORE ?= ansible-core>=2.19,<2.20
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export PATH := $(BIN):$(PATH)
# ansible-test and ansible-playbook need the collection under ansible_collections/<namespace>/<name>.
COLLECTIONS := $(CURDIR)/.tmp/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/scaleway/registry
GET_PIP_SHIM := $(HOME)/.ansible/test/cache/get_pip_24_2.py
WITH_EMULATOR := $(BIN)/python tests/utils/with_emulator.py

.PHONY: help deps venv collection sanity units emulator-tests tool-tests integration live live-clean live-run live-clean-run matrix chaos chaos-run chaos-compare molecule lint test docs demo release bench clean

help:
	@echo "make demo   create namespaces in two regions on the local emulator, twice (the second run changes nothing)"
	@echo "make test   sanity, units, emulator tests, integration, the molecule fleet scenario, lint, and the docs site"
	@echo "make docs   the HTML documentation site, in .tmp/docs-site/"
	@echo "make chaos  every integration target under injected faults, compared with the run without"
	@echo "make matrix units and integration with ansible-core 2.17 and 2.18 (make test uses 2.19)"
	@echo "make bench  benchmarks, which print their figures"
	@echo "make deps   install the system packages that make test needs (tests/system-requirements.txt), or name them"
	@echo "make live   the live suite against a real Scaleway account (needs SCW_SECRET_KEY and SCW_DEFAULT_PROJECT_ID)"

# The system packages of tests/system-requirements.txt: `make deps` for all of them; a target that needs some checks
# its own with $(call DEPS,target) first, in seconds, before any long run.
DEPS = tests/utils/system_deps.sh $(1)
deps:
	$(call DEPS)

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt tests/requirements.txt docs/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(ANSIBLE_CORE)" -r requirements.txt -r tests/requirements.txt -r docs/requirements.txt
	touch $@

# A fresh copy of the working tree (tracked and new files) in $(1), in its own git repository so that
# ansible-test lists exactly these files.
COPY_TREE = tests/utils/copy_tree.sh $(1)
collection: venv
	rm -rf $(COLLECTIONS)
	$(call COPY_TREE,$(COLLECTION))

# ansible-test downloads its pip bootstrap from a host that CI cannot reach; this stands in for it.
$(GET_PIP_SHIM): tests/utils/get_pip_offline.py
	mkdir -p $(dir $@)
	cp $< $@

sanity: collection $(GET_PIP_SHIM)
	$(call DEPS,sanity)
	cd $(COLLECTION) && ansible-test sanity --python 3.11 --color no

units: collection
	cd $(COLLECTION) && ansible-test units --python 3.11 --color no

emulator-tests: venv
	$(call DEPS,emulator-tests)
	$(BIN)/python -m pytest tests/emulator/tests -q -p no:cacheprovider

# A full run keeps the emulator's journal, which make chaos compares with its own.
JOURNALS := $(CURDIR)/.tmp/journals
INTEGRATION = cd $(1) && $(WITH_EMULATOR) --integration-config tests/integration/integration_config.yml \
	--emulator-arg=--deleting-polls=2 --emulator-arg=--registry
integration: collection
	$(call DEPS,integration)
	mkdir -p $(JOURNALS)
	$(call INTEGRATION,$(COLLECTION)) $(if $(TARGETS),,--journal $(JOURNALS)/faultless.json) \
		-- ansible-test integration --python 3.11 --color no $(TARGETS)

# make matrix: units and integration targets with the older ansible-core lines that run on Python 3.11
# (meta/runtime.yml's range starts at 2.17), each in its own venv, tree and emulator under .tmp/matrix/.
MATRIX_VERSIONS ?= 2.17 2.18
MATRIX_ARGS ?= --split
matrix:
	$(call DEPS,matrix)
	PYTHON=$(PYTHON) tests/utils/version_matrix.sh $(MATRIX_ARGS) $(MATRIX_VERSIONS)

# make chaos: every integration target again, against an emulator that throttles, fails and drops a quarter of
# the requests and delays each by up to 150 ms; then the journals of both runs must agree (no namespace created
# twice, no tag deleted that the run without faults kept, the same end state). CHAOS_SEED replays a run's draws.
CHAOS_FAULTS := 429=0.2,503=0.05,reset=0.02
CHAOS_SEED ?= $(shell date +%s)
$(JOURNALS)/faultless.json: $(shell git ls-files plugins tests/integration tests/emulator tests/utils)
	$(MAKE) integration TARGETS=

# chaos-run and chaos-compare are its two halves: the run works in a tree of its own, so that CI can run it while
# make test runs, and compare it with make test's journal afterwards.
CHAOS_COLLECTION := $(CURDIR)/.tmp/chaos/ansible_collections/scaleway/registry
chaos: $(JOURNALS)/faultless.json chaos-run
	$(MAKE) chaos-compare

chaos-run: venv
	$(call DEPS,chaos)
	@echo "chaos run with CHAOS_SEED=$(CHAOS_SEED)"
	mkdir -p $(JOURNALS)
	rm -f $(JOURNALS)/chaos.json
	$(call COPY_TREE,$(CHAOS_COLLECTION))
	$(call INTEGRATION,$(CHAOS_COLLECTION)) --journal $(JOURNALS)/chaos.json --emulator-arg=--latency-ms=0-150 \
		--emulator-arg=--faults=$(CHAOS_FAULTS),seed=$(CHAOS_SEED) -- ansible-test integration --python 3.11 --color no

chaos-compare:
	$(BIN)/python tests/utils/compare_journals.py $(JOURNALS)/faultless.json $(JOURNALS)/chaos.json

# The Python of the tree (pyproject.toml excludes the recorded traffic and the files still pending), then its types.
PYTHON_PATHS := plugins tests docs/examples benchmarks extensions
lint: collection
	cd $(COLLECTION) && ruff check --no-cache $(PYTHON_PATHS)
	cd $(COLLECTION) && ruff format --check --no-cache $(PYTHON_PATHS)
	cd $(COLLECTION) && tests/utils/mypy.sh
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ansible-lint --offline
	cd $(COLLECTION) && antsibull-docs lint-collection-docs --plugin-docs .
	cd $(COLLECTION) && antsibull-changelog lint
	# CHANGELOG.rst is what antsibull-changelog makes of changelogs/changelog.yaml.
	cd $(COLLECTION) && antsibull-changelog generate && cmp CHANGELOG.rst $(CURDIR)/CHANGELOG.rst

# deps first, so that a machine that lacks a package and cannot install it fails in seconds.
test: deps
	$(MAKE) sanity units emulator-tests tool-tests integration molecule lint docs

tool-tests: venv
	$(BIN)/python -m pytest tests/utils/tests -q -p no:cacheprovider

# make docs: the HTML site (plugin reference and docs/*.md guides) in .tmp/docs-site/, built offline.
DOCS_SITE := $(CURDIR)/.tmp/docs-site
docs: collection
	docs/build-site.sh $(COLLECTIONS) $(DOCS_SITE)

# The demo, from the collection found in $(1): the second run must change nothing.
DEMO = ANSIBLE_COLLECTIONS_PATH=$(1) ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
	$(BIN)/python tests/utils/with_emulator.py -- bash -c '\
	set -e -o pipefail; echo "== first run: creates the namespaces"; ansible-playbook examples/provision-namespaces.yml; \
	echo "== second run: nothing left to change"; second=$$(ansible-playbook examples/provision-namespaces.yml); \
	echo "$$second"; grep -q " changed=0 " <<< "$$second"'

demo: collection
	$(call DEMO,$(COLLECTIONS))

# make release: the collection as users get it. Built with ansible-galaxy, installed offline into an empty
# collections path, checked for what it must hold and must not, and the demo run from the installed copy
# (its playbook, its modules and its emulator).
RELEASE := $(CURDIR)/.tmp/release
release: collection
	rm -rf $(RELEASE) && mkdir -p $(RELEASE)/collections
	cd $(COLLECTION) && ansible-galaxy collection build --output-path $(RELEASE)
	ansible-galaxy collection install --offline -p $(RELEASE)/collections $(RELEASE)/scaleway-registry-*.tar.gz
	$(BIN)/python tests/utils/check_release.py $(COLLECTION) $(RELEASE)/scaleway-registry-*.tar.gz $(RELEASE)/collections
	$(BIN)/ansible-builder introspect $(RELEASE)/collections
	cd $(RELEASE)/collections/ansible_collections/scaleway/registry && $(call DEMO,$(RELEASE)/collections)

# make live: tests/live/live.yml against the real Scaleway account of SCW_SECRET_KEY, in SCW_DEFAULT_PROJECT_ID
# (make test runs the same suite against the emulator: integration target live). make live-clean deletes what an
# interrupted run left: every namespace of that project named ansible-live-*. Without the two variables, one line.
# LIVE_ARGS go to ansible-playbook (LIVE_ARGS=-v, or LIVE_ARGS=--check for make live-clean).
LIVE_NEEDS = "make $@: set SCW_SECRET_KEY and SCW_DEFAULT_PROJECT_ID (and SCW_DEFAULT_REGION, else fr-par) to run against your Scaleway account; nothing was run"
LIVE = cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ANSIBLE_LOCALHOST_WARNING=false \
	ANSIBLE_INVENTORY_UNPARSED_WARNING=false ansible-playbook tests/live/$(1) $(LIVE_ARGS)
live live-clean:
	@if [ -z "$${SCW_SECRET_KEY:-}" ] || [ -z "$${SCW_DEFAULT_PROJECT_ID:-}" ]; then echo $(LIVE_NEEDS); \
	else $(MAKE) --no-print-directory $@-run; fi

live-run: collection
	$(call LIVE,live.yml)

live-clean-run: collection
	$(call LIVE,clean.yml)

clean:
	rm -rf .tmp tests/output

bench: collection
	$(BIN)/python benchmarks/run.py

# make molecule: the extensions/molecule/fleet scenario (three podman containers get the credential helper and
# pull a private image) against the emulator and its registries. The platform image is built once (debootstrap,
# no container registry) and kept in the scenario's podman storage under /tmp/scaleway-registry-molecule.
molecule: collection
	$(call DEPS,molecule)
	extensions/molecule/fleet/image.sh
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(WITH_EMULATOR) --emulator-arg=--registry -- \
		molecule test -s fleet
