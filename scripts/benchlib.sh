# Sourced by the bench scripts (scripts/bench-*.sh): the checks of their
# arguments and tools, shared so that each is refused alike.

# positive SCRIPT NAME VALUE MAX: exit 2 naming SCRIPT, NAME and VALUE
# unless VALUE is a positive integer (decimal digits, no sign, no suffix:
# 100000, not 100k) of at most MAX, the largest the script can run (a
# larger N wrote targets until the disk filled: awk reads
# 99999999999999999999999 as a float, and bash's arithmetic wraps it, so
# VALUE is compared as digits). Called before anything is built or written.
positive() {
  if ! [[ $3 =~ ^[1-9][0-9]*$ ]]; then
    echo "$1: $2 must be a positive integer: $3" >&2
    exit 2
  fi
  if ((${#3} > ${#4})) || { ((${#3} == ${#4})) && [[ $3 > $4 ]]; }; then
    echo "$1: $2 must be at most $4: $3" >&2
    exit 2
  fi
}

# The binaries the scripts build are static (CGO_ENABLED=0), as make
# build's and the release's, so that what is measured is what ships; a
# race build (GOFLAGS=-race, as the tests build them) needs cgo, and a
# CGO_ENABLED of the caller's is kept.
case " ${GOFLAGS-} " in
*" -race "* | *" -race=true "*) ;;
*) export CGO_ENABLED=${CGO_ENABLED-0} ;;
esac

# max_runs bounds every script's RUNS: more runs than this narrow no
# median further, and a typo (RUNS=1000000) would run for days.
max_runs=100

# require SCRIPT COMMAND PACKAGE: exit 1 naming SCRIPT, COMMAND and the
# Debian package that installs it unless COMMAND (a name on PATH or a
# path) can be run. .ci/run installs each of them.
require() {
  command -v "$2" >/dev/null 2>&1 && return 0
  echo "$1: $2 missing (apt-get install -y $3)" >&2
  exit 1
}

# median: the median of the numbers on stdin, one a line: the middle one
# of an odd count, the mean of the two middle ones of an even count.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# least, most: the smallest and the largest of the numbers on stdin, one a
# line. Read to the end, never `| head -1`: bash writes an echoed
# multi-line string a line at a time, and a head that exits after the
# first line kills the echo with SIGPIPE, which pipefail and set -e turn
# into the script's exit 141 (1 run in about 100).
least() { sort -g | awk 'NR == 1 { v = $1 } END { print v }'; }
most() { sort -g | awk '{ v = $1 } END { print v }'; }

# oneof SCRIPT NAME VALUE CHOICE...: exit 2 naming SCRIPT, NAME, VALUE and
# the choices unless VALUE is one of them.
oneof() {
  local script=$1 name=$2 value=$3 c; shift 3
  for c in "$@"; do [ "$value" = "$c" ] && return 0; done
  echo "$script: $name must be one of $*: $value" >&2
  exit 2
}

# raced SCRIPT BINARY...: one WARN on stderr naming the BINARYs built with
# the race detector (GOFLAGS=-race in the environment, as the tests
# build): they run several times slower, and their figures are not
# BENCHMARKS.md's. The build settings are read whole, not piped to grep -q
# (see least).
raced() {
  local script=$1 bin info raced=(); shift
  for bin in "$@"; do
    info=$(go version -m "$bin") || continue
    case $info in *$'\tbuild\t-race=true'*) raced+=("$bin") ;; esac
  done
  [ ${#raced[@]} -eq 0 ] || echo "$script: WARN built with -race (GOFLAGS holding -race?), figures not comparable with BENCHMARKS.md's: ${raced[*]}" >&2
}
