# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here serves them.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick lint typecheck format venv lock clean bench bench-quick

venv: $(STAMP)

$(STAMP): requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	touch $(STAMP)

## Serve the web UI and API on http://127.0.0.1:8000 with a Celery worker and beat.
run: venv
	bin/run-dev

# Tests run in parallel (pytest-xdist), one process per core. The tests of one module
# (or one class) run in one process, one after another: a module whose tests share an
# outside resource (the Celery worker tests flush one Redis db) never runs two at once.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadscope

## Run the whole test suite (SQLite by default; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: venv
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

## The developer's quick run: all but the browser, schema-fuzzing and whole-process
## tests (make run's start and stop, a real Celery worker).
test-quick: venv
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not browser and not fuzz and not slow" $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: venv
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Re-pin the lock files after changing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements/base.lock
	uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 -q -o requirements/dev.lock

clean:
	rm -rf $(VENV) var

## The benchmarks (PostgreSQL only; docs/performance.md): each prints one BENCH line.
bench: venv
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## The same benchmarks on smaller data (CI): ratios reported, only errors fail.
bench-quick: venv
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)
