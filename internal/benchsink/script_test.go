package main_test

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

// benchlib's positive, which each bench script calls on its N, RUNS and
// WORKERS before anything is built or written, refuses with exit 2 naming
// the bound a value past it (N=99999999999999999999999 wrote targets
// until the disk filled). Called here, not through the scripts: unbounded,
// they would write those targets.
func TestBenchBounds(t *testing.T) {
	tests := []struct {
		value, max string
		want       string // "" when taken
	}{
		{"99999999999999999999999", "10000000", "s: N must be at most 10000000: 99999999999999999999999"},
		{"10000001", "10000000", "s: N must be at most 10000000: 10000001"},
		{"20000000", "10000000", "s: N must be at most 10000000: 20000000"},
		{"10000000", "10000000", ""},
		{"9999999", "10000000", ""},
		{"1", "100", ""},
		{"101", "100", "s: N must be at most 100: 101"},
		{"0", "100", "s: N must be a positive integer: 0"},
		{"1e3", "100", "s: N must be a positive integer: 1e3"},
	}
	for _, tt := range tests {
		t.Run(tt.value+" of at most "+tt.max, func(t *testing.T) {
			cmd := exec.Command("bash", "-c", `source ../../scripts/benchlib.sh; positive s N "$1" "$2"; echo taken`, "bash", tt.value, tt.max)
			out, err := cmd.CombinedOutput()
			if tt.want == "" {
				if err != nil || string(out) != "taken\n" {
					t.Errorf("%v: %q; want it taken", err, out)
				}
				return
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 || string(out) != tt.want+"\n" {
				t.Errorf("%v: %q; want exit 2 with %q", err, out, tt.want)
			}
		})
	}
}

// benchlib's least and most read their input to the end: a reader that
// stops after the first line (`| head -1`) killed the writer with SIGPIPE,
// which the scripts' pipefail and set -e made their exit 141, now and then
// (bash echoes a multi-line string a line at a time). 200 000 lines are
// more than a pipe holds, so a reader that stops early fails every time.
func TestBenchLeastMostReadToTheEnd(t *testing.T) {
	tests := []struct {
		input, fn, want string
	}{
		{"seq 200000 | sort -r", "least", "1"},
		{"seq 200000", "most", "200000"},
		{"printf '0.3\\n0.10\\n0.2\\n'", "least", "0.10"},
		{"printf '0.3\\n0.10\\n0.2\\n'", "most", "0.3"},
		{"printf '7\\n'", "least", "7"},
	}
	for _, tt := range tests {
		t.Run(tt.fn+" of "+tt.input, func(t *testing.T) {
			script := `set -euo pipefail; source ../../scripts/benchlib.sh; v=$(` + tt.input + ` | ` + tt.fn + `); echo "$v"`
			out, err := exec.Command("bash", "-c", script).CombinedOutput()
			if err != nil || string(out) != tt.want+"\n" {
				t.Errorf("%v: %q; want %q", err, out, tt.want)
			}
		})
	}
}

// The bench scripts build static binaries (CGO_ENABLED=0), as make build
// and the release do, so that what they measure is what ships; a race
// build (GOFLAGS=-race, as the tests build them) needs cgo, and a
// CGO_ENABLED the caller set is theirs.
func TestBenchBuildsStatic(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"by default", nil, "0"},
		{"GOFLAGS without -race", []string{"GOFLAGS=-trimpath"}, "0"},
		{"a race build", []string{"GOFLAGS=-race"}, "unset"},
		{"a race build among other flags", []string{"GOFLAGS=-trimpath -race=true"}, "unset"},
		{"the caller's", []string{"CGO_ENABLED=1"}, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("bash", "-c", `source ../../scripts/benchlib.sh; echo "${CGO_ENABLED-unset}"`)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tt.env...)
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != tt.want+"\n" {
				t.Errorf("%v: CGO_ENABLED %q; want %q", err, out, tt.want)
			}
		})
	}
}
