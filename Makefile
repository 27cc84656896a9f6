# Every target sets up what it needs: a fresh clone runs `make run` or `make test` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Test processes (pytest-xdist): the suites start their own servers on free ports and temporary
# directories, so two workers share nothing; on 2 cores this halves the wall time.
WORKERS ?= 2
STAMP := $(VENV)/.installed
# `make run PORT=8081` when 8080 is taken.
PORT ?= 8080

.PHONY: setup run demo test unit bytecode lint fmt bench bench-quick clean catalogues

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,analysis]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/edc serve --host 127.0.0.1 --port $(PORT) --demo

demo: $(STAMP)
	$(BIN)/edc demo --participants 400 --seed 1

# The tests' stores are throwaway, so where eatmydata is installed (.ci/run installs it) the
# suite runs under it: fsync becomes a no-op and SQLite's commits stop waiting for the disk.
# No test can observe fsync (that takes a power cut); processes killed by the crash tests
# leave their writes in the page cache, as they would without it.
NOSYNC := $(shell command -v eatmydata 2>/dev/null)

# The whole suite: unit, application on SQLite and PostgreSQL, projections, web, browser, slow.
test: $(STAMP) bytecode
	$(NOSYNC) $(BIN)/pytest -n $(WORKERS)

# No database server, no browser.
unit: $(STAMP) bytecode
	$(NOSYNC) $(BIN)/pytest -n $(WORKERS) -m "not postgres and not browser and not slow"

# Compile the project's sources once before a test run. Where PYTHONDONTWRITEBYTECODE is set
# (CI images often set it), Python never caches them itself, so each test worker and each
# `edc` process the tests start would compile every module again.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 cli domain edc projections web tests bench

lint: $(STAMP)
	$(BIN)/ruff check cli domain edc projections web tests bench
	$(BIN)/ruff format --check cli domain edc projections web tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

fmt: $(STAMP)
	$(BIN)/ruff format cli domain edc projections web tests bench
	$(BIN)/ruff check --fix cli domain edc projections web tests bench

bench: $(STAMP)
	$(BIN)/python -m bench --events 1000000

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# Adds new marked strings to the translation catalogues (web/translations) and drops unused ones.
catalogues: $(STAMP)
	$(BIN)/python -m web.i18n_catalogue

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
