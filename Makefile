# Shixun: `make run` starts the demo, `make test` runs the suite. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test install install-dev lint migrate seed serve-prod clean bench

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

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

migrate: $(VENV)/.installed
	$(PY) manage.py migrate

seed: $(VENV)/.installed
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var

# Production on this machine: DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS from the environment.
WORKERS ?= 4
serve-prod: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py serve_prod --host $(HOST) --port $(PORT) --workers $(WORKERS)

# Benchmarks (bench/): start the real server on a throwaway database and print ratios.
# They need PostgreSQL and Redis: DATABASE_URL=… (a scratch database) REDIS_URL=… make bench
bench: $(VENV)/.installed-dev
	$(PY) bench/scan.py $(SCAN_ARGS)
	$(PY) bench/live_board.py $(BOARD_ARGS)
	$(PY) bench/dashboard.py $(DASHBOARD_ARGS)
