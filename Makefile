# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install, build the example corpus into build/, print canned answers
#   make test  - the same install, plus the Debian packages the tests drive for real, then lint and the suite
# While working: make check - lint (ruff, ruff format --check, mypy) and the fast tests, in under a minute
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# What the tests run for real: Chromium (the HTML page), Graphviz (figures), Virtuoso (a SPARQL
# 1.1 server), Java 17 and Maven (a Neo4j server built from Maven Central artifacts).
DEBIAN_PACKAGES := chromium graphviz fonts-dejavu-core virtuoso-opensource
NEO4J_JAR := tests/neo4j/target/kg-neo4j-server.jar
NEO4J_PORT ?= 7687
NEO4J_DATA ?= .neo4j

.PHONY: install system run lint check test neo4j bench bench-1m models screenshots clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Installs only what is missing, so a machine that has everything never calls apt.
system:
	@missing="$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || printf '%s ' $$p; done)"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	if [ -n "$${missing// }" ]; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "installing Debian packages: $$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

run: install
	$(BIN)/kg build --out build
	$(BIN)/kg query most-fine-tuned-base-models --build build
	$(BIN)/kg query lora-variants-for-task --build build
	$(BIN)/kg query leaderboard -p dataset=MedQA -p metric=accuracy --build build

lint: install
	$(BIN)/ruff check kg tests docs conftest.py
	$(BIN)/ruff format --check kg tests docs conftest.py
	$(BIN)/mypy kg

# The fast subset: no server, no browser, nothing marked slow (markers in pyproject.toml), one
# worker per core (a module's tests stay on one worker, so its fixtures are built once).
# The property tests draw fewer examples here than under make test (250), to stay under a minute.
check: install lint
	KG_ROBUST_EXAMPLES=100 $(BIN)/python -m pytest -q -n auto --dist loadscope -m "not server and not browser and not slow"

# KG_NO_SKIPS=1: with everything installed, a test that would skip fails instead.
test: install system lint $(NEO4J_JAR)
	KG_NO_SKIPS=1 $(BIN)/python -m pytest

$(NEO4J_JAR): tests/neo4j/pom.xml $(shell find tests/neo4j/src -name '*.java')
	mvn -q -B -f tests/neo4j/pom.xml package

# A Neo4j 5.26 server for people without Docker: Bolt on 127.0.0.1:$(NEO4J_PORT), data in
# $(NEO4J_DATA)/ (git-ignored), user neo4j with the password in NEO4J_PASSWORD. It runs until Ctrl-C or
# SIGTERM, which stop it cleanly in about a second; standard input is not read, so it runs in the
# background too: `nohup make neo4j > neo4j.log 2>&1 &`, then `kill %1` (make passes SIGTERM on to it).
neo4j: install system $(NEO4J_JAR)
	@test -n "$$NEO4J_PASSWORD" || { echo "make neo4j: set NEO4J_PASSWORD (8 characters or more) first" >&2; exit 2; }
	exec java -Xmx1g -jar $(NEO4J_JAR) $(NEO4J_DATA) $(NEO4J_PORT) < /dev/null

# Benchmarks (minutes, not a test): corpora of 1k, 10k and 100k abstracts generated from data/, each
# built in a child process; figures in bench/bench.json, a markdown table on stdout. spaCy comes with .[bench].
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/kg bench run --sizes 1000,10000,100000 --workdir bench

# A million abstracts: by the 100k figures, about an hour on 2 cores and some 50 GB of disk.
bench-1m: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/kg bench run --sizes 1000000 --workdir bench-1m --rdflib-max 0

# The shipped entity decisions (kg/models/), rebuilt from the gold that is not the blind set, with
# the cross-validated score of each stage first (a few minutes).
MODEL_GOLD := tests/data/dev_gold.jsonl tests/data/field_gold.jsonl tests/data/heldout.jsonl
models: install
	$(BIN)/kg train $(addprefix --gold ,$(MODEL_GOLD)) --no-name-finder --out kg/models/entity-decisions.json

# The README's pictures of `kg serve` (data/img/serve-*.png), taken in headless Chromium.
screenshots: install system
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf build .pytest_cache .hypothesis .mypy_cache .ruff_cache
