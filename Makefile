# JoinedUp: the two commands a newcomer needs.
#   make run    install, build the demo partnership on SQLite, and serve it (with its
#               background worker; Ctrl+C stops both)
#   make test   install what the tests need, and run the whole suite on SQLite and PostgreSQL
# Both work from a fresh clone; see README.md.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
DATA := var
ASSETS := src/joinedup/web/static/build/app.css
# Two worker processes (the machines have two cores); each file stays on one worker, so a
# file's live server and fixtures are made once.
PYTEST_ARGS ?= -n 2 --dist loadfile

export JOINEDUP_DATA_DIR := $(CURDIR)/$(DATA)

# The two-tier demonstration (Warwickshire and two districts), in a database of its own.
run-county:
	$(MAKE) --no-print-directory run DATA=var/county DEMO_ARGS=--county

.PHONY: run run-county test install install-test assets demo serve test-sqlite test-postgres lint clean help

help:
	@echo "make run    build the demo partnership on SQLite and serve it on http://$(HOST):$(PORT)/"
	@echo "make test   run the whole test suite on SQLite and PostgreSQL, browser tests included"

# serve runs the web server and the background worker; exec lets a SIGTERM sent to make
# reach it, and it stops both.
run: install assets $(DATA)/secret_key
	scripts/ensure-system-packages run
	SECRET_KEY="$$(cat $(DATA)/secret_key)" $(BIN)/joinedup demo $(DEMO_ARGS)
	SECRET_KEY="$$(cat $(DATA)/secret_key)" $(BIN)/joinedup collectstatic --no-input --verbosity 0
	SECRET_KEY="$$(cat $(DATA)/secret_key)" exec $(BIN)/joinedup serve --host $(HOST) --port $(PORT)

test: install-test assets
	scripts/ensure-system-packages
	$(MAKE) --no-print-directory test-sqlite
	@url="$$(scripts/test-postgres start)" && \
	  status=0; \
	  $(MAKE) --no-print-directory test-postgres DATABASE_URL="$$url" || status=$$?; \
	  scripts/test-postgres stop; \
	  exit $$status

test-sqlite:
	@echo "== the suite on SQLite"
	$(BIN)/ruff check --quiet src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	@echo "== the suite on PostgreSQL ($(DATABASE_URL))"
	DATABASE_URL="$(DATABASE_URL)" $(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed-run

install-test: $(VENV)/.installed-test

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

# Packages are compiled to bytecode as they are installed, so that no command pays for
# compiling them on its first runs (or on every run, where PYTHONDONTWRITEBYTECODE is set).
$(VENV)/.installed-run: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode -p $(BIN)/python -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode -p $(BIN)/python -e ".[test]"
	@touch $@ $(VENV)/.installed-run

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(ASSETS)

$(ASSETS): node_modules/.package-lock.json scripts/build-assets.mjs $(wildcard src/joinedup/web/assets/*.scss)
	npm run --silent build

$(DATA)/secret_key: | install
	@mkdir -p $(DATA)
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

clean:
	rm -rf $(VENV) node_modules src/joinedup/web/static/build .pytest_cache
	@echo "Kept $(DATA)/ (your database); remove it yourself to start again."
