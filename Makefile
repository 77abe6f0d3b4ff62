# Targets a newcomer can guess: run, test, lint, stack, bench. Everything runs from .venv.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Python 3.12 (the Lambda runtime we package for) when the machine has it, else 3.11.
PYTHON ?= $(shell for candidate in python3.12 "$$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3.12 python3.11 python3; do \
	"$$candidate" --version >/dev/null 2>&1 && { echo "$$candidate"; break; }; done)


.PHONY: run stack test test-mariadb test-sqlite test-infra tools lint format clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

## run: serve the site on http://127.0.0.1:8000 with the embedded SQLite database
run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## stack: the production database path locally: MariaDB + RDS Proxy stand-in + the site on IAM auth
stack: venv
	$(BIN)/python -m local_stack --port 8000

## test: lint, then the whole suite on a harness-started MariaDB, then the portable part on SQLite
test: venv tools lint test-mariadb test-sqlite

test-mariadb: venv
	TEST_DATABASE=mariadb $(BIN)/pytest

test-sqlite: venv
	TEST_DATABASE=sqlite $(BIN)/pytest tests/hits tests/webhook_site tests/db_roles

.PHONY: test-slow
## test-slow: the proofs deselected by default (marker slow, about a minute): a 25 s migration statement
## succeeds in the admin function and, as the control, fails with the web path's 20 s read timeout
test-slow: venv
	TEST_DATABASE=mariadb $(BIN)/pytest -m slow

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## tools: checkov in its own venv (.venv-tools): its pins (boto3 among them) clash with the runtime ones
TOOLS_VENV := .venv-tools
$(TOOLS_VENV)/.installed: infra/requirements-tools.txt
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	echo '*' > $(TOOLS_VENV)/.gitignore  # keeps git and ruff out, as Python 3.13+ venvs do themselves
	$(TOOLS_VENV)/bin/pip install --quiet -r infra/requirements-tools.txt
	touch $@

tools: $(TOOLS_VENV)/.installed

## test-infra: only the infrastructure checks (template lint and scan, zappa settings, fill script)
test-infra: venv tools
	$(BIN)/pytest tests/infra

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis staticfiles

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

## bench: the full benchmarks (B1-B5, under 15 min): rewrites docs/benchmarks.md and docs/benchmarks/*.png
## bench-quick: the same at CI smoke size (under 2 min), written to var/bench-quick/ (git-ignored)
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
