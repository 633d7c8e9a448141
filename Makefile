# Facilitator. `make run` serves the demo on http://$(HOST):$(PORT); `make test` runs every test.
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
# Threaded workers: an idle or slow connection does not hold a whole worker (docs/benchmarks.md).
WORKER_CLASS ?= gthread
THREADS ?= 8
VENV := .venv
FLASK := $(VENV)/bin/flask --app facilitator

.PHONY: run serve setup setup-test test lint translations bench clean

run: setup
	@$(FLASK) init-db
	@$(FLASK) speech render || echo "Speech was not rendered; the browser's own voice will be used."
	@$(FLASK) demo
	@echo "Facilitator is starting on http://$(HOST):$(PORT), with the message worker  (stop both with Ctrl+C)"
	@HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) WORKER_CLASS=$(WORKER_CLASS) THREADS=$(THREADS) VENV=$(VENV) exec scripts/serve.sh

setup:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

test: setup-test
	@VENV=$(VENV) scripts/test.sh $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check facilitator tests scripts
	$(VENV)/bin/mypy

translations: setup
	$(VENV)/bin/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o translations/messages.pot --no-location --sort-output --project Facilitator --copyright-holder "Facilitator contributors" .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d translations

bench: setup
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules facilitator/static/vendor .pytest_cache
