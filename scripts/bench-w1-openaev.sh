#!/usr/bin/env bash
# W1 through the openaev profile: `injectkit run --openaev-message` on one
# noop inject whose message holds N assets (each with an agent and one
# address), against the strict OpenAEV platform stand-in
# (openaev/openaevtest/cmd/openaev-standin, the noop contract registered so
# its signatures are processed), with the outbox on; and the floor
# (bin/openaevfloor: encode the same bodies and POST them to the same
# stand-in). RUNS runs of each, alternating. The bodies: reception, the
# INFO trace, one INFO trace per asset-backed target, the "complete"
# callback and "data" callbacks, each at most 5 MiB (the profile's
# default).
#
# Each run gets a fresh stand-in (not timed); the stand-in processes each
# callback before answering (-ingest-every 0: the legacy ingestion, or a
# worker already run, so that the stats read right after a run count it),
# in both W1 and the floor. A run fails loudly unless the stand-in refused and dropped
# nothing and processed exactly one "complete". Before timing, the floor's
# bodies are compared with a dry run of the profile (300 targets, 8 KiB
# bodies, so data callbacks too): they must be equal but for the times
# and the run mark's digits.
# Prints wall time (median/min/max), POSTs, bytes, peak RSS (/usr/bin/time)
# for both, and W1/floor.
#
#   scripts/bench-w1-openaev.sh N [RUNS]     (make bench-w1 PROFILE=openaev N=100000 RUNS=3)
#   MODE=both|w1|floor (default both); OUTBOX=none runs W1 with --outbox none (default on).
#   (make bench-w1 PROFILE=openaev OUTBOX=none)
set -euo pipefail
source "$(dirname "$0")/benchlib.sh"
N=${1:?usage: bench-w1-openaev.sh N [RUNS]}
RUNS=${2:-5}
# N: at most 100 000 assets, whose message (15.4 MiB) injectkit reads (a
# message of more than 16 MiB is refused, as serve refuses it).
positive bench-w1-openaev N "$N" 100000
positive bench-w1-openaev RUNS "$RUNS" "$max_runs"
MODE=${MODE:-both}
OUTBOX=${OUTBOX:-on}
oneof bench-w1-openaev MODE "$MODE" both w1 floor
oneof bench-w1-openaev OUTBOX "$OUTBOX" on none
[ -z "${W1_OUTBOX:-}" ] || { echo "bench-w1-openaev: W1_OUTBOX is now OUTBOX (on or none): W1_OUTBOX=$W1_OUTBOX" >&2; exit 2; }
TOKEN=standin-token
INJECT=bench-openaev-001
cd "$(dirname "$0")/.."
require bench-w1-openaev /usr/bin/time time
require bench-w1-openaev curl curl

mkdir -p bin
go build -tags "${TAGS-urfave_cli_no_docs}" -o bin/injectkit ./cmd/injectkit
go build -o bin/openaev-standin ./openaev/openaevtest/cmd/openaev-standin
go build -o bin/openaevfloor ./internal/openaevfloor

work=$(mktemp -d)
standin_pid=
trap '[ -z "${standin_pid:-}" ] || kill "$standin_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
export CONTAINER_IP=172.17.0.2

# The floor's bodies are the profile's (times and the run mark's digits aside).
norm() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/TIME/g; s/"execution_duration":[0-9]+/"execution_duration":0/g; s/ \[run [0-9a-f]{8}\]/ [run xxxxxxxx]/'; }
bin/openaevfloor -n 300 -inject-id "$INJECT" -write-message "$work/verify.json"
bin/injectkit run --openaev-message "$work/verify.json" --max-payload-size 8192 --outbox none 2>"$work/verify.err" | norm > "$work/verify.w1" \
  || { cat "$work/verify.err" >&2; exit 1; }
bin/openaevfloor -n 300 -inject-id "$INJECT" -max-payload-size 8192 -dump | norm > "$work/verify.floor"
if ! cmp -s "$work/verify.w1" "$work/verify.floor"; then
  echo "bench-w1-openaev: the floor's bodies differ from the profile's (300 targets, 8 KiB):" >&2
  diff <(tr ',' '\n' < "$work/verify.w1") <(tr ',' '\n' < "$work/verify.floor") | head -20 >&2
  exit 1
fi

msg="$work/message.json"
bin/openaevfloor -n "$N" -inject-id "$INJECT" -write-message "$msg"

# standin: start a fresh stand-in; sets url and stats_url.
standin() {
  rm -f "$work/url" "$work/stats_url"
  bin/openaev-standin -token "$TOKEN" -register noop -inject "$INJECT" -ingest-every 0 \
    -url-file "$work/url" -stats-url-file "$work/stats_url" > "$work/standin.out" 2> "$work/standin.err" &
  standin_pid=$!
  for _ in $(seq 200); do [ -s "$work/url" ] && [ -s "$work/stats_url" ] && break; sleep 0.05; done
  [ -s "$work/url" ] || { cat "$work/standin.err" >&2; echo "bench-w1-openaev: stand-in did not start" >&2; exit 1; }
  url=$(cat "$work/url"); stats_url=$(cat "$work/stats_url")
}
stop_standin() { kill "$standin_pid"; wait "$standin_pid" || true; standin_pid=; }
field() { echo "$1" | sed -E "s/.*\"$2\":([0-9]+).*/\\1/"; }

# once LABEL CMD...: one timed run against a fresh stand-in whose URL
# replaces @URL@ in the arguments; appends "wall kb posts bytes" to
# $work/LABEL.runs. Its POSTs and bytes must be those of every run before
# it, of either label: the floor's "complete" carries a run mark of the
# profile's length, and its execution_duration (0) has as many digits as
# W1's while the injector runs under 9.5 s.
first= first_sent=
once() {
  local label=$1; shift
  standin
  local args=("${@//@URL@/$url}")
  # Wall time from bash's microsecond clock, peak RSS from /usr/bin/time
  # (see bench-w1.sh).
  local t0=${EPOCHREALTIME/./}
  /usr/bin/time -f "%M" -o "$work/time" "${args[@]}" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  local t1=${EPOCHREALTIME/./}
  local wall kb stats
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
  read -r kb < "$work/time"
  stats=$(curl -fsS "$stats_url/stats")
  stop_standin
  if [ "$(field "$stats" refused)" != 0 ] || [ "$(field "$stats" dropped)" != 0 ] || [ "$(field "$stats" completions)" != 1 ]; then
    echo "bench-w1-openaev: $label: the stand-in did not process exactly one complete without refusals or drops: $stats" >&2
    tail -5 "$work/stderr" >&2
    exit 1
  fi
  local posts bytes; posts=$(field "$stats" posts); bytes=$(field "$stats" bytes)
  if [ -z "$first" ]; then
    first_sent="$posts $bytes"
    first="$label's first run sent $posts POSTs of $bytes bytes"
  elif [ "$posts $bytes" != "$first_sent" ]; then
    echo "bench-w1-openaev: $label sent $posts POSTs of $bytes bytes, but $first: the runs do not measure the same work" \
      "(W1's execution_duration takes a digit more from 9.5 s on)" >&2
    exit 1
  fi
  echo "$wall $kb $posts $bytes" >> "$work/$label.runs"
}

# summary LABEL: one line of LABEL's runs; sets med.
summary() {
  local label=$1 runs="$work/$1.runs"
  local sorted; sorted=$(cut -d' ' -f1 "$runs" | sort -g)
  med=$(echo "$sorted" | median)
  local min; min=$(echo "$sorted" | least)
  local max; max=$(echo "$sorted" | most)
  local peak; peak=$(cut -d' ' -f2 "$runs" | sort -g | tail -1)
  local posts bytes; read -r _ _ posts bytes < <(tail -1 "$runs")
  printf '%-6s N=%-8s runs=%s wall median=%ss min=%ss max=%ss posts=%s bytes=%s peak_rss=%sMB per_target=%sus\n' \
    "$label" "$N" "$RUNS" "$med" "$min" "$max" "$posts" "$bytes" "$((peak / 1024))" \
    "$(awk -v m="$med" -v n="$N" 'BEGIN { printf "%.2f", m * 1e6 / n }')"
}

outbox="$work/outbox.db"
[ "$OUTBOX" = none ] && outbox=none

# W1 and the floor alternate, run by run, so that a machine whose load
# drifts weighs on both alike.
echo "# $(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/') outbox=$OUTBOX"
for _ in $(seq "$RUNS"); do
  # --max-targets: an inject may have 65 536 targets by default.
  [ "$MODE" = floor ] || once W1 bin/injectkit run --openaev-message "$msg" --backend-url @URL@ --token "$TOKEN" --outbox "$outbox" \
    --max-targets "$((N > 65536 ? N : 65536))"
  [ "$MODE" = w1 ] || once floor bin/openaevfloor -n "$N" -inject-id "$INJECT" -url @URL@ -token "$TOKEN"
done
w1_med= floor_med=
if [ "$MODE" != floor ]; then summary W1; w1_med=$med; fi
if [ "$MODE" != w1 ]; then summary floor; floor_med=$med; fi
if [ -n "$w1_med" ] && [ -n "$floor_med" ]; then
  awk -v w="$w1_med" -v f="$floor_med" -v n="$N" 'BEGIN { printf "ratio  N=%-8s W1/floor=%.2fx (medians)\n", n, (f > 0 ? w / f : 0) }'
fi
