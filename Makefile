# SoTicket for Odoo — developer commands. See README.md.
PYTHON ?= python3
DEV = $(PYTHON) tools/soticket_dev.py

.PHONY: run test lint env i18n
run:  ## serve the demo venue on http://localhost:8069
	$(DEV) run

test:  ## the whole suite: Odoo tests + tours in a fresh database, then pytest tests/
	$(DEV) test $(TEST_ARGS)

lint:  ## ruff + pylint-odoo
	$(DEV) lint

env:  ## show which Odoo, venv and PostgreSQL are used
	$(DEV) env

i18n:  ## refresh each addon's .pot and merge new terms into i18n/fr.po
	$(DEV) i18n
