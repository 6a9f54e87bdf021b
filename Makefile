# Two commands: `make run` (default plan on the virtual rig) and `make test` (the harness's own tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench system-deps clean

run: $(STAMP) system-deps
	$(BIN)/miot run

# pytest exits 5 when it collected no tests: for us that is a failure, never a green run.
test: $(STAMP) system-deps lint
	@$(BIN)/python -m pytest -q; rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "miot: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check harness tests testplans benchmarks conftest.py
	$(BIN)/mypy

bench: $(STAMP) system-deps
	$(BIN)/python -m benchmarks

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "miot: Python >= 3.11 is needed (PYTHON=$(PYTHON) is older)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# tcpdump: scapy calls it to compile capture filters. Installed when missing and running as root;
# without root, capture is off anyway (it needs CAP_NET_RAW), so only a warning.
system-deps:
	@command -v tcpdump >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -q tcpdump >/dev/null 2>&1 || \
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q tcpdump >/dev/null 2>&1; } || \
			{ echo "miot: could not install tcpdump with apt-get; install it by hand" >&2; exit 1; }; \
		else \
			echo "miot: warning: tcpdump is missing (Debian: sudo apt-get install tcpdump); packet capture will be off" >&2; \
		fi; }

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
