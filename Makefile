# injectkit — build, test and benchmark targets. `make help` lists them.
# Go from PATH, else from /usr/local/go, where the README's fresh Debian
# machine has it: Go's archive leaves PATH alone, and root's PATH there has no
# /usr/local/go/bin (.ci/run adds it). The recipes, the scripts they run
# (which call go and gofmt) and $(shell) below then find it all the same.
ifeq ($(shell command -v go),)
ifneq ($(wildcard /usr/local/go/bin/go),)
export PATH := /usr/local/go/bin:$(PATH)
GO       ?= /usr/local/go/bin/go
endif
endif
GO       ?= go
PKGS     ?= ./...
BIN      ?= bin/injectkit
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.goVersion=$(shell $(GO) env GOVERSION)
# Build tags of every injectkit binary (make build, release, demo and the
# bench targets; their scripts read TAGS too). urfave_cli_no_docs leaves out
# urfave/cli's man page and Markdown output (ToMan, ToMarkdown: unused) and
# the Markdown parser it links, whose package init every start ran.
TAGS     ?= urfave_cli_no_docs
export TAGS

.PHONY: help build testdeps test test-short test-integration bench bench-w1 bench-floor bench-serve bench-serve-memory bench-nmap fuzz release vet fmtcheck tidy golden demo check

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# Static (CGO_ENABLED=0), as make release builds: a cgo build is linked
# against libc, and every start then ran ld.so and libc's set-up (0.7 ms
# of `injectkit version`'s 9, BENCHMARKS.md) for nothing injectkit uses:
# Go's own resolver answers its host-name lookups either way (the test
# builds, -race, need cgo and keep it).
build: ## build bin/injectkit (static)
	CGO_ENABLED=0 $(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/injectkit

testdeps: ## what the tests need: as root, apt-get installs what is missing (gcc, nmap, rabbitmq-server…) and RabbitMQ is started
	@scripts/testdeps.sh

test: testdeps ## all tests, race detector on, shuffled
	$(GO) test -race -shuffle=on -count=1 -timeout 30m $(PKGS)

test-short: ## unit tests only (skips TestIntegration…)
	$(GO) test -race -shuffle=on -short $(PKGS)

test-integration: testdeps ## integration tests only (real nmap, RabbitMQ)
	$(GO) test -race -count=1 -run Integration $(PKGS)

bench: ## package benchmarks
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# vet also vets for Windows, which no test runs on: a unix-only call in a
# file without a unix build constraint (syscall.Mkfifo, Flock, Kill,
# Setpgid) fails there. Solaris and AIX have no flock(2) in syscall (bbolt
# takes fcntl locks there): vetted and built too. About 1 s with a warm build cache, 2 min cold.
vet: ## go vet, here and with GOOS=windows and solaris; go build for aix/ppc64
	$(GO) vet $(PKGS)
	GOOS=windows $(GO) vet $(PKGS)
	GOOS=solaris $(GO) vet $(PKGS)
	GOOS=aix GOARCH=ppc64 $(GO) build $(PKGS)

# gofmt's own failure (not found, a file it cannot parse) fails it too: a
# pipeline into grep would take grep's status and pass.
fmtcheck: ## fail if gofmt would change a file
	@out=$$(gofmt -l .) || exit 1; out=$$(printf '%s\n' "$$out" | grep -v '^vendor/'); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

tidy: ## fail if go mod tidy would change go.mod or go.sum (changes nothing; prints the diff)
	$(GO) mod tidy -diff

golden: ## rewrite the golden files of every package whose tests take -update
	@for p in $$(grep -rl 'flag.Bool("update"' --include='*_test.go' . | xargs -n1 dirname | sort -u); do \
	  echo "$(GO) test $$p -update"; $(GO) test $$p -update || exit 1; done

check: fmtcheck vet tidy test ## everything CI checks (.ci/run: fmtcheck vet test), and tidy

demo: ## the README's main job: scan a loopback listener with the real nmap, print the payload
	./scripts/demo.sh

N ?= 10000
RUNS ?= 5
PROFILE ?= callback
# bench-w1 and bench-floor refuse a PROFILE other than callback and openaev.
known_profile = @case '$(PROFILE)' in callback|openaev) ;; *) echo "$@: unknown PROFILE '$(PROFILE)': want callback or openaev" >&2; exit 2;; esac
bench-w1: ## W1 yardstick: make bench-w1 N=100000 (injectkit run noop → loopback sink with and without the outbox, then the floor; OUTBOX=on|none|both); PROFILE=openaev: through the openaev profile with assets, against the platform stand-in (OUTBOX=on|none)
	$(known_profile)
ifeq ($(PROFILE),openaev)
	scripts/bench-w1-openaev.sh $(N) $(RUNS)
else
	scripts/bench-w1.sh $(N) $(RUNS)
endif

bench-floor: ## the floor alone: encode W1's final bodies and POST them (make bench-floor N=…; PROFILE=openaev: the openaev floor)
	$(known_profile)
ifeq ($(PROFILE),openaev)
	MODE=floor scripts/bench-w1-openaev.sh $(N) $(RUNS)
else
	MODE=floor scripts/bench-w1.sh $(N) $(RUNS)
endif

# bench-serve's own defaults (N=2000, RUNS=1) unless given on the command line or in the environment.
WORKERS ?= 16
SERVE_N    = $(if $(filter command line environment,$(origin N)),$(N),2000)
SERVE_RUNS = $(if $(filter command line environment,$(origin RUNS)),$(RUNS),1)
bench-serve: ## daemon yardstick: injectkit serve on a RabbitMQ queue against the platform stand-in, injects/s with and without the outbox (make bench-serve N=2000 WORKERS=16 RUNS=3; SLOTS=N passes --delivery-slots N to the outbox runs, default 0; QUEUE_PREFIX=… begins the queue names, default injectkit_bench_serve_; PROFILE_DIR=… writes the daemon's cpu/allocs/block/mutex pprof files there)
	scripts/bench-serve.sh $(SERVE_N) $(WORKERS) $(SERVE_RUNS)

SIZES ?= 1 4 16
WORKER_COUNTS ?= 1 4 16
bench-serve-memory: ## serve's peak RSS with large injects: per worker count, as many injects as workers at once, each a message of SIZES MiB of assets (make bench-serve-memory SIZES="1 4 16" WORKER_COUNTS="1 4 16"; GOMEMLIMIT_SERVE=400MiB sets the daemons' GOMEMLIMIT; QUEUE_PREFIX=… as bench-serve)
	scripts/bench-serve-memory.sh "$(SIZES)" "$(WORKER_COUNTS)"

bench-nmap: ## nmap overhead: bare `nmap -oX -` vs `injectkit run nmap` on loopback (make bench-nmap RUNS=5)
	scripts/bench-nmap.sh $(RUNS)

FUZZTIME ?= 30s
fuzz: ## every fuzz target for FUZZTIME each (not in CI); check in any crasher under testdata/fuzz
	scripts/fuzz.sh $(FUZZTIME)

release: ## static binaries for linux/amd64, linux/arm64, darwin/arm64 in dist/, with SHA256SUMS (make release VERSION=v0.3.0)
	scripts/release.sh $(VERSION)
