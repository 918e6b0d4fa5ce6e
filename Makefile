# Upstream — two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
SMTP_PORT ?= 2525
PG_URL ?= postgres://postgres@127.0.0.1:5432/upstream
REDIS_URL_TEST ?= redis://127.0.0.1:6379/15
SQLITE_URL := sqlite:///$(CURDIR)/var/upstream.sqlite3

.PHONY: install run test check lint typecheck pytest smoke browser-deps system-deps messages bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate SQLite, load demo data once, start the server.
run: install
	@mkdir -p var/static
	DATABASE_URL=$(SQLITE_URL) $(BIN)/upstream migrate --noinput
	DATABASE_URL=$(SQLITE_URL) $(BIN)/upstream generate --demo --if-empty
	@echo
	@echo "Upstream is starting at http://127.0.0.1:$(PORT)/"
	@DATABASE_URL=$(SQLITE_URL) $(BIN)/upstream demo_logins
	@echo "Email: send mail to support@upstream.localhost through SMTP at 127.0.0.1:$(SMTP_PORT) (replies print here)."
	@echo
	@# A worker and the clock run beside the server, so SLA warnings and breaches happen in the demo; when the
	@# server stops (Ctrl-C), the trap stops them too.
	trap 'kill 0' EXIT; \
	DATABASE_URL=$(SQLITE_URL) $(BIN)/upstream db_worker & \
	DATABASE_URL=$(SQLITE_URL) $(BIN)/upstream clock & \
	DATABASE_URL=$(SQLITE_URL) $(BIN)/upstream smtpd --port $(SMTP_PORT) & \
	DATABASE_URL=$(SQLITE_URL) DEBUG=true $(BIN)/upstream runserver 0.0.0.0:$(PORT)

## test: install, lint, type-check, the suite on PostgreSQL, a smoke run on SQLite.
test: install system-deps check pytest smoke

system-deps:
	@bash scripts/ensure-system-deps.sh

browser-deps: system-deps

check: lint typecheck

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	SECRET_KEY=typecheck-only-key-not-used-for-anything $(BIN)/mypy

pytest: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_URL_TEST) $(BIN)/pytest -n 2 --dist loadfile -q

smoke: install
	@mkdir -p var/static
	DATABASE_URL=sqlite:///$(CURDIR)/var/smoke.sqlite3 $(BIN)/pytest -m smoke -q

messages: install
	cd src/upstream && ../../$(BIN)/upstream makemessages -l zh_Hans --no-obsolete && ../../$(BIN)/upstream compilemessages

bench: install
	DATABASE_URL=$(PG_URL)_bench $(BIN)/python bench/inbox.py
	$(BIN)/python bench/sla.py
	DATABASE_URL=$(PG_URL)_slabench $(BIN)/python bench/sla_recompute.py
	DATABASE_URL=$(PG_URL)_emailbench $(BIN)/python bench/email.py
	for s in ../shared/data/kb-eval/banking77:queries_dev ../shared/data/kb-eval/clinc150:queries_dev bench/data/zh_faq:queries; do DATABASE_URL=$(PG_URL)_kbbench $(BIN)/python bench/kb_quality.py --docs $${s%:*}/kb_docs.jsonl --queries $${s%:*}/$${s#*:}.jsonl || exit 1; done
	DATABASE_URL=$(PG_URL)_searchbench $(BIN)/python bench/search.py
	DATABASE_URL=$(PG_URL)_analyticsbench $(BIN)/python bench/analytics.py
	DATABASE_URL=$(PG_URL)_exportbench $(BIN)/python bench/export.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
