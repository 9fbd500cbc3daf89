# ConsentHub. Every target installs what it needs first: CI and new machines start bare.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SYSTEM_PKGS := libssl-dev libprotobuf-c-dev libpq-dev pkg-config openssl
PROTO_PKGS := protobuf-c-compiler
# For check-proto-other-languages only: Debian's protoc (its Java and C#
# generators), the protobuf runtime for Java and a JDK to compile against it.
OTHER_LANGUAGE_PKGS := protobuf-compiler libprotobuf-java default-jdk-headless
# The tests and benchmarks start a throwaway PostgreSQL server of their own
# (initdb, pg_ctl; pgbench for make bench).
TEST_PKGS := postgresql
# make bench pins the server and the load generator to their own cores
# (taskset); make profile counts instructions and allocations (callgrind).
BENCH_PKGS := util-linux
PROFILE_PKGS := valgrind binutils
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
# make fuzz: seconds per target, targets at once (two on this 2-core machine).
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 2
# make test-fuzz-short: seconds per target (nine targets, two at a time).
FUZZ_SHORT_SECONDS ?= 5

DEMO_DIR ?= ./demo-data
TEST_BIN = $${CONSENTHUB_BIN:-$$($(SWIFT) build --show-bin-path)}

.PHONY: all deps deps-test deps-proto deps-web deps-browser build release test test-swift test-python test-portal test-demo-apps \
	test-browser test-failover test-fuzz-short fuzz fuzz-corpus test-sanitizers proto check-proto check-proto-other-languages run demo \
	screenshots bench bench-hot bench-postgres profile clean

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

# What a bank writing Java or .NET does with Proto/: generates code with the
# options the files set (java_package no.consenthub.v1, csharp_namespace
# ConsentHub.V1) and compiles the Java against the protobuf runtime. Not part
# of `make test` (it needs a JDK); run it after changing Proto/.
check-proto-other-languages:
	$(call apt_install,$(OTHER_LANGUAGE_PKGS))
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; mkdir -p "$$tmp/java" "$$tmp/cs" "$$tmp/classes"; \
	(cd Proto && protoc -I . --java_out="$$tmp/java" --csharp_out="$$tmp/cs" consent/v1/*.proto) && \
	test -f "$$tmp/java/no/consenthub/v1/Frame.java" && grep -q "namespace ConsentHub.V1" "$$tmp/cs/Rpc.cs" && \
	javac -nowarn -d "$$tmp/classes" -cp /usr/share/java/protobuf.jar $$(find "$$tmp/java" -name '*.java') && \
	echo "Proto/ generates Java (no.consenthub.v1, $$(find "$$tmp/java" -name '*.java' | wc -l) files, compiled) and C# (ConsentHub.V1)"

test: deps-test check-proto
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory test-portal
	$(MAKE) --no-print-directory test-demo-apps
	$(MAKE) --no-print-directory test-browser
	$(MAKE) --no-print-directory test-fuzz-short

# The libFuzzer targets of FuzzTesting/ (docs/FUZZING.md), built with
# AddressSanitizer into .build-fuzz (the normal build stays plain). The short
# run replays every fail case, then fuzzes each target a few seconds from its
# seed corpus with a fixed seed; `make fuzz` fuzzes each FUZZ_SECONDS (default
# 10 minutes), keeps crashing inputs in FuzzTesting/FailCases/<target>/ and
# prints executions, coverage and crashes per target.
test-fuzz-short: deps
	Tools/fuzz.sh short $(FUZZ_SHORT_SECONDS) $(FUZZ_JOBS)

fuzz: deps
	Tools/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_JOBS)

# The Swift test suite under AddressSanitizer (with LeakSanitizer), then under
# ThreadSanitizer, each in a scratch path of its own (.build-asan, .build-tsan).
# Not part of `make test`: docs/FUZZING.md says how long each takes.
test-sanitizers: deps-test
	Tools/sanitizers.sh address
	Tools/sanitizers.sh thread

# Writes the seed corpora (FuzzTesting/Corpus) again from a hub's real traffic.
fuzz-corpus: deps
	$(SWIFT) build --product consent-fuzz-corpus
	"$$($(SWIFT) build --show-bin-path)/consent-fuzz-corpus" FuzzTesting/Corpus

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
	$(call apt_install,$(BENCH_PKGS))
	Tools/bench.sh "$(RELEASE_BIN)"

# Only issue 13's table of the hot calls (BENCHMARKS.md, "The hot calls"):
# consentd pinned to core 0, consent-load on core 1, references in every
# round; rewrites its block of BENCHMARKS.md. make bench runs it too.
bench-hot: deps-test release
	$(call apt_install,$(BENCH_PKGS))
	$(PYTHON) Tools/bench_hot.py "$(RELEASE_BIN)" --threads 1 --write BENCHMARKS.md

# Instructions and allocations per hot call under callgrind; fails when a
# call allocates more than Benchmarks/allocation-limits.json allows.
profile: deps release
	$(call apt_install,$(PROFILE_PKGS))
	$(PYTHON) Tools/profile_hot.py "$(RELEASE_BIN)" --check

# Only the PostgreSQL block of make bench: ratios to the embedded log and to
# pgbench, failover time over 20 trials.
bench-postgres: deps-test release
	Tools/bench-postgres.sh "$(RELEASE_BIN)"

# The issue's long form of the failover tests: 20 kill -9 rounds (make test runs 3).
test-failover: deps-test
	$(SWIFT) build --build-tests
	CONSENTHUB_FAILOVER_ROUNDS=20 $(SWIFT) test --skip-build --filter FailoverTests

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan
