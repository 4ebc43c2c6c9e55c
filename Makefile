# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install system-deps run city-demo test lint format bench drill clean

# Debian packages the project needs at run time and in tests (each engineer adds theirs here).
# Only the missing ones are installed, after one `apt-get update`; sudo only when not root.
# node-typescript: Debian's tsc 4.8 (with nodejs), for `make lint`'s check of the pages' JavaScript.
# gcc-avr, avr-libc, arduino-core-avr: tests compile the example keypad sketch for an ATmega328P;
# libsimavr-dev: the tests run it in simavr (a simulated ATmega328P: UART, pins, clock).
# postgresql: the server binaries (initdb, pg_ctl) under /usr/lib/postgresql/<version>/bin, for
# the city link's tests, which start a throwaway cluster of their own (tests/support/postgres.py).
# libjs-chart.js: Chart.js (under /usr/share/javascript/chart.js/), which the city service serves
# to its pages itself (no CDN) for a centre's day by hour.
SYSTEM_PACKAGES := chromium espeak-ng fonts-dejavu-core libfribidi0 libusb-1.0-0 nodejs node-typescript gcc-avr avr-libc arduino-core-avr libsimavr-dev postgresql libjs-chart.js
TSC := /usr/bin/tsc
# What `make drill` runs with QUEUE_DRILL=1 (tests/support/drill.py): the same tests as in
# `make test`, ten times harder.
DRILLS := tests/integration/test_crash.py tests/unit/test_decoders_seeded.py \
	tests/integration/test_power_cut.py tests/integration/test_full_disk.py \
	tests/integration/test_api_properties.py
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: system-deps $(STAMP)

system-deps:  ## Debian packages: Chromium for the browser tests and kiosks, espeak-ng for the voice
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

HOST ?= 127.0.0.1
PORT ?= 8080
run: install  ## serve the demo ward centre on http://$(HOST):$(PORT) (make run HOST=0.0.0.0 PORT=8081)
	$(BIN)/queue-server demo --simulate --host $(HOST) --port $(PORT)

city-demo: install  ## a city on this machine: its own PostgreSQL under var/city-demo, 3 simulated centres, /city on :8090
	$(BIN)/queue-server city demo --host $(HOST)

test: lint  ## lint, type-check, then every test
	$(BIN)/pytest

drill: install  ## the reliability drills at full strength (docs/reliability.md): about 10 minutes
	QUEUE_DRILL=1 $(BIN)/pytest -s -q $(DRILLS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo  # dependencies point inward: pyproject.toml [tool.importlinter]
	$(TSC) -p display/tsconfig.json  # the pages' JavaScript, against its JSDoc types

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## every benchmark (under 10 min on 2 cores): a summary table and bench/RESULTS.md
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
