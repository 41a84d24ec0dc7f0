#!/usr/bin/env bash
# nmap overhead: the same loopback scan with bare `nmap -oX -` and with
# `injectkit run nmap`, RUNS times each, in two shapes:
#   one   — 1 target (127.0.0.1), ports 1-1000
#   many  — 64 targets (127.0.0.0/26), ports 1-100
# Both sides use the scan arguments injectkit builds (-sT -T4 -Pn -n -oX -;
# injectkit also passes --stats-every 5s and the targets on stdin, -iL -).
# Prints the median/min/max wall time and the peak RSS (/usr/bin/time's
# %M: the largest process's, injectkit's or the nmap it runs) of each side
# and the ratio of the medians. The
# runs alternate (bare, injectkit, injectkit, bare, …) after one untimed
# warm-up of each, so that load on a shared machine falls on both sides.
#
# Then the fixed cost, which no scan length hides:
#   start — process start to exit of a hello-world Go binary and of
#           `injectkit version` (Go runtime plus every package's init);
#   fixed — `injectkit run nmap` against a stand-in nmap that replays the
#           one-target report at once, minus the stand-in alone: everything
#           injectkit adds to one scan, whatever the scan's length.
# Both take 4×RUNS runs a side (they are short; more runs, less noise).
#
#   scripts/bench-nmap.sh [RUNS]        (make bench-nmap RUNS=5)
#   BIN=/abs/path/injectkit scripts/bench-nmap.sh [RUNS]  (that binary instead of a fresh build)
set -euo pipefail
source "$(dirname "$0")/benchlib.sh"
RUNS=${1:-5}
positive bench-nmap RUNS "$RUNS" "$max_runs"
N=$RUNS # runs per side of the next pair
cd "$(dirname "$0")/.."
require bench-nmap nmap nmap
require bench-nmap /usr/bin/time time

if [ -z "${BIN:-}" ]; then
  mkdir -p bin
  go build -tags "${TAGS-urfave_cli_no_docs}" -o bin/injectkit ./cmd/injectkit
  BIN=bin/injectkit
fi
export INJECTKIT_OUTBOX=none # nothing to keep: stdout gets the bodies
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 0 63); do echo "127.0.0.$i"; done > "$work/many.txt"

# timed FILE CMD...: run CMD once, append its wall time in seconds to FILE
# and, when rss is set, its peak RSS in KiB to FILE.rss (under
# /usr/bin/time, whose own start then counts in the wall time: the scan
# shapes only, not the millisecond rows).
rss=
timed() {
  local out=$1; shift
  local t0 t1 wrap=()
  [ -z "$rss" ] || wrap=(/usr/bin/time -f %M -o "$work/time")
  t0=${EPOCHREALTIME/./} # microseconds, read without starting a process
  "${wrap[@]}" "$@" </dev/null >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  t1=${EPOCHREALTIME/./}
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e6 }' >> "$out"
  [ -z "$rss" ] || cat "$work/time" >> "$out.rss"
}

# pair NAME_A NAME_B -- CMD_A... -- CMD_B...: one untimed warm-up of each,
# then N timed runs of each, alternating which goes first; the wall
# times land in $work/t.NAME_A and $work/t.NAME_B.
pair() {
  local a=$1 b=$2; shift 3
  local ca=() cb=()
  while [ "$1" != "--" ]; do ca+=("$1"); shift; done
  shift
  cb=("$@")
  : > "$work/t.$a"; : > "$work/t.$b"; : > "$work/t.$a.rss"; : > "$work/t.$b.rss"
  "${ca[@]}" </dev/null >/dev/null 2>&1 || true
  "${cb[@]}" </dev/null >/dev/null 2>&1 || true
  for i in $(seq "$N"); do
    if (( i % 2 )); then timed "$work/t.$a" "${ca[@]}"; timed "$work/t.$b" "${cb[@]}"
    else timed "$work/t.$b" "${cb[@]}"; timed "$work/t.$a" "${ca[@]}"; fi
  done
}

stats() { printf 'median=%.3fs min=%.3fs max=%.3fs' "$(median < "$1")" "$(least < "$1")" "$(most < "$1")"; }
peak_mb() { sort -g "$1" | tail -1 | awk '{ printf "%dMB", $1 / 1024 }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1fms", s * 1000 }'; }
stats_ms() { printf 'median=%s min=%s max=%s' "$(ms "$(median < "$1")")" "$(ms "$(least < "$1")")" "$(ms "$(most < "$1")")"; }

# shape LABEL PORTS BARE_TARGETS INJECTKIT_TARGET_ARGS...
shape() {
  local label=$1 ports=$2 bare=$3; shift 3
  rss=1
  # shellcheck disable=SC2086 # the bare targets are words
  pair bare inj -- nmap -sT -T4 -Pn -n -oX - -p "$ports" $bare \
    -- "$BIN" run nmap "$@" --param ports="$ports" --param timing=4 --param scan_type=connect
  rss=
  printf '%-5s nmap %s peak_rss=%s | injectkit %s peak_rss=%s | ratio=%s (runs=%s)\n' "$label" \
    "$(stats "$work/t.bare")" "$(peak_mb "$work/t.bare.rss")" "$(stats "$work/t.inj")" "$(peak_mb "$work/t.inj.rss")" \
    "$(awk -v a="$(median < "$work/t.inj")" -v b="$(median < "$work/t.bare")" 'BEGIN { printf "%.3f", a / b }')" "$RUNS"
}

shape one 1-1000 127.0.0.1 --target 127.0.0.1
shape many 1-100 "$(tr '\n' ' ' < "$work/many.txt")" --targets-file "$work/many.txt"

# The fixed cost. The stand-in nmap reads its targets and prints the report
# a real one-target scan printed.
mkdir -p "$work/hello" "$work/standin"
printf 'module hello\n\ngo 1.21\n' > "$work/hello/go.mod"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' > "$work/hello/main.go"
(cd "$work/hello" && go build -o hello .)
nmap -sT -T4 -Pn -n -oX - -p 1-1000 127.0.0.1 > "$work/report.xml"
printf '#!/bin/sh\ncat >/dev/null\nexec cat %q\n' "$work/report.xml" > "$work/standin/nmap"
chmod +x "$work/standin/nmap"

N=$((4 * RUNS))
pair hello version -- "$work/hello/hello" -- "$BIN" version
printf 'start hello-world Go %s | injectkit version %s (runs=%s)\n' "$(stats_ms "$work/t.hello")" "$(stats_ms "$work/t.version")" "$N"
pair standin run -- env PATH="$work/standin:$PATH" nmap \
  -- env PATH="$work/standin:$PATH" "$BIN" run nmap --target 127.0.0.1 \
  --param ports=1-1000 --param timing=4 --param scan_type=connect
printf 'fixed stand-in nmap %s | injectkit run nmap on it %s | fixed cost=%.1fms (runs=%s)\n' \
  "$(stats_ms "$work/t.standin")" "$(stats_ms "$work/t.run")" \
  "$(awk -v a="$(median < "$work/t.run")" -v b="$(median < "$work/t.standin")" 'BEGIN { print (a - b) * 1000 }')" "$N"
