# make demo: the collection against its local emulator, from a fresh clone.
# make test: sanity, units, emulator tests, integration, lint.
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

.PHONY: help venv collection sanity units emulator-tests integration molecule lint test demo bench clean

help:
	@echo "make demo   create namespaces in two regions on the local emulator, twice (the second run changes nothing)"
	@echo "make test   sanity, units, emulator tests, integration, the molecule fleet scenario, and lint"
	@echo "make bench  benchmarks, which print their figures"

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(ANSIBLE_CORE)" -r requirements.txt -r tests/requirements.txt
	touch $@

# A fresh copy of the working tree (tracked and new files), in its own git repository so that
# ansible-test lists exactly these files.
collection: venv
	rm -rf $(COLLECTIONS)
	mkdir -p $(COLLECTION)
	git ls-files -z --cached --others --exclude-standard | tar --null --files-from - --ignore-failed-read -cf - | tar -xf - -C $(COLLECTION)
	git -C $(COLLECTION) init --quiet

# ansible-test downloads its pip bootstrap from a host that CI cannot reach; this stands in for it.
$(GET_PIP_SHIM): tests/utils/get_pip_offline.py
	mkdir -p $(dir $@)
	cp $< $@

sanity: collection $(GET_PIP_SHIM)
	cd $(COLLECTION) && ansible-test sanity --python 3.11 --color no

units: collection
	cd $(COLLECTION) && ansible-test units --python 3.11 --color no

emulator-tests: venv
	$(BIN)/python -m pytest tests/emulator/tests -q -p no:cacheprovider

integration: collection
	cd $(COLLECTION) && $(WITH_EMULATOR) --integration-config tests/integration/integration_config.yml \
		--emulator-arg=--deleting-polls=2 --emulator-arg=--registry -- ansible-test integration --python 3.11 --color no $(TARGETS)

lint: collection
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ansible-lint --offline
	cd $(COLLECTION) && antsibull-docs lint-collection-docs --plugin-docs .
	cd $(COLLECTION) && antsibull-changelog lint

test: sanity units emulator-tests integration molecule lint

demo: collection
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
		$(WITH_EMULATOR) -- bash -c '\
		set -e; echo "== first run: creates the namespaces"; ansible-playbook examples/provision-namespaces.yml; \
		echo "== second run: nothing left to change"; ansible-playbook examples/provision-namespaces.yml'

clean:
	rm -rf .tmp tests/output

bench: collection
	$(BIN)/python benchmarks/namespace_listing.py
	$(BIN)/python benchmarks/cleanup.py
	$(BIN)/python benchmarks/inventory.py

# make molecule: the extensions/molecule/fleet scenario (three podman containers get the credential helper and
# pull a private image) against the emulator and its registries. The platform image is built once (debootstrap,
# no container registry) and kept in the scenario's podman storage under /tmp/scaleway-registry-molecule.
molecule: collection
	extensions/molecule/fleet/image.sh
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(WITH_EMULATOR) --emulator-arg=--registry -- \
		molecule test -s fleet
