# Quick start:  make demo   (install, migrate, demo data, serve on 127.0.0.1:8000)
#               make test   (SQLite always; PostgreSQL and Redis when reachable)
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python
HOST ?= 127.0.0.1:8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/medsec
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# uv must use the machine's Python (3.11+: Debian 12's python3), never download one.
UV_PYTHON_DOWNLOADS ?= never
export TEST_DATABASE_URL TEST_REDIS_URL UV_PYTHON_DOWNLOADS

.PHONY: demo setup system-deps venv test test-fast test-sqlite test-postgres lint deploy-check bench

system-deps:
	@bash scripts/install-system-deps.sh

venv: system-deps
	@$(UV) sync --frozen --quiet

setup: venv
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py setup_roles >/dev/null

demo: setup
	@$(PY) manage.py load_demo --host $(HOST)
	@$(PY) manage.py runserver $(HOST) --noreload

# Both passes run even if the first fails, so one run shows every failure.
test: venv
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	exit $$status

test-sqlite:
	@echo "== tests on SQLite"
	$(PY) -m pytest -q

test-postgres:
	@if $(PY) scripts/services.py postgres; then \
	  echo "== tests on PostgreSQL ($(TEST_DATABASE_URL))"; \
	  DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -q -p no:cacheprovider; \
	elif [ -n "$$REQUIRE_SERVICES" ]; then echo "PostgreSQL required but not reachable at $(TEST_DATABASE_URL)" >&2; exit 1; \
	else echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL run skipped"; fi

# Paths kept `ruff format`-clean. The rest of the tree joins file by file as it is next edited
# (reformatting everything at once would collide with every open branch): add paths here.
FORMATTED := core tests/architecture enrollment/paid_months.py scripts/pytest_fast.py

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check $(FORMATTED)
	.venv/bin/lint-imports --no-cache
	$(PY) -m mypy

# The inner loop: pure rules and the architecture checks, no database, Hypothesis capped at a
# few examples (scripts/pytest_fast.py). `make test` stays the full suite; CI runs that.
test-fast:
	$(PY) -m pytest -q -p no:cacheprovider -p scripts.pytest_fast tests/policy tests/architecture tests/enrollment/test_identity.py

deploy-check: venv
	DEBUG=0 SECRET_KEY=ci-only-$$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n') ALLOWED_HOSTS=medsec.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING

bench: venv
	$(PY) bench/engine.py
