# Two commands: `make run` serves the site with demo content; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format setup clean

# The interface's translations, compiled by polib (no GNU gettext needed) when a .po changes.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

setup: $(STAMP) $(CATALOGS)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml package.json package-lock.json | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	@# ESLint for static/js at the lockfile's versions (package.json); tests/test_lint_js.py runs it.
	-npm ci --no-audit --no-fund --loglevel=error
	@# plotly.js's cartesian bundle (a third of the full one), at the version plotly.py draws for;
	@# without npm the full bundle inside the plotly package is served instead.
	-npm install --prefix .cache/plotly-js --no-save --no-audit --no-fund --loglevel=error \
	  plotly.js-cartesian-dist-min@$$($(PY) -c "import plotly.offline as o; print(o.get_plotlyjs_version())")
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(PY) manage.py compile_catalogs

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo_content
	$(PY) manage.py warm_demo_runs
	$(PY) manage.py ensure_admin
	@echo "Serving on http://$(HOST):$(PORT)/ with a demo worker and a notices worker (Ctrl-C stops all)"
	@# The workers run beside the server; leaving (Ctrl-C or an error) stops them too. A second
	@# TERM makes the demo worker drop a run in progress, which the next worker picks up again.
	@# Emails have their own worker, so a demo never waits behind them; it also queues due
	@# reminders every NOTICES_POLL_SECONDS (emails go to this console under dev settings).
	@$(PY) manage.py demo_worker --interval 0.2 --verbosity 0 & \
	worker=$$!; \
	$(PY) manage.py notices_worker --interval 1 --verbosity 0 & \
	notices=$$!; \
	trap 'kill -TERM $$worker $$notices 2>/dev/null; sleep 0.2; kill -TERM $$worker 2>/dev/null; wait $$worker $$notices' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node_modules/.bin/eslint --max-warnings=0 static/js static/admin/js

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
