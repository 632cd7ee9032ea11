# The README's commands. Each installs what it needs first (bin/setup), so a fresh machine works.
PY := .venv/bin/python
export DJANGO_DEBUG ?= 1
SIZES ?= 100000 1000000

.PHONY: setup run test bench lint

setup:
	bin/setup

run: setup
	bin/run

test:
	WITH_BROWSER=1 bin/setup
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest --create-db $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench $(SIZES)

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
