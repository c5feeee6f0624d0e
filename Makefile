# The two commands a new user needs: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
# The embedded runtime is a development system; deployments set CRM_ENVIRONMENT themselves.
export CRM_ENVIRONMENT ?= development
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint down install unit

install: $(STAMP)

# Re-installs only when the pinned dependencies change.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The demo bank: 2,000 customers in the simulated T24, W4 and LOS, captured by Debezium.
run: install
	$(PY) -m crm up
	$(PY) -m crm demo generate --customers 2000 --seed 1 --if-empty
	@echo "demo bank loaded; watch it arrive: GET /api/sync/status (admin), or keep it changing:"
	@echo "  .venv/bin/crm demo churn --rate 20"

down: install
	$(PY) -m crm down

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

unit: install
	$(PY) -m pytest tests/unit -q

# Starts what the tests need (and stops it afterwards unless it was already running).
test: lint
	@if $(PY) -m crm status >/dev/null 2>&1; then was_up=1; else was_up=0; fi; \
	$(PY) -m crm up || { $(PY) -m crm down; exit 1; }; \
	$(PY) -m pytest -q -p no:cacheprovider; rc=$$?; \
	if [ $$was_up = 0 ]; then $(PY) -m crm down; fi; \
	exit $$rc

bench: install
	$(PY) -m crm up --only infra
	$(PY) -m bench
