# The 1900 1075 hotline. `make run` for a working system, `make test` for everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SANDBOX := ivr/asterisk/sandbox.sh
BIN := bin/hotline
# The sandbox Asterisk's ARI user (ivr/asterisk/etc/ari.conf); set these to use another Asterisk.
export ARI_USERNAME ?= hotline
export ARI_PASSWORD ?= hotline
export HOTLINE_DB ?= ./data/hotline.db
export HOTLINE_ADDR ?= 127.0.0.1:8080

# Go: the version go.mod names. Any Go from 1.21 on fetches that version from the module
# proxy by itself (GOTOOLCHAIN=auto, which Debian's own packages turn off); with no Go at
# all, Debian 12's backported golang is installed first (as root).
export PATH := $(PATH):/usr/local/go/bin
export GOTOOLCHAIN := auto

# Debian packages the build (cgo, for SQLite), and the sandbox and the tests, need.
BUILD_PACKAGES := gcc libc6-dev
APT_PACKAGES := $(BUILD_PACKAGES) curl procps debootstrap sip-tester chromium poppler-utils sqlite3 espeak-ng sox ffmpeg

.PHONY: help
help:
	@echo "make run      start the Asterisk sandbox (unless ARI_URL is set), migrate, serve on $(HOTLINE_ADDR)"
	@echo "make test     install what tests need, then run every test, real calls and browser included"
	@echo "make testcall [KEYS=...]   place a test call into a running hotline"
	@echo "make sandbox / sandbox-stop   start or stop the Asterisk 22 sandbox"
	@echo "make bench    seed data/bench-v2.db (1,000,000 tickets) once and print the figures"
	@echo "make load     concurrent scripted calls through Asterisk: reaction times, CPU, memory"
	@echo "make load-followups   a day of automated follow-up calls (500 cases) through Asterisk"
	@echo "make generate regenerate templ code; make sounds regenerates prompts (needs espeak-ng, sox)"
	@echo "make screenshots  refresh the console's screenshots in web/screenshots"
	@echo "make vendor  check the committed htmx and axe-core files against the npm registry"

.PHONY: go
go:
	@if ! command -v go >/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
			echo "Go is missing: install Go 1.21 or later (it fetches the Go that go.mod names by itself), or run make as root on Debian 12."; exit 1; \
		fi; \
		echo "installing Go from Debian's bookworm-backports"; \
		grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/ || \
			echo "deb http://deb.debian.org/debian bookworm-backports main" >/etc/apt/sources.list.d/bookworm-backports.list; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports golang-go ca-certificates >/dev/null; \
	fi
	@go version

# apt-install installs the Debian packages named in PACKAGES that are missing.
define apt-install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: deps deps-build
deps-build: go
	$(call apt-install,$(BUILD_PACKAGES))
deps: deps-build
	$(call apt-install,$(APT_PACKAGES))

.PHONY: build
build: deps-build
	go build -o $(BIN) ./cmd/hotline

.PHONY: generate
generate: go
	go tool templ generate

# Fails when the committed templ output differs from what the templates generate.
.PHONY: check-generated
check-generated: go
	@go tool templ generate >/dev/null 2>&1
	@if ! git diff --quiet -- '*_templ.go' || [ -n "$$(git ls-files --others --exclude-standard -- '*_templ.go')" ]; then \
		echo "generated templ code is stale: run 'make generate' and commit the result"; git status --short -- '*_templ.go'; exit 1; \
	fi
	@echo "generated templ code is current"

.PHONY: vet
vet: go
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...

.PHONY: sounds
sounds:
	sounds/generate.sh

.PHONY: sandbox sandbox-stop
sandbox: deps
	$(SANDBOX) start
sandbox-stop:
	$(SANDBOX) stop

# Unit tests, then real calls through the sandbox Asterisk and a real headless Chromium.
# The sandbox is stopped afterwards whatever the result. HOTLINE_SKIP_INTEGRATION=1 skips
# the tests that need Asterisk, loudly.
.PHONY: test
test: deps check-generated vet
	@if [ "$$HOTLINE_SKIP_INTEGRATION" = 1 ]; then \
		echo "!!! HOTLINE_SKIP_INTEGRATION=1: tests that need Asterisk will be SKIPPED !!!"; \
		go test -count=1 ./...; \
	else \
		$(SANDBOX) start || exit 1; \
		go test -count=1 -p 1 -timeout 30m -v ./...; rc=$$?; \
		$(SANDBOX) stop; \
		exit $$rc; \
	fi

# Serves until Ctrl-C; a sandbox started here is stopped on the way out.
.PHONY: run
run: deps build
	@set -e; started=""; \
	if [ -z "$$ARI_URL" ]; then $(SANDBOX) start; started=1; fi; \
	trap '[ -n "$$started" ] && $(SANDBOX) stop' EXIT; \
	$(BIN) migrate; \
	echo; \
	echo "The hotline answers 19001075. In another terminal, place a test call:"; \
	echo "    make testcall               (2, five yes/no answers, an area, 1 for this number: a symptom report)"; \
	echo "    make testcall KEYS=9,3,1,1  (English: a community report for Phường Phú Xuân); KEYS=1 for the rules"; \
	echo "then look at the tickets and calls at http://$(HOTLINE_ADDR)/"; \
	echo "A SIP phone or sipp can call sip:19001075@127.0.0.1:5060 too. Ctrl-C stops everything."; \
	echo; \
	$(BIN) serve

# Store figures at outbreak size: seeds data/bench-v2.db once (1,000,000 tickets, 2,000,000
# calls; a few minutes), then prints each benchmark's mean, median and 99th percentile.
# v2: the seed has a surge of 20,000-call days and the queue's log, for the reports.
BENCH_DB ?= data/bench-v2.db
BENCH_TIME ?= 300x
.PHONY: bench
bench: build
	@if [ ! -f $(BENCH_DB) ]; then $(BIN) seed --db $(BENCH_DB) --tickets 1000000; fi
	HOTLINE_BENCH_DB=$(abspath $(BENCH_DB)) go test -run '^$$' -bench . -benchtime $(BENCH_TIME) ./tickets/ ./web/

# Call-load figures through the real Asterisk: a hotline on a scratch database, then steps
# of concurrent scripted callers, each printing completed and failed calls, reaction time
# p50/p99, the CPU of the hotline beside Asterisk's, and the hotline's peak memory, with
# LOAD_SSE console pages (a supervisor's strips and wallboards) following the live events.
LOAD_CALLS ?= 25,50,100,150
LOAD_DURATION ?= 40s
LOAD_SSE ?= 20
.PHONY: load
load: deps build
	@set -e; started=""; \
	if [ -z "$$ARI_URL" ]; then $(SANDBOX) start; started=1; fi; \
	db=$$(mktemp -d)/load.db; pw=$$(head -c 18 /dev/urandom | base64); \
	echo "$$pw" | $(BIN) users add loadadmin --role admin --db $$db >/dev/null; \
	echo "$$pw" | $(BIN) users add loadsup --role supervisor --db $$db >/dev/null; \
	HOTLINE_DB=$$db HOTLINE_ADDR=127.0.0.1:8099 HOTLINE_LIVE_PER_USER=500 $(BIN) serve >/dev/null 2>$$db.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; [ -n "$$started" ] && $(SANDBOX) stop' EXIT; \
	sleep 2; \
	$(BIN) load --hotline-pid $$pid --hotline-addr 127.0.0.1:8099 --admin "loadadmin:$$pw" --calls $(LOAD_CALLS) --duration $(LOAD_DURATION) \
		--sse $(LOAD_SSE) --viewer "loadsup:$$pw"

# A day of automated follow-up calls through the real Asterisk: LOAD_FOLLOWUP_CASES cases
# due, a sipp far end answering them all, the hotline dialling LOAD_FOLLOWUP_CONCURRENT at
# once; prints the calls completed, the most Asterisk had up at once, and the CPU.
LOAD_FOLLOWUP_CASES ?= 500
LOAD_FOLLOWUP_CONCURRENT ?= 40
.PHONY: load-followups
load-followups: deps build
	@set -e; started=""; \
	if [ -z "$$ARI_URL" ]; then $(SANDBOX) start; started=1; fi; \
	trap '[ -n "$$started" ] && $(SANDBOX) stop' EXIT; \
	$(BIN) load-followups --cases $(LOAD_FOLLOWUP_CASES) --concurrent $(LOAD_FOLLOWUP_CONCURRENT)

# The console's screenshots in the README (web/screenshots), taken by its browser tests.
.PHONY: screenshots
screenshots: deps
	HOTLINE_SCREENSHOTS=$(abspath web/screenshots) go test -count=1 -run 'TestAgentWorksATicket|TestOfficerWorksTheBoard|TestDailyReportPage|TestReportPDF|TestWallboardForTheRoom|TestAnnouncementsInTheBrowser|TestAgentFindsTheGuideFromTheScreenPop|TestRetentionPageInBrowser' ./web/
	@set -e; started=""; \
	if [ -z "$$ARI_URL" ]; then $(SANDBOX) start; started=1; fi; \
	trap '[ -n "$$started" ] && $(SANDBOX) stop' EXIT; \
	HOTLINE_SCREENSHOTS=$(abspath web/screenshots) go test -count=1 -p 1 -run 'TestScreenPop|TestCallbackKeepsItsPlace' ./cmd/hotline/

# Third-party browser files, fetched again from the npm registry at their pinned versions
# and compared with the committed copies (web/static/VENDORED.md, and the tests' axe-core:
# web/testdata/VENDORED.md).
HTMX_VERSION := 2.0.11
HTMX_SSE_VERSION := 2.2.4
AXE_VERSION := 4.14.1
.PHONY: vendor
vendor:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; cd $$tmp; \
	npm pack --silent htmx.org@$(HTMX_VERSION) htmx-ext-sse@$(HTMX_SSE_VERSION) axe-core@$(AXE_VERSION) >/dev/null; \
	mkdir a b c; tar xzf htmx.org-$(HTMX_VERSION).tgz -C a; tar xzf htmx-ext-sse-$(HTMX_SSE_VERSION).tgz -C b; \
	tar xzf axe-core-$(AXE_VERSION).tgz -C c; \
	cmp a/package/dist/htmx.min.js $(CURDIR)/web/static/htmx.min.js; \
	cmp b/package/dist/sse.min.js $(CURDIR)/web/static/htmx-ext-sse.min.js; \
	cmp c/package/axe.min.js $(CURDIR)/web/testdata/axe.min.js; \
	echo "web/static matches htmx.org@$(HTMX_VERSION) and htmx-ext-sse@$(HTMX_SSE_VERSION); web/testdata matches axe-core@$(AXE_VERSION)"

KEYS ?= 2,1,2,2,2,2,1,1,1
FROM ?= 0905123456
.PHONY: testcall
testcall: build
	$(BIN) testcall --keys $(KEYS) --from $(FROM)
