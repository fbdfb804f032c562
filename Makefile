# Two commands: `make run` (set up, build the demo store if missing, start the dashboard)
# and `make test` (set up with dev tools and system packages, lint, run every test).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     := $(or $(RECTIFICATION_DB),data/rectification.duckdb)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup setup-dev system-deps lint format schema bench bench-briefing bundle clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev system-deps

# Chromium (browser tests, static chart export) and CJK fonts (Chinese in exported images).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		echo "Installing chromium and fonts-noto-cjk with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk fontconfig >/dev/null; \
	fi

run: setup
	@test -f "$(DB)" || $(PY) -m rectification init
	@$(PY) -m rectification upgrade
	@-$(PY) -m rectification users status
# Warm-up in the background: once the server answers it runs the overview once, so the first
# visitor does not wait for the imports and caches (see README, 运维); it never blocks or fails the run.
	@( $(PY) -m rectification warm --wait 120 >/dev/null 2>&1 & )
	$(VENV)/bin/streamlit run dashboard.py

test: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
# Two runs: the tests without a browser on both cores, then the browser tests one at a time (a browser
# and a Streamlit server per test already keep two cores busy).
	$(PY) -m pytest -n 2 -m "not browser"
	$(PY) -m pytest -m browser

lint: setup-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

format: setup-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# sql/schema.sql, the schema after every migration for reading in one place; run it after adding a migration.
schema: setup
	$(PY) -m rectification.core.schema

bench: setup-dev
	$(PY) bench/run.py

bench-briefing: setup-dev
	$(PY) bench/briefing.py

# The offline install bundles for an intranet (README, 内网部署): dist/整改进展看板-离线安装包-<version>-<platform>.*
# for Linux x86_64, Linux aarch64 and Windows x86_64. Needs the package registry; wheels are cached in ~/.cache.
bundle: setup
	$(PY) offline/build.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
