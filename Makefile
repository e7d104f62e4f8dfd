# plan119 — two commands: `make run` and `make test`. Only Python 3.11 and make are needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export PORT

.PHONY: run test check install install-dev messages migrate demo clean help

help:
	@echo "make run   - install into .venv, migrate, load Plan 119 and demo users, start web + worker + scheduler on :$(PORT)"
	@echo "make test  - install test requirements and run the test suite"
	@echo "make check - import layers (import-linter), lint (ruff), types (mypy)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Translations are compiled from the .po files (pure Python, no GNU gettext needed).
messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

run: export DEBUG ?= 1
# links in the e-mails point at the port the demo runs on (PORT=8801 make run)
run: export SITE_URL ?= http://localhost:$(PORT)
run: install messages
	$(PY) manage.py prepare_dirs
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_plan
	$(PY) manage.py seed_demo
	$(PY) manage.py open_periods
	@echo "Open http://localhost:$(PORT)/ and log in as one of the demo users in README.md. Ctrl-C stops everything."
	@# Ctrl-C: honcho stops web, worker and scheduler and exits 130; that is the normal end of `make run`, not an error
	$(VENV)/bin/honcho -f Procfile.dev start -p $(PORT) || [ $$? -eq 130 ]

test: install-dev messages
	$(PY) -m pytest $(PYTEST_ARGS)

# Static checks, configured in pyproject.toml: import layers, lint, types.
check: install-dev
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	DEBUG=1 $(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var staticfiles
