# Shixun: `make run` starts the demo, `make test` runs the suite. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test install install-dev lint migrate seed serve-prod clean bench client-types tour

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(PY) manage.py run_demo --host $(HOST) --port $(PORT)

# The suite in two parts: everything not marked `serial` on TEST_WORKERS pytest-xdist workers (each with
# its own test database and Redis key prefix), then the `serial` tests (outages, several server processes,
# timing) alone. Exit status 5 ("no tests collected") of one part is not a failure.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-dev
	@status=0; \
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not serial" $(PYTEST_ARGS) || { [ $$? -eq 5 ] || status=1; }; \
	$(PY) -m pytest -m serial $(PYTEST_ARGS) || { [ $$? -eq 5 ] || status=1; }; \
	exit $$status

# Lint: style, the layer contracts (.importlinter), no import cycles, types of services, selectors and the
# WeChat client (the list below; pyproject.toml [tool.mypy] says how strict). mypy loads the settings
# (django-stubs); CI's production-like environment would demand a SECRET_KEY, so it reads the embedded ones.
MYPY_TARGETS = $(wildcard */services.py */selectors.py) wechat
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) tools/import_cycles.py
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/mypy $(MYPY_TARGETS)  # types need no database: embedded settings

# The mini-program's TypeScript types (clients/miniprogram/src/generated) from the current code's OpenAPI
# document and websocket JSON Schema; tests/e2e/test_miniprogram_client.py fails when the committed ones differ.
CLIENT := clients/miniprogram
client-types: $(VENV)/.installed-dev
	rm -rf var/client-schemas
	env -u DATABASE_URL -u REDIS_URL $(PY) tools/client_schemas.py var/client-schemas
	cd $(CLIENT) && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && node scripts/generate.mjs ../../var/client-schemas
	cd $(CLIENT) && npx tsc --noEmit -p .

# A walk through every flow against the running demo (`make run` in another terminal), printed in
# Chinese and English: tools/tour.py. `make tour PORT=9000` for a demo on another port.
tour: $(VENV)/.installed-dev
	$(PY) tools/tour.py http://$(HOST):$(PORT)

migrate: $(VENV)/.installed
	$(PY) manage.py migrate

seed: $(VENV)/.installed
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var

# Production on this machine: DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS from the environment.
# nginx on HOST:PORT (Debian nginx-light), the HTTP pool (granian WSGI, WORKERS, default one per core) and
# the websocket pool (uvicorn, WS_WORKERS) behind it: docs/OPERATIONS.md.
WORKERS ?= 0
WS_WORKERS ?= 2
serve-prod: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py serve_prod --host $(HOST) --port $(PORT) --workers $(WORKERS) --ws-workers $(WS_WORKERS)

# Benchmarks (bench/): the suite starts real servers (the production layout and the outside baselines) on
# a throwaway database and prints one table of ratios, every aim of docs/PERFORMANCE.md with it. Needs
# PostgreSQL, Redis, wrk and nginx (Debian: wrk nginx-light):
#   DATABASE_URL=… REDIS_URL=… make bench [BENCH_ARGS="--spectators 1000"]
# bench/http_stack.py compares the HTTP servers; bench/scan.py and bench/live_board.py give detailed views.
bench: $(VENV)/.installed-dev
	$(PY) bench/suite.py $(BENCH_ARGS)
