#!/usr/bin/env bash
# nmap overhead: the same loopback scan with bare `nmap -oX -` and with
# `injectkit run nmap`, RUNS times each, in two shapes:
#   one   — 1 target (127.0.0.1), ports 1-1000
#   many  — 64 targets (127.0.0.0/26), ports 1-100
# Both sides use the arguments injectkit builds (-sT -T4 -Pn -n -oX -).
# Prints the median/min/max wall time of each side and their ratio.
#
#   scripts/bench-nmap.sh [RUNS]        (make bench-nmap RUNS=5)
set -euo pipefail
RUNS=${1:-5}
cd "$(dirname "$0")/.."
command -v nmap >/dev/null || { echo "bench-nmap: nmap missing (apt-get install -y nmap)" >&2; exit 1; }

mkdir -p bin
go build -o bin/injectkit ./cmd/injectkit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 0 63); do echo "127.0.0.$i"; done > "$work/many.txt"

# walls CMD...: RUNS wall times in seconds, one a line.
walls() {
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
  done | sort -g
}
median() { awk -v n="$RUNS" 'NR == int((n+1)/2)'; }

# shape LABEL PORTS BARE_TARGETS INJECTKIT_TARGET_ARGS...
shape() {
  local label=$1 ports=$2 bare=$3; shift 3
  local b k
  b=$(walls nmap -sT -T4 -Pn -n -oX - -p "$ports" $bare)
  k=$(walls env INJECTKIT_OUTBOX=none bin/injectkit run nmap "$@" --param ports="$ports" --param timing=4 --param scan_type=connect)
  local bm km
  bm=$(echo "$b" | median); km=$(echo "$k" | median)
  printf '%-5s nmap median=%ss min=%ss max=%ss | injectkit median=%ss min=%ss max=%ss | ratio=%s (runs=%s)\n' \
    "$label" "$bm" "$(echo "$b" | head -1)" "$(echo "$b" | tail -1)" \
    "$km" "$(echo "$k" | head -1)" "$(echo "$k" | tail -1)" \
    "$(awk -v a="$km" -v b="$bm" 'BEGIN { printf "%.3f", a / b }')" "$RUNS"
}

shape one 1-1000 127.0.0.1 --target 127.0.0.1
shape many 1-100 "$(tr '\n' ' ' < "$work/many.txt")" --targets-file "$work/many.txt"
