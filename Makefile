# Authport developer tasks. GNU make.
#   make serve   run the service locally on PUBLIC_URL (default http://127.0.0.1:8000) with a demo tenant
#   make test    the test suite (SQLite by default; set DATABASE_URL for PostgreSQL) and ruff
# DATABASE_URL, PUBLIC_URL and the other settings pass through from the environment as they are.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# gunicorn as measured fastest by `make bench` (README, Performance): sync workers, one per core,
# no access log (ACCESS_LOG=1 writes one to stdout). Behind a reverse proxy that buffers slow clients.
WORKER_CLASS ?= sync
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
THREADS ?= 1
ACCESS_LOG ?=

.PHONY: help venv test lint fmt serve bench bench-instructions browser-deps node-sdks soak clean deploy-cli

help:
	@echo "make serve   run Authport on PUBLIC_URL (default http://127.0.0.1:8000) with a demo tenant"
	@echo "make test    run the tests (DATABASE_URL picks the database; default SQLite) and ruff"
	@echo "make lint    ruff check, ruff format --check and the import contracts (lint-imports)"
	@echo "make fmt     ruff format and ruff check --fix"
	@echo "make bench   Authport against a plain Django view and a hand-written token view, with wrk (bench/run.py)"
	@echo "make bench-instructions  instructions per token request under callgrind, Authport and the hand view (bench/instructions.py)"
	@echo "make browser-deps  Chromium and Auth0's SPA SDK for the browser test (skipped without them)"
	@echo "make node-sdks  Auth0's Node SDK and openid-client for the live TLS tenant-domain test (skipped without them)"
	@echo "make soak    two hosts behind HAProxy, rotations under load, faults, fuzzing (SOAK=short|full; README, Reliability)"

venv: $(STAMP)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

test: venv
	$(BIN)/pytest -n auto -q
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# A local .env with generated secrets, written once and never overwritten (ENV_FILE=path: another file;
# manage.py reads the same one through DJANGO_ENV_FILE).
ENV_FILE ?= .env
$(ENV_FILE): | $(STAMP)
	@umask 077; { \
	  echo "# Written by 'make serve' on $$(date -u +%Y-%m-%dT%H:%M:%SZ). Local use only; never commit it."; \
	  echo "SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	  echo "AUTHPORT_KEY_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"; \
	} > "$@.tmp" && mv "$@.tmp" "$@"
	@echo "Wrote $@ with a new SECRET_KEY and AUTHPORT_KEY_ENCRYPTION_KEYS."

# gunicorn binds to the host and port of PUBLIC_URL (from the environment, else .env, else the default);
# BIND=host:port overrides that, e.g. behind a reverse proxy. PUBLIC_URL, DATABASE_URL and CACHE_URL
# given in the environment are saved to .env once they passed the settings' checks (migrate), so that
# later commands see what the server sees. Metrics: authport/gunicorn_conf.py (METRICS_BIND).
serve: venv $(ENV_FILE)
	@export DJANGO_READ_DOT_ENV_FILE=true DJANGO_ENV_FILE="$(abspath $(ENV_FILE))"; \
	$(BIN)/python manage.py migrate --noinput; \
	$(BIN)/python manage.py createcachetable -v 0; \
	$(BIN)/python scripts/persist-env.py "$(ENV_FILE)" PUBLIC_URL DATABASE_URL CACHE_URL; \
	url="$${PUBLIC_URL:-$$(sed -n 's/^PUBLIC_URL=//p' "$(ENV_FILE)" | tail -n 1)}"; \
	url="$${url:-http://127.0.0.1:8000}"; url="$${url%/}"; \
	bind="$${BIND:-$$($(BIN)/python -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print("%s:%d" % (p.hostname, p.port or (443 if p.scheme == "https" else 80)))' "$$url")}"; \
	$(BIN)/python manage.py collectstatic --noinput -v 0; \
	$(BIN)/python manage.py bootstrap_demo; \
	echo "Serving $$url on $$bind ($(WORKER_CLASS), $(WORKERS) workers x $(THREADS) threads); Ctrl-C stops."; \
	access_log=(); [[ -n "$(ACCESS_LOG)" && "$${LOG_FORMAT:-}" != json ]] && access_log=(--access-logfile -); \
	exec $(BIN)/gunicorn authport.wsgi --config python:authport.gunicorn_conf --bind "$$bind" \
	  --worker-class $(WORKER_CLASS) --workers $(WORKERS) --threads $(THREADS) "$${access_log[@]}" --error-logfile -

# Debian's Chromium and Auth0's SPA SDK (npm ci); without them the SPA browser test skips itself.
browser-deps:
	scripts/install-browser-deps.sh

# Auth0's Node SDK and openid-client (npm ci, pinned by tests/domains/node/package-lock.json) for
# tests/domains/test_live_tls.py; without them that test skips itself.
node-sdks:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ (apt-get install nodejs npm)" >&2; exit 1; }
	cd tests/domains/node && npm ci --no-audit --no-fund --ignore-scripts

# Authport against its ceilings, with make serve's gunicorn settings (README, Performance). wrk comes
# from Debian's packages when it is missing and apt-get exists; otherwise bench/run.py says it falls back
# to its Python load generator. BENCH_ARGS passes options, e.g. BENCH_ARGS=--scale or --databases sqlite.
bench: venv
	@command -v wrk >/dev/null || ! command -v apt-get >/dev/null || \
	  { sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; $$sudo apt-get install -y wrk || { $$sudo apt-get update && $$sudo apt-get install -y wrk; } || true; }
	$(BIN)/python bench/run.py --server "$(WORKER_CLASS):$(WORKERS):$(THREADS)$(if $(ACCESS_LOG),:log)" $(BENCH_ARGS)

# Instructions per token request under callgrind (bench/instructions.py): what the machine's load cannot
# move. valgrind comes from Debian's packages when missing.
bench-instructions: venv
	@command -v valgrind >/dev/null || ! command -v apt-get >/dev/null || \
	  { sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; $$sudo apt-get install -y valgrind || { $$sudo apt-get update && $$sudo apt-get install -y valgrind; } || true; }
	$(BIN)/python bench/instructions.py $(BENCH_ARGS)

# The reliability suite (README, Reliability; soak/run.py): its own PostgreSQL cluster and Redis on spare
# ports (never the machine's 5432/6379), two gunicorn hosts on 127.0.0.2 and 127.0.0.3 behind HAProxy.
# HAProxy, PostgreSQL's server binaries and redis-server come from Debian's packages when missing,
# schemathesis from PyPI, the Node resource server's packages from npm (skipped with a failed check
# without node). SOAK=short (CI, about 3 minutes) or full (100 rotations, 10,000 hypothesis requests).
SOAK ?= short
SOAK_TIMEOUT ?= $(if $(filter full,$(SOAK)),1800,600)
soak: venv
	@missing=(); command -v haproxy >/dev/null || missing+=(haproxy); command -v redis-server >/dev/null || missing+=(redis-server); \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql); \
	  if [ $${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then \
	    sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	    $$sudo apt-get install -y "$${missing[@]}" || { $$sudo apt-get update && $$sudo apt-get install -y "$${missing[@]}"; }; \
	  fi
	@test -x $(BIN)/st || $(BIN)/python -m pip install --quiet "schemathesis>=4,<5"
	@if command -v npm >/dev/null && [ ! -d soak/verifier/node_modules/express-oauth2-jwt-bearer ]; then \
	  (cd soak/verifier && npm install --no-audit --no-fund --silent); fi
	timeout $(SOAK_TIMEOUT) $(BIN)/python soak/run.py --mode $(SOAK) $(SOAK_ARGS)

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache

# Auth0's Deploy CLI (a0deploy) in .deploy-cli/node_modules, for tests/provisioning/test_deploy_cli.py.
deploy-cli:
	npm install --no-audit --no-fund --no-save --prefix .deploy-cli auth0-deploy-cli@8
