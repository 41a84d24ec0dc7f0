#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 30s), one
# after the other. A crasher is written by `go test` under the package's
# testdata/fuzz/<Target>/ and must be checked in: it then runs as a regular
# test case in `make test`. Not part of CI.
#
#   scripts/fuzz.sh [FUZZTIME]        (make fuzz FUZZTIME=30s)
set -euo pipefail
FUZZTIME=${1:-30s}
cd "$(dirname "$0")/.."
failed=0
# inputs DIR TARGET: how many inputs the target's corpus under testdata holds.
inputs() { { find "$1/testdata/fuzz/$2" -type f 2>/dev/null || true; } | wc -l; }
for dir in $(grep -rlE '^func Fuzz' --include='*_test.go' . | xargs -n1 dirname | sort -u); do
  for target in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' "$dir"/*_test.go | awk '{print $2}' | sort -u); do
    echo "== $dir $target ($FUZZTIME)"
    # A failure that wrote no new input is the fuzzing engine's own (on a
    # loaded machine a worker may miss the end of -fuzztime and the run
    # ends with "context deadline exceeded"): it is run once more.
    for attempt in 1 2; do
      before=$(inputs "$dir" "$target")
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$dir"; then
        break
      fi
      if [ "$(inputs "$dir" "$target")" -gt "$before" ]; then
        echo "!! $dir $target found a crasher: see $dir/testdata/fuzz/$target/ and check it in" >&2
        failed=1
        break
      fi
      if [ "$attempt" = 2 ]; then
        echo "!! $dir $target: the fuzzing engine failed twice without writing a crasher" >&2
        failed=1
      fi
    done
  done
done
exit "$failed"
