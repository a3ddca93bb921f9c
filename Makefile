# The two commands of the README: `make demo` (install everything, run the pipeline end to
# end) and `make test` (every test; starts the local stack itself when it is not up).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-unit lint stack-up stack-down stack-status bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)
	PYTHON=$(PY) bash deploy/local/stack.sh install

demo: install
	$(VENV)/bin/audit demo

test: $(STAMP)
	$(VENV)/bin/pytest

test-unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

stack-up: $(STAMP)
	PYTHON=$(PY) bash deploy/local/stack.sh up

stack-down:
	bash deploy/local/stack.sh down

stack-status:
	bash deploy/local/stack.sh status

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
