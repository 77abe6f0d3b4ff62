# Targets a newcomer can guess: run, test, lint, stack, bench. Everything runs from .venv.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Python 3.12 (the Lambda runtime we package for) when the machine has it, else 3.11.
PYTHON ?= $(shell for candidate in python3.12 "$$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3.12 python3.11 python3; do \
	"$$candidate" --version >/dev/null 2>&1 && { echo "$$candidate"; break; }; done)


.PHONY: help run stack test test-mariadb test-sqlite test-infra tools lint format clean venv
.DEFAULT_GOAL := help

## help: this list: every target with its ## description
help:
	@awk '/^## [a-z][a-z0-9-]*(<[a-z]+>)?:/ { sub(/^## /, ""); name = $$1; sub(/:$$/, "", name); sub(/^[^:]*: */, ""); \
		printf "  %-26s %s\n", name, $$0; next } /^## / { sub(/^## /, ""); printf "  %-26s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## system-packages-<profile>: install (as root) or name (otherwise) the Debian/Ubuntu packages a
## purpose needs, before pip runs; the knowledge lives in scripts/system-packages.
.PHONY: system-packages-run system-packages-test system-packages-clean-room
system-packages-run system-packages-test system-packages-clean-room: system-packages-%:
	$(if $(PYTHON),,$(error no python3.12, python3.11 or python3 found: install Python 3.12 or 3.11))
	@$(PYTHON) scripts/system-packages $*

# One .venv, one stamp per requirement set: `make run` installs only the site pins (all wheels) and
# the local WSGI server (no compiler, no MySQL headers); `make test` adds the rest to the same venv. A stamp is redone when its
# files change. The system-packages check is order-only: it runs every time, but forces no reinstall.
LOCAL_STAMP := $(VENV)/.installed-requirements-local
DEV_STAMP := $(VENV)/.installed-requirements-dev
define install-requirements
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $<
	touch $@
endef

$(LOCAL_STAMP): requirements-local.txt requirements-site.txt | system-packages-run
	$(install-requirements)

$(DEV_STAMP): requirements-dev.txt requirements.txt requirements-local.txt requirements-site.txt | system-packages-test
	$(install-requirements)

## venv: the development venv (.venv): runtime pins, mysqlclient, test and lint tools
venv: $(DEV_STAMP)

## run: serve the site on http://127.0.0.1:8000 with the embedded SQLite database, through gunicorn
## (local_server: de-chunks bodies, adds no headers); the last start-up line names the hits page
run: $(LOCAL_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python -m local_server --port 8000

## stack: the production database path locally: MariaDB + RDS Proxy stand-in + the site on IAM auth
stack: venv
	$(BIN)/python -m local_stack --port 8000

## test: lint, then the whole suite on a harness-started MariaDB, then the portable part on SQLite
test: venv tools lint test-mariadb test-sqlite

## test-mariadb: the MariaDB pass alone; test-sqlite: the SQLite pass alone (mariadb_only deselected)
test-mariadb: venv
	TEST_DATABASE=mariadb $(BIN)/pytest

test-sqlite: venv
	TEST_DATABASE=sqlite $(BIN)/pytest tests/hits tests/webhook_site tests/db_roles

.PHONY: test-slow
## test-slow: the proofs deselected by default (marker slow, about a minute): a 25 s migration statement
## succeeds in the admin function and, as the control, fails with the web path's 20 s read timeout
test-slow: venv
	TEST_DATABASE=mariadb $(BIN)/pytest -m slow

## lint: ruff check, ruff format --check and mypy (strict; tests lenient); format: let ruff fix what it can
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## tools: checkov in its own venv (.venv-tools): its pins (boto3 among them) clash with the runtime ones
TOOLS_VENV := .venv-tools
$(TOOLS_VENV)/.installed: infra/requirements-tools.txt | system-packages-run
	test -x $(TOOLS_VENV)/bin/pip || $(PYTHON) -m venv $(TOOLS_VENV)
	echo '*' > $(TOOLS_VENV)/.gitignore  # keeps git and ruff out, as Python 3.13+ venvs do themselves
	$(TOOLS_VENV)/bin/pip install --quiet -r infra/requirements-tools.txt
	touch $@

tools: $(TOOLS_VENV)/.installed

## test-infra: only the infrastructure checks (template lint and scan, zappa settings, fill script)
test-infra: venv tools
	$(BIN)/pytest tests/infra

## clean: remove every generated folder (venvs, build/, var/ with its benchmark, chaos and stack state,
## caches, collected static files); db.sqlite3, the data `make run` captured, stays
clean:
	rm -rf $(VENV) $(TOOLS_VENV) .venv-lambda .venv-lambda.lock build var .pytest_cache .ruff_cache .mypy_cache .hypothesis staticfiles

## clean-room: the README's quick start (make run, then make test) in a freshly debootstrapped root,
## entered with chroot (needs root). CLEAN_ROOM_DISTRIBUTION: noble (Ubuntu 24.04, the default) or
## bookworm (Debian 12). CLEAN_ROOM_FLAGS=--reuse-base skips a new debootstrap. Figures: docs/fresh-machine.md
.PHONY: clean-room
CLEAN_ROOM_DISTRIBUTION ?= noble
CLEAN_ROOM_FLAGS ?=
clean-room: venv system-packages-clean-room
	$(BIN)/python -m clean_room $(CLEAN_ROOM_DISTRIBUTION) $(CLEAN_ROOM_FLAGS)

## lambda-package: the Lambda zip for STAGE (build/webhook-site-$(STAGE).zip), checked for missing
## native libraries. Optional: RDS_CA_BUNDLE=/path/global-bundle.pem (needed by bootstrap_db_users).
.PHONY: lambda-package lambda-check
STAGE ?= dev
LAMBDA_ZIP ?= build/webhook-site-$(STAGE).zip
# LAMBDA_PYTHON: a Python 3.12 to build with; by default the build finds one (this venv's, PATH, pyenv).
LAMBDA_PYTHON ?=
MARIADB_PLUGIN ?= /usr/lib/x86_64-linux-gnu/libmariadb3/plugin/mysql_clear_password.so
RDS_CA_BUNDLE ?=

lambda-package: venv
	$(BIN)/python -m lambda_artifact.build $(STAGE) --output $(LAMBDA_ZIP) $(if $(LAMBDA_PYTHON),--python $(LAMBDA_PYTHON)) \
		--mariadb-plugin $(MARIADB_PLUGIN) $(if $(RDS_CA_BUNDLE),--rds-ca-bundle $(RDS_CA_BUNDLE))

## lambda-check: the native-library check alone, on LAMBDA_ZIP
lambda-check: venv
	$(BIN)/python -m lambda_artifact.check_libraries $(LAMBDA_ZIP)

## bench: the full benchmarks (B1-B5, 6 to 8 minutes on a shared 2-core machine): rewrites
## docs/benchmarks.md and docs/benchmarks/*.png
## bench-quick: the same at CI smoke size (about 2 minutes), written to var/bench-quick/ (git-ignored)
.PHONY: bench bench-quick
bench: venv
	$(BIN)/python -m bench --mode full

bench-quick: venv
	$(BIN)/python -m bench --mode quick

## rehearse: docs/deploy.md's Zappa flow with the real zappa CLI against moto, no AWS involved: builds
## REHEARSAL_STAGE's zip, then deploy, update, status and undeploy it (about 2 minutes after the build)
.PHONY: rehearse
REHEARSAL_STAGE ?= production
rehearse: venv
	$(MAKE) lambda-package STAGE=$(REHEARSAL_STAGE)
	$(BIN)/python -m deploy_rehearsal $(REHEARSAL_STAGE) --zip build/webhook-site-$(REHEARSAL_STAGE).zip

## screenshots: the hits pages (list, detail, dark, a search, phone) photographed with headless Chromium into
## docs/screenshots/*.png, from a throwaway site sent a few sample webhooks (about 10 seconds)
.PHONY: screenshots
screenshots: venv
	$(BIN)/python -m screenshots

## chaos: captures while MariaDB and the stand-in are killed and restarted, then a soak, all audited
## (4 to 5 minutes); rewrites docs/chaos.md. chaos-quick: the same at smoke size, into var/chaos-quick/
.PHONY: chaos chaos-quick
chaos: venv
	$(BIN)/python -m chaos --mode full

chaos-quick: venv
	$(BIN)/python -m chaos --mode quick
