# Everything a fresh machine needs is set up by these targets; re-running is fast when nothing changed.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PORT ?= 3000
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
BUN_VERSION := 1.4.4
BUN := .tools/node_modules/.bin/bun
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export ARCHIVE_PORT := $(PORT)

.PHONY: run test setup migrate lint typecheck unit browser bench bench-push bench-feed bench-media clean image image-test scale-test

$(STAMPS)/venv: pyproject.toml
	@mkdir -p $(STAMPS)
	@command -v $(PYTHON) >/dev/null || { echo "Archive needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

$(BUN):
	@command -v npm >/dev/null || { echo "Archive needs Node.js/npm to install bun"; exit 1; }
	npm install --prefix .tools --no-audit --no-fund bun@$(BUN_VERSION)

$(STAMPS)/chromium:
	@mkdir -p $(STAMPS)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }
	@touch $@

$(STAMPS)/caddy:
	@mkdir -p $(STAMPS)
	@command -v caddy >/dev/null || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q caddy; }
	@touch $@

setup: $(STAMPS)/venv $(BUN)

migrate: setup
	$(BIN)/alembic upgrade head

run: migrate
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q -m "not browser"

browser: setup $(STAMPS)/chromium
	$(BIN)/pytest -q -m browser

test: setup $(STAMPS)/chromium lint typecheck
	$(BIN)/pytest -q --durations=25

bench: migrate
	$(BIN)/python -m bench

# Live-layer push cost (issue 11): minutes, not part of `make bench`. ARGS="--tabs 10 100".
bench-push: setup
	$(BIN)/python -m bench.push $(ARGS)

# The Feed, Manage Rights and the creator's page at scale (issues 7, 23): 100,000 mentions, or
# ARGS="--mentions 1000000" (about 10 minutes for both databases); SQLite, PostgreSQL with
# ARCHIVE_DATABASE_URL (or ARGS="--pg postgresql://..."), Chromium with ARGS="--chromium".
bench-feed: setup
	$(BIN)/python -m bench.feed $(ARGS)

# Covers kept (issue 22): ingest of 1,000 mentions with covers, and serving a stored cover.
bench-media: setup
	$(BIN)/python -m bench.media $(ARGS)

# The container image (Dockerfile); needs Docker. IMAGE_PUBLIC_URL: see README → Deploy.
IMAGE ?= archive:latest
IMAGE_PUBLIC_URL ?= http://localhost:3000
image:
	@command -v docker >/dev/null || { echo "make image needs Docker (docker build)"; exit 1; }
	docker build -t $(IMAGE) --build-arg ARCHIVE_PUBLIC_URL=$(IMAGE_PUBLIC_URL) .

# Build the image and check it running (tests/deploy/image_test.sh): Docker, or Debian's podman
# (installed when missing, like Chromium). Minutes. IMAGE_TEST_PORT (default 28080, below the ephemeral ports 32768-60999 that outgoing connections take) must be free.
image-test: setup $(STAMPS)/chromium
	tests/deploy/image_test.sh

# Two replicas behind Caddy on their own PostgreSQL and Redis, 1,000 tabs, a replica killed,
# Redis restarted, PostgreSQL stopped (tests/scale, issue 23). Minutes; needs PostgreSQL's
# server binaries and redis-server (Debian's postgresql and redis-server packages).
scale-test: setup $(STAMPS)/chromium $(STAMPS)/caddy
	ARCHIVE_SCALE_TEST=1 $(BIN)/pytest -q -s tests/scale

clean:
	rm -rf $(STAMPS) .web data
