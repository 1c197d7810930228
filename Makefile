# openroam: `make run` plays the demo, `make serve` starts a node, `make test` runs every check.
# Works on a fresh machine with python3 and make: the venv is created on first use, with the exact
# versions of constraints.txt.
#
# Another Python: `make test PYTHON=python3.13 VENV=.venv-3.13` (a venv per interpreter).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CONFIG ?= openroam.example.toml

.PHONY: run serve test lint typecheck layers pytest lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint constraints.txt -e '.[dev]'
	touch $(STAMP)

# The demo: a CPO node (http://127.0.0.1:8080, simulated charge points) and an eMSP node
# (http://127.0.0.1:8090) on loopback, and a story between them; both keep running until Ctrl-C.
run: $(STAMP)
	$(BIN)/openroam demo

# Start a node on http://127.0.0.1:8080 (SQLite in ./openroam.db, one example CPO party) and
# print a fresh token A with the versions URL for a partner to register with, as what it is
# granted: `make serve PARTNER_ROLE=EMSP PARTNER_PARTY=DE*ABC`.
PARTNER_ROLE  ?= EMSP
PARTNER_PARTY ?= DE*EXA
serve: $(STAMP)
	$(BIN)/openroam invite "partner-$$(date +%Y%m%d-%H%M%S)" --role "$(PARTNER_ROLE)" \
		--party "$(PARTNER_PARTY)" --config $(CONFIG)
	$(BIN)/openroam serve --config $(CONFIG)

test: lint typecheck layers pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

layers: $(STAMP)
	$(BIN)/lint-imports

# PYTEST_ARGS: more arguments, e.g. PYTEST_ARGS="--ignore=tests/e2e".
PYTEST_ARGS ?=
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist worksteal $(PYTEST_ARGS)

# Refresh constraints.txt: the newest versions that pyproject.toml's ranges allow, resolved in a
# throw-away venv of the oldest supported Python. Run `make test` (and .ci/run) before committing it.
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf $(LOCK_VENV)

clean:
	rm -rf $(VENV) .venv-* .mypy_cache .pytest_cache .ruff_cache
