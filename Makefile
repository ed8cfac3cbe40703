# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint lock browser migrate seed clean messages

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --requirement requirements.lock
	touch $@

# Without STRIPE_SECRET_KEY, `make run` pays through the offline stand-in (shop/payments/standin):
# localstripe plus a labelled fake of Stripe Checkout, on loopback. Fixed development values, not secrets.
# axe-core for the accessibility tests (defined before the rules that need it: prerequisites expand on reading)
AXE := tests/e2e/axe/node_modules/axe-core/axe.min.js

STANDIN_PORT ?= 12111
LOCALSTRIPE_PORT ?= 12112
STANDIN_SECRET_KEY := sk_test_standin_not_a_secret
STANDIN_WEBHOOK_SECRET := whsec_standin_not_a_secret

## run: install, migrate, load the demo catalogue, serve on http://$(HOST):$(PORT) (SQLite; no keys: offline Stripe stand-in)
## SITE_URL (the address emails, printed links and PDF reports point at) follows HOST and PORT unless it is set.
run: export DEBUG = 1
run: $(BIN)/.installed
	@host=$(HOST); [ "$$host" != 0.0.0.0 ] || host=127.0.0.1; export SITE_URL="$${SITE_URL:-http://$$host:$(PORT)}"; \
	if [ -z "$$STRIPE_SECRET_KEY" ]; then \
	  export STRIPE_SECRET_KEY=$(STANDIN_SECRET_KEY) STRIPE_WEBHOOK_SECRET=$(STANDIN_WEBHOOK_SECRET) \
	         STRIPE_API_BASE=http://127.0.0.1:$(STANDIN_PORT); \
	  $(BIN)/python -m shop.payments.standin --port $(STANDIN_PORT) --localstripe-port $(LOCALSTRIPE_PORT) \
	      --webhook-url http://127.0.0.1:$(PORT)/checkout/stripe/webhook/ >/dev/null & standin=$$!; \
	  trap 'kill $$standin 2>/dev/null; wait $$standin' EXIT; trap 'exit 130' INT TERM; \
	  echo "No STRIPE_SECRET_KEY: payments go to the offline Stripe stand-in on http://127.0.0.1:$(STANDIN_PORT) (test only, no real money)"; \
	fi; \
	$(BIN)/python manage.py migrate --no-input && \
	$(BIN)/python manage.py seed_demo && \
	{ [ -z "$$standin" ] || kill -0 $$standin 2>/dev/null || { echo "The Stripe stand-in did not start (see above)"; exit 1; }; } && \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: install, then run the whole suite (DATABASE_URL picks the database; SQLite by default)
test: $(BIN)/.installed browser $(AXE)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest -n 2 --dist loadfile

## browser: Debian's chromium for the browser tests (installed when missing and we may)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }

## axe-core for the accessibility browser tests, pinned in tests/e2e/axe/package-lock.json
## (installed once; without npm the tests skip locally and fail in CI)
$(AXE): tests/e2e/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/e2e/axe --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "Accessibility tests need npm (apt-get install npm) to install axe-core"; fi

lint: $(BIN)/.installed
	$(BIN)/ruff check .

## lock: re-pin every dependency after changing pyproject.toml
lock:
	rm -rf /tmp/proceeds-lock && $(PYTHON) -m venv /tmp/proceeds-lock
	/tmp/proceeds-lock/bin/pip install --quiet ".[dev]"
	/tmp/proceeds-lock/bin/pip freeze --exclude-editable | grep -v '^proceeds' > requirements.lock

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media

## messages: refresh locale/uk/LC_MESSAGES/django.po from the code and templates, then compile django.mo (needs gettext)
messages: export DEBUG = 1
messages: $(BIN)/.installed
	mkdir -p locale
	$(BIN)/python manage.py makemessages -l uk --no-obsolete -i ".venv/*" -i "bench/*" -i "tests/*" -i "staticfiles/*" -i "media/*"
	$(BIN)/python manage.py compilemessages -l uk -i ".venv/*"
