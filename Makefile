# Two commands do all set-up on a fresh machine:
#   make run   - create .venv, install, build the example corpus into build/, print canned answers
#   make test  - create .venv, install, run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: install
	$(BIN)/kg build --out build
	$(BIN)/kg query most-fine-tuned-base-models --build build
	$(BIN)/kg query lora-variants-for-task --build build
	$(BIN)/kg query leaderboard -p dataset=MedQA -p metric=accuracy --build build

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf build .pytest_cache .hypothesis
