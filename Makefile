# EnrollDesk — the two commands a fresh Debian machine needs are `make run` and
# `make test`; every target installs what it needs first (scripts/deps.sh).
SHELL := /bin/bash
GO ?= go
BIN := bin/enrolldesk
TOOLS := $(CURDIR)/bin/tools
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X enrolldesk/app.Version=$(VERSION)
GOFLAGS_ALL := -ldflags '$(LDFLAGS)'
BENCH_OUT ?= docs/bench-latest.txt
export CGO_ENABLED := 1
export LANG ?= zh_CN.UTF-8

.PHONY: all build run run-staff test bench lint deps deps-test deps-run demo screenshots clean check-go package deps-package

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "Go 1.26 is needed: see README.md"; exit 1; }

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

deps-run:
	@scripts/deps.sh run

deps-package:
	@scripts/deps.sh package

$(BIN): check-go deps FORCE
	$(GO) build $(GOFLAGS_ALL) -o $(BIN) .

FORCE:

build: $(BIN)

## run: the kiosk on the embedded demo city
run: deps-run build
	./$(BIN) kiosk

## run-staff: the staff desktop window on an in-process demo engine (demo accounts on the sign-in screen)
run-staff: deps-run build
	./$(BIN) staff

## test: every test, including fuzz seed corpora; headless
test: check-go deps-test
	$(GO) test $(GOFLAGS_ALL) -count=1 -timeout 30m ./...

## bench: the benchmarks of docs/BENCHMARKS.md (builds a 1,000,000-resident city once)
bench: check-go deps-test
	$(GO) test $(GOFLAGS_ALL) -run '^$$' -bench . -benchmem -timeout 60m ./... | tee $(BENCH_OUT)

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

## lint: go vet, staticcheck, gofmt
lint: check-go deps $(TOOLS)/staticcheck
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' ; git ls-files -o --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## screenshots: every kiosk screen (zh/en, normal/large), real-window shots at five panel sizes
## (real-<w>x<h>-<screen>.png, under Xvfb), every staff desk screen at 1366x768 and 1920x1080
## (staff-*.png in the test canvas, real-staff-*.png under Xvfb) and a sample receipt into docs/screens
screenshots: check-go deps-test
	rm -rf docs/screens && mkdir -p docs/screens
	ENROLLDESK_SCREENS=$(CURDIR)/docs/screens $(GO) test $(GOFLAGS_ALL) -count=1 -run '^TestScreenshots$$' ./ui/kiosk/
	ENROLLDESK_SCREENS=$(CURDIR)/docs/screens $(GO) test $(GOFLAGS_ALL) -count=1 -timeout 30m -run '^TestRealWindowScreenshots$$' ./ui/kiosk/
	ENROLLDESK_SCREENS=$(CURDIR)/docs/screens $(GO) test $(GOFLAGS_ALL) -count=1 -run '^TestKioskConsistentFamilyEndToEnd$$' ./app/
	ENROLLDESK_SCREENS=$(CURDIR)/docs/screens $(GO) test $(GOFLAGS_ALL) -count=1 -run '^TestStaffScreenshots$$' ./app/
	ENROLLDESK_SCREENS=$(CURDIR)/docs/screens $(GO) test $(GOFLAGS_ALL) -count=1 -timeout 30m -run '^TestStaffRealWindowScreenshots$$' ./app/
	pdftoppm -r 150 -png -singlefile docs/screens/receipt.pdf docs/screens/receipt
	@ls docs/screens | wc -l | xargs echo "screens written:"

## package: dist/enrolldesk.tar.xz (Linux, fyne package) and dist/enrolldesk.exe (Windows amd64), each checked to run
package: deps-package build
	GO=$(GO) scripts/package.sh $(BIN) $(VERSION)

clean:
	rm -rf bin dist
