#!/usr/bin/env bash
# W1, the pipeline yardstick: `injectkit run noop` over N IPv4 targets, posting
# to a loopback sink, and the floor (bin/benchfloor: encode the same final
# bodies and POST them to the same sink), RUNS times each, taking turns.
# Prints wall time (median/min/max), POSTs, bytes and peak RSS of each, then
# the ratios of the medians: W1/floor, W1-none/floor (OUTBOX=both or none)
# and the outbox's share of W1, (W1 - W1-none) / W1 (OUTBOX=both, the
# default). Each label's line ends with what the other jobs of a shared
# machine hardly move, medians of its runs: cpu= (user + system seconds),
# wMB= (MB the process wrote to the file system: the outbox's pages and the
# files beside it) and minflt= (minor page faults), from /usr/bin/time; the
# last line with the outbox's share of W1's CPU, outbox_cpu_share=, too.
#
#   scripts/bench-w1.sh N [RUNS]        (make bench-w1 N=100000)
#   BIN_DIR=DIR scripts/bench-w1.sh N   (builds its binaries in DIR, not bin/)
set -euo pipefail
source "$(dirname "$0")/benchlib.sh"
N=${1:?usage: bench-w1.sh N [RUNS]}
RUNS=${2:-5}
# N: at most 10 000 000 targets (of the 2^24 distinct 10.x.y.z the targets
# file numbers; some 150 MB of it).
positive bench-w1 N "$N" 10000000
positive bench-w1 RUNS "$RUNS" "$max_runs"
MODE=${MODE:-both}   # both | w1 | floor
OUTBOX=${OUTBOX:-both} # on | none | both: W1 with the durable outbox, without it (W1-none), or both
oneof bench-w1 MODE "$MODE" both w1 floor
oneof bench-w1 OUTBOX "$OUTBOX" on none both
cd "$(dirname "$0")/.."
require bench-w1 /usr/bin/time time
require bench-w1 curl curl

# BIN_DIR: where the binaries are built (bin/, as make build's, unless
# given; relative to the checkout). The tests give one of their own: they
# build with GOFLAGS=-race, and a race build left in bin/ is what a user's
# bin/injectkit then runs, several times slower.
BIN_DIR=${BIN_DIR:-bin}
mkdir -p "$BIN_DIR"
go build -tags "${TAGS-urfave_cli_no_docs}" -o "$BIN_DIR/injectkit" ./cmd/injectkit
go build -o "$BIN_DIR/benchsink" ./internal/benchsink
go build -o "$BIN_DIR/benchfloor" ./internal/benchfloor
raced bench-w1 "$BIN_DIR/injectkit" "$BIN_DIR/benchsink" "$BIN_DIR/benchfloor"

sink_pid= awk_pid=
work=$(mktemp -d)
trap '[ -z "${awk_pid:-}" ] || { kill "$awk_pid" 2>/dev/null; wait "$awk_pid"; } || true
  [ -z "${sink_pid:-}" ] || kill "$sink_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
targets="$work/targets.txt"
# awk runs in the background, waited for, so that the EXIT trap of a script
# stopped by a signal (SIGTERM from make or timeout) ends it: in the
# foreground it outlived the script, writing into the removed work
# directory's file until it was done. The trap waits for it to end.
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "10.%d.%d.%d\n", int(i/65536)%256, int(i/256)%256, i%256 }' > "$targets" &
awk_pid=$!
wait "$awk_pid"
awk_pid=

"$BIN_DIR/benchsink" -addr 127.0.0.1:0 -addr-file "$work/addr" > "$work/sink.out" &
sink_pid=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
url="http://$(cat "$work/addr")"

# once LABEL CMD...: one timed run, its wall time and peak RSS kept under
# LABEL, and the sink's counts of this run, which must be those of every
# run before it, of any label: W1, W1-none and the floor send the same
# bodies, or the ratios compare different work.
declare -A walls rss posts bytes cpus wmbs faults
labels=()
first=
once() {
  local label=$1; shift
  [ -n "${walls[$label]+set}" ] || labels+=("$label")
  curl -fsS -X POST "$url/reset" >/dev/null
  # Wall time from bash's microsecond clock (/usr/bin/time's %e has a
  # resolution of 10 ms, a third of the floor at 10k); peak RSS from
  # /usr/bin/time.
  local t0=${EPOCHREALTIME/./}
  /usr/bin/time -f "%M %U %S %O %R" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  local t1=${EPOCHREALTIME/./}
  walls[$label]+=" $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')"
  local kb user sys out minflt; read -r kb user sys out minflt < "$work/time"
  rss[$label]+=" $kb"
  cpus[$label]+=" $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
  wmbs[$label]+=" $(awk -v o="$out" 'BEGIN { printf "%.1f", o * 512 / 1e6 }')" # %O counts 512-byte blocks
  faults[$label]+=" $minflt"
  local stats; stats=$(curl -fsS "$url/stats")
  posts[$label]=$(echo "$stats" | sed -E 's/.*"posts":([0-9]+).*/\1/')
  bytes[$label]=$(echo "$stats" | sed -E 's/.*"bytes":([0-9]+).*/\1/')
  local this="${posts[$label]} POSTs of ${bytes[$label]} bytes"
  if [ -z "$first" ]; then
    first="$label's first run sent $this"
  elif [ "$this" != "${first#* sent }" ]; then
    echo "bench-w1: $label sent $this, but $first: the runs do not measure the same work" >&2
    exit 1
  fi
}

# summary LABEL: the summary line of LABEL's runs; sets medians[LABEL].
declare -A medians cpu_medians
summary() {
  local label=$1
  local sorted; sorted=$(printf '%s\n' ${walls[$label]} | sort -g)
  local med; med=$(echo "$sorted" | median)
  local min; min=$(echo "$sorted" | least)
  local max; max=$(echo "$sorted" | most)
  local peak; peak=$(printf '%s\n' ${rss[$label]} | sort -g | tail -1)
  medians[$label]=$med
  cpu_medians[$label]=$(printf '%s\n' ${cpus[$label]} | median)
  printf '%-6s N=%-8s runs=%s wall median=%ss min=%ss max=%ss posts=%s bytes=%s peak_rss=%sMB per_target=%sus cpu=%ss wMB=%s minflt=%s\n' \
    "$label" "$N" "$RUNS" "$med" "$min" "$max" "${posts[$label]}" "${bytes[$label]}" "$((peak / 1024))" \
    "$(awk -v m="$med" -v n="$N" 'BEGIN { printf "%.2f", m * 1e6 / n }')" \
    "${cpu_medians[$label]}" "$(printf '%s\n' ${wmbs[$label]} | median)" "$(printf '%s\n' ${faults[$label]} | median)"
}

w1() { # w1 LABEL OUTBOX_PATH
  once "$1" env CONTAINER_IP=172.17.0.2 INJECTKIT_OUTBOX="$2" "$BIN_DIR/injectkit" run noop --targets-file "$targets" \
    --expectation DETECTION --expectation PREVENTION --inject-id inject-bench-001 \
    --backend-url "$url" --max-payload-size 1048576
}
# W1, W1-none and the floor take turns, run by run, so that a machine whose
# speed drifts during the invocation (a shared VM's does) weighs on each of
# them alike and the ratios compare runs made moments apart.
for r in $(seq "$RUNS"); do
  if [ "$MODE" != floor ]; then
    # The outbox (every body stored before its POST) goes to the work
    # directory, not the user's state directory.
    [ "$OUTBOX" = none ] || w1 W1 "$work/outbox.db"
    [ "$OUTBOX" = on ] || w1 W1-none none
  fi
  if [ "$MODE" != w1 ]; then
    once floor env CONTAINER_IP=172.17.0.2 "$BIN_DIR/benchfloor" -n "$N" -backend "$url" -max-payload-size 1048576
  fi
done
for label in "${labels[@]}"; do
  summary "$label"
done
# The ratios of the medians of this one invocation.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
line="N=$N"
[ -n "${medians[W1]:-}" ] && [ -n "${medians[floor]:-}" ] && line+=" W1/floor=$(ratio "${medians[W1]}" "${medians[floor]}")x"
[ -n "${medians[W1-none]:-}" ] && [ -n "${medians[floor]:-}" ] && line+=" W1-none/floor=$(ratio "${medians[W1-none]}" "${medians[floor]}")x"
if [ -n "${medians[W1]:-}" ] && [ -n "${medians[W1-none]:-}" ]; then
  line+=" outbox_share=$(awk -v a="${medians[W1]}" -v b="${medians[W1-none]}" 'BEGIN { if (a > 0) printf "%.0f", (a - b) * 100 / a }')%"
  line+=" outbox_cpu_share=$(awk -v a="${cpu_medians[W1]}" -v b="${cpu_medians[W1-none]}" 'BEGIN { if (a > 0) printf "%.0f", (a - b) * 100 / a }')%"
fi
echo "$line"
