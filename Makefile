# Two commands: `make run` (default plan on the virtual rig) and `make test` (the harness's own tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test scenarios reliability lint fuzz bench system-deps test-deps bench-deps install-tools clean

run: $(STAMP) system-deps
	$(BIN)/miot run

# pytest exits 5 when it collected no tests: for us that is a failure, never a green run.
# Four xdist workers, a test file per worker: most tests wait on virtual-module timers, not the CPU, so
# four overlap well even on two cores; a file's module-scoped fixtures (the smoke run) stay on one worker.
TEST_WORKERS ?= 4
test: $(STAMP) test-deps lint
	@$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile; rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "miot: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# The figures of docs/reliability.md (issue 9): the whole fault matrix (every virtual-module fault against
# every procedure the default virtual modules run, modules side by side) and 50 SIGKILLs of a run; `make
# test` runs a short part of each. The tables go to results/reliability/ (MIOT_RELIABILITY_DIR).
reliability: $(STAMP) test-deps
	MIOT_RELIABILITY=full $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability

# Every scenario plan of testplans/scenarios/ run as a user runs it, each checked to pass within the time its
# header states (issue 12; about 12 minutes in all), and the shipped cold and warm attach cases; `make test`
# runs the shortest scenario.
scenarios: $(STAMP) test-deps
	MIOT_SCENARIOS=all $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_scenario_plans.py \
		tests/test_shipped_cold_warm_attach.py

lint: $(STAMP)
	$(BIN)/ruff check harness tests testplans benchmarks fuzz conftest.py
	$(BIN)/mypy

# The AT reader's fuzz target for a fixed budget (issue 9 item 3): new inputs and crashes land in
# fuzz/corpus/ (commit them); `make test` only replays the corpus and runs 200 inputs.
FUZZ_BUDGET_S ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m fuzz.run_at_reader --budget-s $(FUZZ_BUDGET_S)

# Every benchmark, then the one table of their figures; writes docs/performance.md (issue 10). One bench:
# `$(BIN)/python -m benchmarks --only udp_rtt --no-write`.
bench: $(STAMP) bench-deps
	$(BIN)/python -m benchmarks

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "miot: Python >= 3.11 is needed (PYTHON=$(PYTHON) is older)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# System packages: tcpdump (it writes every capture; scapy also asks it to compile filters), iperf3
# (throughput through the virtual data interface) and a CJK font (the report's Chinese labels, `--lang zh`;
# checked with fc-list, not a command); `make test` also opens the HTML reports in headless Chromium
# (selenium drives it through chromedriver); `make bench` also compares pcap analysis with tshark and UDP
# round trips with irtt and ping.
# Installed when missing and running as root; without root, capture and network namespaces are off anyway
# (they need CAP_NET_RAW / CAP_NET_ADMIN), so only a warning. A tool is `command` or `command=package` when
# Debian's package has another name.
# The harness's own tests also serve a virtual module over RFC 2217 with ser2net, as a lab's rig host does.
SYSTEM_TOOLS := tcpdump iperf3
CJK_FONT_PACKAGE := fonts-noto-cjk
TEST_TOOLS := ser2net chromium chromedriver=chromium-driver
BENCH_TOOLS := tshark irtt ping=iputils-ping

system-deps:
	@$(MAKE) -s --no-print-directory install-tools TOOLS="$(SYSTEM_TOOLS)" FONT_PACKAGE="$(CJK_FONT_PACKAGE)"

test-deps:
	@$(MAKE) -s --no-print-directory install-tools TOOLS="$(SYSTEM_TOOLS) $(TEST_TOOLS)" FONT_PACKAGE="$(CJK_FONT_PACKAGE)"

bench-deps:
	@$(MAKE) -s --no-print-directory install-tools TOOLS="$(SYSTEM_TOOLS) $(BENCH_TOOLS)"

install-tools:
	@missing=""; for tool in $(TOOLS); do command=$${tool%%=*}; \
		command -v $$command >/dev/null 2>&1 || [ -x /usr/sbin/$$command ] || missing="$$missing $${tool#*=}"; done; \
	if [ -n "$(FONT_PACKAGE)" ] && [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		missing="$$missing $(FONT_PACKAGE)"; fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y -q $$missing >/dev/null 2>&1 || \
			{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $$missing >/dev/null 2>&1; } || \
			{ echo "miot: could not install$$missing with apt-get; install it by hand" >&2; exit 1; }; \
		else \
			echo "miot: warning: missing$$missing (Debian: sudo apt-get install$$missing); the capture, data-interface, Chinese-label, browser and comparison steps that need it are skipped" >&2; \
		fi; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
