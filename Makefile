# trialgraph: the two commands a new user needs.
#   make run    set up, build the graph from the ontology and seeds, and print a first answer
#   make test   set up (test tools and system packages included) and run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= trialgraph-store
# test processes of `make test` (pytest-xdist; 0 runs the tests in one process)
TEST_WORKERS ?= 2
# grlc (a client the tests drive against `trialgraph serve`) pins its own Flask, requests, rdflib ...:
# it lives in a virtual environment of its own, never in $(VENV).
GRLC_VENV    ?= .venv-grlc
GRLC_VERSION ?= 1.3.11

.PHONY: run test setup test-setup system-deps grlc bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "trialgraph needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(VENV)/.installed

test-setup: $(VENV)/.test-installed system-deps grlc

# grlc in its own environment, for tests/test_grlc.py (which finds it at $(GRLC_VENV), or at
# TRIALGRAPH_GRLC_VENV when that is set).
grlc: $(GRLC_VENV)/.installed-$(GRLC_VERSION)

$(GRLC_VENV)/.installed-$(GRLC_VERSION):
	$(PYTHON) -m venv $(GRLC_VENV)
	$(GRLC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GRLC_VENV)/bin/python -m pip install --quiet 'grlc==$(GRLC_VERSION)'
	@touch $@

# Debian packages the tests drive for real (browser, RDF parser, SPARQL server).
system-deps:
	@sh .ci/system-deps

run: setup
	$(BIN)/trialgraph build --store $(STORE)
	$(BIN)/trialgraph report run drug_target_condition --store $(STORE)

test: test-setup
	TRIALGRAPH_GRLC_VENV=$(abspath $(GRLC_VENV)) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

clean:
	rm -rf $(VENV) $(GRLC_VENV) $(STORE) build dist *.egg-info
