#!/usr/bin/env bash
# serve's memory with large injects: for each message size (MiB) and
# worker count, one `injectkit serve` (its outbox on) takes as many injects
# as it has workers, published at once, each a noop inject whose message
# weighs the size, its targets assets shaped as the 2.4.0 platform sends
# them (benchserve -message-size), against the OpenAEV stand-in; prints the
# daemon's peak RSS. The base row (size 0) is the same daemon running one
# noop inject per worker with one manual target. k is (peak - base) /
# (workers × size): the peak per in-flight message, as a multiple of its
# size.
#
#   scripts/bench-serve-memory.sh "SIZES_MIB" "WORKERS"
#   (make bench-serve-memory SIZES="1 4 16" WORKER_COUNTS="1 4 16")
#   QUEUE_PREFIX=… begins each run's queue name (default injectkit_bench_serve_).
#   GOMEMLIMIT_SERVE=400MiB runs each daemon with that GOMEMLIMIT (the
#   harness keeps its own environment's).
# Needs RabbitMQ on 127.0.0.1:5672 (guest/guest), as bench-serve.
set -euo pipefail
source "$(dirname "$0")/benchlib.sh"
SIZES=${1:?usage: bench-serve-memory.sh "SIZES_MIB" "WORKERS"}
COUNTS=${2:?usage: bench-serve-memory.sh "SIZES_MIB" "WORKERS"}
# serve's default --max-message-size is 16 MiB; 1024 is serve's bound on --workers.
for s in $SIZES; do positive bench-serve-memory SIZES "$s" 16; done
for w in $COUNTS; do positive bench-serve-memory WORKERS "$w" 1024; done
QUEUE_PREFIX=${QUEUE_PREFIX:-injectkit_bench_serve_}
cd "$(dirname "$0")/.."

mkdir -p bin
go build -tags "${TAGS-urfave_cli_no_docs}" -o bin/injectkit ./cmd/injectkit
go build -o bin/benchserve ./internal/benchserve
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/')"
# peak W BYTES: the peak RSS (MB) of one run of W injects of BYTES each.
peak() {
    bin/benchserve -bin bin/injectkit -n "$1" -workers "$1" -runs 1 -outbox on -message-size "$2" \
        -queue-prefix "$QUEUE_PREFIX" -gomemlimit "${GOMEMLIMIT_SERVE:-}" | sed -n 's/.*peak_rss=\([0-9]*\)MB.*/\1/p'
}
printf '%-9s %-8s %-13s %s\n' size_MiB workers peak_rss_MiB k
for w in $COUNTS; do
    base=$(peak "$w" 0)
    printf '%-9s %-8s %-13s %s\n' 0 "$w" "$base" -
    for s in $SIZES; do
        p=$(peak "$w" $((s << 20)))
        printf '%-9s %-8s %-13s %s\n' "$s" "$w" "$p" "$(awk -v p="$p" -v b="$base" -v w="$w" -v s="$s" 'BEGIN { printf "%.1f", (p - b) / (w * s) }')"
    done
done
