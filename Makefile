# The README's two commands: `make demo` and `make test`. Both set everything up first.
.PHONY: demo test test-fast lint bootstrap

bootstrap:
	@scripts/bootstrap.sh

demo:
	@scripts/bootstrap.sh
	@.venv/bin/rpa demo

# import-linter contracts (.importlinter) first: layers, no cycles, fixtures kept out of the runtime.
# Three test processes on two cores (most of a test's time is waiting for portals, Chromium and
# subprocesses); one file stays in one process, which shares its browser, portals and cluster.
# The longest files go first (tests/plugins/ordering.py; xdist's own order, most tests first,
# left the minutes-long e2e files to the end), so the workers finish together.
PYTEST_PARALLEL ?= -n 3 --dist loadfile --no-loadscope-reorder
test:
	@scripts/bootstrap.sh --test
	@.venv/bin/lint-imports --no-cache
	@.venv/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast:
	@scripts/bootstrap.sh --test
	@.venv/bin/lint-imports --no-cache
	@.venv/bin/python -m pytest -q -m "not slow" $(PYTEST_PARALLEL) $(PYTEST_ARGS)

lint:
	@.venv/bin/ruff check .
	@.venv/bin/mypy
	@.venv/bin/lint-imports --no-cache
