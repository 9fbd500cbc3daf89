# ConsentHub. Every target installs what it needs first: CI and new machines start bare.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SYSTEM_PKGS := libssl-dev libprotobuf-c-dev libpq-dev pkg-config openssl
PROTO_PKGS := protobuf-c-compiler
# The tests and benchmarks start a throwaway PostgreSQL server of their own
# (initdb, pg_ctl; pgbench for make bench).
TEST_PKGS := postgresql
# Python packages for the generators and the Python client's tests. grpcio-tools
# is pinned: its protoc decides the _pb2 code that is committed.
GRPC_TOOLS := grpcio-tools==1.85.1
PY_PKGS := protobuf pytest joserfc setuptools
# The web apps under Clients/ (the portal, the demo bank and data source:
# Flask, Jinja2 comes with it) and their browser tests; tzdata gives them
# Europe/Oslo for the Norwegian times they write; chromium and its driver run
# the browser tests and the screenshots.
WEB_PY_PKGS := flask flask-wtf gunicorn joserfc selenium
WEB_SYSTEM_PKGS := tzdata
BROWSER_PKGS := chromium chromium-driver
# The web apps and the demo launcher, installed as a deployment would (their
# dependencies come from the lists above).
WEB_APPS := ./Clients/python ./Clients/portal ./Clients/demo-datasource ./Clients/demo-bank ./Clients/demo

LISTEN ?= 127.0.0.1:7443
DATA_DIR ?= ./data
CERT_DIR ?= ./dev-certs
RELEASE_BIN = $(shell $(SWIFT) build -c release --show-bin-path)

DEMO_DIR ?= ./demo-data
TEST_BIN = $${CONSENTHUB_BIN:-$$($(SWIFT) build --show-bin-path)}

.PHONY: all deps deps-test deps-proto deps-web deps-browser build release test test-swift test-python test-portal test-demo-apps \
	test-browser test-failover proto check-proto run demo screenshots bench bench-postgres clean

all: build

# Installs the Debian packages that are missing (apt-get update only when needed).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -q >/dev/null && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; }; \
	fi
endef

define pip_install
	@missing=""; for p in $(1); do $(PYTHON) -m pip show -q $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "pip installing:$$missing"; $(PYTHON) -m pip install -q $$missing; fi
endef

deps:
	$(call apt_install,$(SYSTEM_PKGS) $(PROTO_PKGS))
	$(call pip_install,$(PY_PKGS))

deps-test: deps
	$(call apt_install,$(TEST_PKGS))

deps-proto: deps
	@$(PYTHON) -c "import grpc_tools, importlib.metadata as m; assert m.version('grpcio-tools') == '$(GRPC_TOOLS)'.split('==')[1]" 2>/dev/null || \
	{ echo "pip installing $(GRPC_TOOLS)"; $(PYTHON) -m pip install -q "$(GRPC_TOOLS)"; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Regenerates the committed code from Proto/: protoc-c's C, then the Swift bridge.
proto: deps-proto
	rm -rf Sources/CConsentProto/consent
	cd Proto && protoc-c --c_out=../Sources/CConsentProto consent/v1/*.proto
	mkdir -p .build
	protoc-c -I Proto --include_source_info -o .build/consent.fds Proto/consent/v1/*.proto
	rm -f Sources/ConsentProto/Generated/*.pb.swift
	$(PYTHON) Tools/gen_swift_bridge.py .build/consent.fds Sources/ConsentProto/Generated Sources/CConsentProto
	rm -f Clients/python/src/consent/v1/*_pb2.py Clients/python/src/consent/v1/*_pb2.pyi
	cd Proto && $(PYTHON) -m grpc_tools.protoc -I . --python_out=../Clients/python/src --pyi_out=../Clients/python/src consent/v1/*.proto

# Fails when the committed generated code is not what `make proto` writes now.
check-proto: deps-proto
	Tools/check-generated.sh

test: deps-test check-proto
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory test-portal
	$(MAKE) --no-print-directory test-demo-apps
	$(MAKE) --no-print-directory test-browser

# The Python client, installed as a user would (`pip install ./Clients/python`;
# its dependencies come from `deps`), tested against a live consentd from the
# build above: the tests find the binaries through CONSENTHUB_BIN.
test-python: deps
	$(PYTHON) -m pip install -q --no-deps --no-build-isolation --root-user-action=ignore ./Clients/python
	CONSENTHUB_BIN="$$($(SWIFT) build --show-bin-path)" $(PYTHON) -m pytest -q -p no:cacheprovider Clients/python/tests

# The web apps and the demo launcher, and what they need.
deps-web: deps
	$(call apt_install,$(WEB_SYSTEM_PKGS))
	$(call pip_install,$(WEB_PY_PKGS))
	$(PYTHON) -m pip install -q --no-deps --no-build-isolation --root-user-action=ignore $(WEB_APPS)

deps-browser: deps-web
	$(call apt_install,$(BROWSER_PKGS))

# The citizen's portal (Clients/portal), tested with Flask's test client and
# under gunicorn against a live consentd from the build above (or from
# $CONSENTHUB_BIN when set).
test-portal: deps-web
	CONSENTHUB_BIN="$(TEST_BIN)" $(PYTHON) -m pytest -q -p no:cacheprovider Clients/portal/tests

# The demo bank and data source, each tested with Flask's test client and
# under gunicorn against a live consentd.
test-demo-apps: deps-web
	bin="$(TEST_BIN)"; \
	CONSENTHUB_BIN="$$bin" $(PYTHON) -m pytest -q -p no:cacheprovider Clients/demo-datasource/tests && \
	CONSENTHUB_BIN="$$bin" $(PYTHON) -m pytest -q -p no:cacheprovider Clients/demo-bank/tests

# The whole story in headless Chromium: consentd, the portal, the bank and the
# data source started on free ports, clicked through (Clients/demo/tests). A
# failing test leaves a screenshot, the page and the logs (it says where).
test-browser: deps-browser
	CONSENTHUB_BIN="$(TEST_BIN)" $(PYTHON) -m pytest -q -p no:cacheprovider Clients/demo/tests

run: release
	Tools/run-dev.sh "$(RELEASE_BIN)" "$(LISTEN)" "$(DATA_DIR)" "$(CERT_DIR)"

# The clickable story: consentd, the portal, the bank and the data source over
# HTTPS with the development CA (certificates, data and logs in $(DEMO_DIR));
# prints one URL each; Ctrl-C stops all four.
demo: release deps-web
	$(PYTHON) -m consent_demo --bin "$(RELEASE_BIN)" --dir "$(DEMO_DIR)"

# Regenerates the README's screenshots (docs/screenshots/*.png) from a fresh stack.
screenshots: build deps-browser
	$(PYTHON) -m consent_demo.screenshots --bin "$$($(SWIFT) build --show-bin-path)" --out docs/screenshots

bench: deps-test release
	Tools/bench.sh "$(RELEASE_BIN)"

# Only the PostgreSQL block of make bench: ratios to the embedded log and to
# pgbench, failover time over 20 trials.
bench-postgres: deps-test release
	Tools/bench-postgres.sh "$(RELEASE_BIN)"

# The issue's long form of the failover tests: 20 kill -9 rounds (make test runs 3).
test-failover: deps-test
	$(SWIFT) build --build-tests
	CONSENTHUB_FAILOVER_ROUNDS=20 $(SWIFT) test --skip-build --filter FailoverTests

clean:
	rm -rf .build
