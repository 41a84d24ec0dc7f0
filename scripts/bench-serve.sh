#!/usr/bin/env bash
# The daemon yardstick: `injectkit serve` (one process, WORKERS workers)
# running N noop injects from a real RabbitMQ queue against the strict
# OpenAEV stand-in (openaevtest), with its outbox on (a file in a temporary
# directory) and with --outbox none. Each inject makes three calls:
# reception, an INFO trace and the terminal "complete".
#
# The clock starts once the daemon consumes its (fresh, empty) queue, just
# before the first of the N messages is published (persistent, confirmed;
# the daemon consumes while they are published), and stops when the
# stand-in has processed the N-th "complete". Registration and start-up are
# not timed. A run fails loudly unless every inject was completed exactly
# once and the stand-in refused and dropped nothing. Prints injects/s and
# wall time per run, the median (and min/max) when RUNS > 1, the
# daemon's peak RSS and its CPU time (user and system, start-up included)
# shared over the N injects, cpu/inject, and its system part, sys/inject
# (the kernel's work for its system calls: fdatasync, writes, sleeps and
# wake-ups); then, shared over the N injects
# too, what the machine's load hardly moves (to compare two builds on a busy
# machine): syscw/inject (write-class system calls), wKiB/inject (KiB sent
# to the storage layer), faults/inject and ctxsw/inject (minor page faults,
# context switches).
#
#   scripts/bench-serve.sh N WORKERS [RUNS]   (make bench-serve N=2000 WORKERS=16 RUNS=3)
#   OUTBOX=on|none|both (default both) picks the settings.
#   PROFILE_DIR=DIR builds the daemon with -tags benchprofile and has each
#   run's daemon write cpu-, allocs-, block- and mutex-<pid>.pprof to DIR
#   (go tool pprof -top bin/injectkit DIR/cpu-<pid>.pprof); profiling slows
#   it, so figures taken with it are not comparable with those without.
#   SLOTS=N (default 0) passes --delivery-slots N to serve in the outbox
#   runs (serve refuses it with --outbox none): 0 to 1024.
#   QUEUE_PREFIX=… begins each run's queue name (default injectkit_bench_serve_;
#   12 hex digits follow).
# Needs RabbitMQ on 127.0.0.1:5672 (guest/guest), as the integration tests.
set -euo pipefail
source "$(dirname "$0")/benchlib.sh"
N=${1:?usage: bench-serve.sh N WORKERS [RUNS]}
WORKERS=${2:?usage: bench-serve.sh N WORKERS [RUNS]}
RUNS=${3:-1}
# N: at most 1 000 000 injects, queued at once; WORKERS: at most serve's
# own bound, 1024.
positive bench-serve N "$N" 1000000
positive bench-serve WORKERS "$WORKERS" 1024
positive bench-serve RUNS "$RUNS" "$max_runs"
OUTBOX=${OUTBOX:-both}
SLOTS=${SLOTS:-0}
# 0 (no delivery slots) or a positive count, at most serve's bound.
[ "$SLOTS" = 0 ] || positive bench-serve SLOTS "$SLOTS" 1024
QUEUE_PREFIX=${QUEUE_PREFIX:-injectkit_bench_serve_}
cd "$(dirname "$0")/.."

PROFILE_DIR=${PROFILE_DIR:-}
tags=${TAGS-urfave_cli_no_docs}
profile=()
if [ -n "$PROFILE_DIR" ]; then
    mkdir -p "$PROFILE_DIR"
    tags="$tags benchprofile"
    profile=(-profile-dir "$(cd "$PROFILE_DIR" && pwd)")
fi

mkdir -p bin
go build -tags "$tags" -o bin/injectkit ./cmd/injectkit
go build -o bin/benchserve ./internal/benchserve
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')"
bin/benchserve -bin bin/injectkit -n "$N" -workers "$WORKERS" -runs "$RUNS" -outbox "$OUTBOX" -delivery-slots "$SLOTS" -queue-prefix "$QUEUE_PREFIX" "${profile[@]}"
