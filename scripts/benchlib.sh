# Sourced by the bench scripts (scripts/bench-*.sh): the checks of their
# arguments and tools, shared so that each is refused alike.

# positive SCRIPT NAME VALUE: exit 2 naming SCRIPT, NAME and VALUE unless
# VALUE is a positive integer (decimal digits, no sign, no suffix: 100000,
# not 100k). Called before anything is built or written.
positive() {
  [[ $3 =~ ^[1-9][0-9]*$ ]] && return 0
  echo "$1: $2 must be a positive integer: $3" >&2
  exit 2
}

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

# oneof SCRIPT NAME VALUE CHOICE...: exit 2 naming SCRIPT, NAME, VALUE and
# the choices unless VALUE is one of them.
oneof() {
  local script=$1 name=$2 value=$3 c; shift 3
  for c in "$@"; do [ "$value" = "$c" ] && return 0; done
  echo "$script: $name must be one of $*: $value" >&2
  exit 2
}
