# chiikidx — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PORT ?= 8000
# Checks and tests run over plain HTTP on this machine (production sets CHIIKIDX_HTTPS=1).
export CHIIKIDX_HTTPS ?= 0
STAMP := $(VENV)/.installed
CHIIKIDX := $(BIN)/chiikidx

.PHONY: run test install lint check pytest browsers bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

install: $(STAMP)

# Migrate, load the registry and the demo (idempotent), print the demo logins, serve.
run: install
	CHIIKIDX_DEBUG=$${CHIIKIDX_DEBUG:-1} $(CHIIKIDX) bootstrap --demo
	CHIIKIDX_DEBUG=$${CHIIKIDX_DEBUG:-1} $(CHIIKIDX) runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

check: install
	CHIIKIDX_DEBUG=0 $(CHIIKIDX) check --fail-level WARNING
	@# Production settings, as deployed: HTTPS, a real secret key, collected static files.
	d=$$(mktemp -d) && export CHIIKIDX_DATA_DIR=$$d CHIIKIDX_DEBUG=0 CHIIKIDX_HTTPS=1 \
		CHIIKIDX_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))") && \
		$(CHIIKIDX) collectstatic --noinput -v 0 && $(CHIIKIDX) check --deploy --fail-level WARNING; \
		status=$$?; rm -rf $$d; exit $$status
	$(CHIIKIDX) makemigrations --check --dry-run

# Browser tests need Debian's chromium and Japanese fonts (screenshots are empty boxes without them).
browsers:
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk libcairo2 >/dev/null 2>&1; then \
		echo "installing chromium, fonts-noto-cjk and libcairo2 with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk libcairo2 >/dev/null; \
	fi

pytest: install browsers
	$(BIN)/pytest

test: lint check pytest

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
