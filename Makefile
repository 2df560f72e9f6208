# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install install-dev system-test-deps lint typecheck unit bench clean deploy package

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## JavaScript the browser tests inject into pages (axe-core), pinned by tests/browser/package-lock.json.
BROWSER_JS := tests/browser/node_modules/.package-lock.json
$(BROWSER_JS): tests/browser/package.json tests/browser/package-lock.json | system-test-deps
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev system-test-deps $(BROWSER_JS)

## make run: embedded DynamoDB + ЕСИА emulator + site and API on one origin (Ctrl-C stops all).
run: $(VENV)/.installed-run
	$(VENV)/bin/nmo serve --port $(PORT)

## Debian packages the tests need: chromium (browser tests), the GOST engine for OpenSSL
## (cross-checking our signatures), npm (axe-core for the accessibility test). Installed only
## when missing.
system-test-deps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	openssl engine gost >/dev/null 2>&1 || need="$$need libengine-gost-openssl"; \
	command -v npm >/dev/null 2>&1 || need="$$need npm"; \
	if [ -n "$$need" ]; then \
		echo "installing Debian packages:$$need"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need; \
	fi

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check functions tests bench site/hooks
	$(VENV)/bin/ruff format --check functions tests bench site/hooks

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

test: $(VENV)/.installed-dev system-test-deps $(BROWSER_JS) lint typecheck
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

clean:
	rm -rf build var/site .pytest_cache .mypy_cache .ruff_cache

## make deploy STAGE=pilot: package the API, deploy the stage's CloudFormation stacks, publish the
## site (infra/README.md). Needs AWS credentials; DRY_RUN=1 checks the stage, packages and prints
## the plan (OFFLINE=1: package from the installed environment). Stage problems exit 2.
STAGE ?=
DRY_RUN ?=
OFFLINE ?=
## make package STAGE=pilot: the Lambda zip and SAM template a real deploy uploads (build/api).
package: $(VENV)/.installed-run
	@test -n "$(STAGE)" || { echo "укажите стадию: make package STAGE=pilot" >&2; exit 2; }
	$(PY) infra/package.py --stage $(STAGE) $(if $(OFFLINE),--offline)

deploy: $(VENV)/.installed-run
	@test -n "$(STAGE)" || { echo "укажите стадию: make deploy STAGE=pilot" >&2; exit 2; }
	$(PY) infra/deploy.py --stage $(STAGE) $(if $(DRY_RUN),--dry-run) $(if $(OFFLINE),--offline)
