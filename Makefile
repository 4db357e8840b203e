# Trellis: `make demo` runs the product, `make test` passes the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/trellis
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: system-deps install node-deps demo serve test test-pg test-e2e lint format bench \
	migrations-check compose-check check-deploy catalogue-check clean lrs-conformance

install: $(VENV)/.installed

# Debian packages the tests drive for real: Chromium (browser tests), Node.js and npm (the
# OpenID provider and the xAPI conformance suite) and Prometheus
# (external KPIs pulled with query_range) and xmlsec1 (SAML signatures, for pysaml2).
# Installed only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	dpkg -s prometheus >/dev/null 2>&1 || missing="$$missing prometheus"; \
	[ -x /usr/bin/xmlsec1 ] || missing="$$missing xmlsec1"; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

demo: install
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput -v 0
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py collectstatic --noinput -v 0
	@echo "Trellis is serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	DJANGO_SETTINGS_MODULE=config.settings.local DJANGO_DEBUG=false \
	  $(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers 2 \
	  --threads 4 --no-control-socket --access-logfile -

test: install
	$(PY) -m pytest -q -m "not e2e"

# The same suite on PostgreSQL + Redis, including tests that start a real Celery worker.
test-pg: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) TRELLIS_REQUIRE_SERVICES=1 \
	  $(PY) -m pytest -q -m "not e2e"

# npm packages the tests start as real counterparts (e.g. the OpenID provider), inject
# into pages (axe-core) or verify with (the credential verifier); Debian's nodejs and npm
# are installed when missing.
NODE_TEST_DIRS := tests/node/oidc-provider tests/node/axe-core tests/node/vc-verifier
node-deps:
	@command -v npm >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@for dir in $(NODE_TEST_DIRS); do \
	  [ -d $$dir/node_modules ] && [ $$dir/node_modules -nt $$dir/package-lock.json ] || \
	  (cd $$dir && npm ci --no-audit --no-fund --loglevel=error && touch node_modules); \
	done

# Browser tests: Playwright driving Debian's Chromium (apt-get install chromium).
test-e2e: install node-deps
	TRELLIS_REQUIRE_SERVICES=1 $(PY) -m pytest -q -m e2e -p no:randomly

# The ADL LRS conformance suite against the live app (gunicorn on PostgreSQL, a throw-away
# database): fails unless xAPI 1.0.3 passes whole; LRS_CONFORMANCE_V2=1 adds the 2.0.0 count.
LRS_SUITE_SRC ?= ../shared/lrs-conformance-test-suite
lrs-conformance: install
	LRS_SUITE_SRC=$(LRS_SUITE_SRC) .ci/lrs-conformance

# Schemathesis against the live app on PostgreSQL with each persona's token (.ci/api-fuzz).
api-fuzz: install
	.ci/api-fuzz

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) tools/check_module_size.py
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py catalogue_schema --check

# The catalogue's schema file is current and every reference in its files resolves.
catalogue-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py catalogue_schema --check

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

# Validates docker-compose.yml with Compose v2 (as a docker CLI plugin when docker is installed).
compose-check: install
	mkdir -p $(VENV)/docker/cli-plugins
	cp $(VENV)/lib/python3*/site-packages/compose/docker-compose $(VENV)/docker/cli-plugins/
	chmod +x $(VENV)/docker/cli-plugins/docker-compose
	export DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-compose-check-only}; \
	if command -v docker >/dev/null; then DOCKER_CONFIG=$(VENV)/docker docker compose config -q; \
	else $(VENV)/docker/cli-plugins/docker-compose config -q; fi
	@echo "docker-compose.yml is valid"

# Django's deployment checklist against the production settings with a real secret:
# any warning fails (docs/security.md explains the one silenced by default). The
# static manifest is collected first: URLs resolve static file names at import time.
check-deploy: install
	export DJANGO_SETTINGS_MODULE=config.settings.production \
	  DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  TRELLIS_SECRETS_KEY=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	  DJANGO_STATIC_ROOT=$(VENV)/check-deploy-static; \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	$(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles var/test-worker.log
