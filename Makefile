# Fund center: `make run` (demo site) and `make test` (whole suite). Without DATABASE_URL both run on an
# embedded PostgreSQL server (pgserver): data in .pgdata/ for `make run`, in a temporary folder for the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DEBUG ?= 1

.PHONY: run test install migrate demo lint format bench worker beat clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py documents_demo_cert
	$(BIN)/python manage.py seed_demo --employers 20 --depositors 400 --if-empty
	$(BIN)/python manage.py demo_users

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The test database is kept between runs (--reuse-db); PYTEST_ARGS=--create-db builds it afresh.
test: install
	TESTING=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/ledger_post.py

worker: install
	$(BIN)/celery -A fund_center worker -l info

beat: install
	$(BIN)/celery -A fund_center beat -l info

clean:
	rm -rf $(VENV) .pgdata staticfiles
