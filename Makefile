# openroam: `make run` plays the demo, `make serve` starts a node, `make test` runs every check.
# Works on a fresh machine with python3 and make: the venv is created on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CONFIG ?= openroam.example.toml

.PHONY: run serve test lint typecheck layers pytest clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo: a CPO node (http://127.0.0.1:8080, simulated charge points) and an eMSP node
# (http://127.0.0.1:8090) on loopback, and a story between them; both keep running until Ctrl-C.
run: $(STAMP)
	$(BIN)/openroam demo

# Start a node on http://127.0.0.1:8080 (SQLite in ./openroam.db, one example CPO party) and
# print a fresh token A with the versions URL for a partner to register with.
serve: $(STAMP)
	$(BIN)/openroam invite "partner-$$(date +%Y%m%d-%H%M%S)" --config $(CONFIG)
	$(BIN)/openroam serve --config $(CONFIG)

test: lint typecheck layers pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n 2

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
