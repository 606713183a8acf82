# csbot: `make run` serves the embedded demo, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run requirements lint test test-fast test-js browser nginx prod-like proto bench-core clean miniprogram-sdk messages messages-update

# Translation catalogues: the .po files are the source (committed); the .mo
# files Django reads are built here, by `run` and `test`, never committed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
MAKEMESSAGES_SKIP := --ignore='.venv/*' --ignore='js/*' --ignore='bench/*' --ignore='tests/*' --ignore='docs/*' \
	--ignore='scripts/*' --ignore='staticfiles/*' --ignore='chat/static/chat/src/*' --ignore='chat/static/chat/csbot-sdk.js'

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Pins: requirements.in and requirements-dev.in name the direct dependencies;
# this compiles them, with every transitive dependency and the sha256 of each
# file, into requirements.txt and requirements-dev.txt (pip then checks every
# download against them). Existing pins are kept; to move one, edit its .in line.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make requirements" $(PY) -m piptools compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
requirements: $(STAMP)
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

# The embedded demo: SQLite, in-memory channel layer, one process.
run: $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_dev_admin
	$(PY) manage.py load_demo_kb
	@echo "csbot: chat page http://$(HOST):$(PORT)/  admin http://$(HOST):$(PORT)/admin/ (admin / admin)"
	$(PY) -m csbot.serve -b $(HOST) -p $(PORT) csbot.asgi:application

# Everything: pure and SQLite tests (with end-to-end tests on real daphne,
# Redis and PostgreSQL), the database tests again on PostgreSQL, the JS SDK.
# The PostgreSQL pass opens a connection per use: test threads come and go
# with each test's event loop, and a pool would keep their connections open
# past the test database's teardown. The daphne processes of the end-to-end
# tests run with the pool, as in production.
test: lint $(STAMP) browser nginx messages
	$(PY) -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== database tests on PostgreSQL"; \
		DATABASE_URL="$$TEST_DATABASE_URL" CSBOT_DB_POOL=0 SECRET_KEY=test-only DEBUG=1 $(PY) -m pytest -m django_db -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then echo "TEST_DATABASE_URL must be set under CI"; exit 1; \
	else echo "== TEST_DATABASE_URL not set: PostgreSQL pass skipped"; fi
	$(MAKE) test-js

# Lint and types (settings in pyproject.toml); the formatter is not part of it.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=csbot.settings $(VENV)/bin/mypy

# The chat app's tests without the load generator's and the log scrubbing's real servers.
test-fast: $(STAMP)
	$(PY) -m pytest tests/chat --ignore=tests/chat/loadtest --ignore=tests/chat/observability/test_log_secrets.py

test-js:
	@if [ -x js/run-tests.sh ]; then js/run-tests.sh; else echo "no JS tests"; fi

# Headless Chromium for the page tests (Debian's package).
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
		else echo "chromium is not installed: browser tests will be skipped (they fail under CI)"; fi; }
	@# A Chinese font, or the Chinese pages' screenshots show empty boxes instead of characters.
	@[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q fonts-wqy-microhei >/dev/null)); \
		else echo "no Chinese font (fonts-wqy-microhei): Chinese screenshots show boxes"; fi; }

# Debian's nginx for the proxy tests; its service is never started (tests run their own).
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get install -y -q nginx >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q nginx >/dev/null)); \
		else echo "nginx is not installed: proxy tests will be skipped (they fail under CI)"; fi; }

# PostgreSQL and Redis (DATABASE_URL / REDIS_URL, local ones by default), two
# instances on 8001 and 8002, nginx with TLS on https://localhost:8443.
prod-like: $(STAMP) nginx
	$(PY) scripts/prod_like.py

# The example mini-program in docs/miniprogram/ loads the SDK from utils/.
miniprogram-sdk:
	mkdir -p docs/miniprogram/utils
	cp chat/static/chat/csbot-sdk.js docs/miniprogram/utils/csbot-sdk.js

messages: $(MO_FILES)

locale/%.mo: locale/%.po
	@command -v msgfmt >/dev/null || { echo "msgfmt is needed to build translations (apt-get install gettext)"; exit 1; }
	msgfmt --check-format -o $@ $<

# After changing strings: collect them into the .po files, translate, then `make messages`.
messages-update: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --no-location $(MAKEMESSAGES_SKIP)
	$(PY) manage.py makemessages -d djangojs -l zh_Hans -l en --no-location $(MAKEMESSAGES_SKIP)

proto: $(STAMP)
	PYTHON=$(PY) scripts/gen_proto.sh

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* staticfiles artifacts var
