# Portal: `make run` starts everything on the embedded defaults; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install migrate demo run serve test lint bench messages clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	./scripts/run.sh

# Production start on this host (see README, Production): migrate, then gunicorn, a Celery worker
# per queue and beat, as SERVE_ROLES says. Set DJANGO_DEBUG=false and DJANGO_SECRET_KEY first.
serve: migrate
	./scripts/serve.sh

test: install
	$(BIN)/python -m pytest -q

# Style and types: ruff, then mypy with the Django and DRF stubs on services, selectors, tasks and
# documents (pyproject.toml, [tool.mypy]). CI runs it before the tests.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	command -v wrk >/dev/null && command -v varnishd >/dev/null \
	|| (apt-get update -qq && apt-get install -y -qq wrk varnish varnish-modules)
	$(BIN)/python bench/run.py

# Collect new messages into locale/zh_Hans/LC_MESSAGES/django.po (translate what is added), and
# compile the catalogue Django reads.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-location --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore ".venv/*"

clean:
	rm -rf $(VENV) var
