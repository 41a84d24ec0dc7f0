package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
)

// TestFloorBodiesAreTheProfiles compares the floor's requests (-dump) with
// those a dry run of the openaev profile prints for the same inject and
// max payload size (`injectkit run --openaev-message`, without a backend):
// equal but for the times and the run mark's digits (the "complete"'s
// message ends with one in both), whether the targets fit in the terminal
// callback, spill into data callbacks, or fit in no body (a note on them
// in the terminal callback's message).
func TestFloorBodiesAreTheProfiles(t *testing.T) {
	t.Setenv("CONTAINER_IP", "172.17.0.2") // the floor's source address
	tests := []struct {
		n, limit int
		want     string // in the terminal callback
	}{
		{n: 1, limit: 5 << 20, want: `"execution_action":"complete"`},
		{n: 9, limit: 1500, want: `"execution_action":"complete"`}, // the target in the terminal callback, none in data
		{n: 40, limit: 4096, want: `"execution_action":"data"`},
		{n: 300, limit: 8192, want: `part 2 of `}, // bench-w1-openaev.sh's check
		// The run mark's 15 bytes move a target out of the terminal callback:
		// without it, the floor sent one data callback less.
		{n: 40, limit: 1932, want: `part 21 of 21`},
		{n: 9, limit: 1024, want: `; signatures of 9 targets too large to send (asset asset-1, asset asset-2, asset asset-3, asset asset-4, asset asset-5 and 4 more)`},
		{n: 1, limit: 1046, want: `; signatures of 1 target too large to send (asset asset-1)`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d targets, %d bytes", tt.n, tt.limit), func(t *testing.T) {
			msg := filepath.Join(t.TempDir(), "msg.json")
			if err := writeMessage(msg, tt.n, "inj"); err != nil {
				t.Fatal(err)
			}
			profile := dryRun(t, msg, tt.limit)
			var floor bytes.Buffer
			if err := run(tt.n, tt.limit, "inj", dumpTo(&floor)); err != nil {
				t.Fatal(err)
			}
			got, want := strings.Split(normalize(floor.String()), "\n"), strings.Split(normalize(profile), "\n")
			if len(got) != len(want) {
				t.Errorf("the floor sends %d requests, the profile %d", len(got)-1, len(want)-1)
			}
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("request %d differs:\nfloor:   %s\nprofile: %s", i+1, got[i], want[i])
					break
				}
			}
			if !strings.Contains(profile, tt.want) {
				t.Errorf("the profile's requests hold no %q: the case tests another packing", tt.want)
			}
		})
	}
}

// dryRun returns the requests `injectkit run --openaev-message msg
// --max-payload-size limit --outbox none` prints without a backend.
func dryRun(t *testing.T, msg string, limit int) string {
	t.Helper()
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return noop.New() })
	var stdout, stderr bytes.Buffer
	state := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "CONTAINER_IP":
			return "172.17.0.2"
		case "XDG_STATE_HOME":
			return state
		}
		return ""
	}
	code := cli.Run(context.Background(), cli.Options{Registry: reg, Stdout: &stdout, Stderr: &stderr, Getenv: getenv},
		[]string{"injectkit", "run", "--openaev-message", msg, "--max-payload-size", fmt.Sprint(limit),
			"--outbox", "none", "--log-level", "error"})
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, stderr.String())
	}
	return stdout.String()
}

var (
	timeRE     = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z`)
	durationRE = regexp.MustCompile(`"execution_duration":[0-9]+`)
	runMarkRE  = regexp.MustCompile(` \[run [0-9a-f]{8}\]`)
)

// normalize blanks the times, durations and run marks' digits of
// requests, as bench-w1-openaev.sh does before it compares them.
func normalize(s string) string {
	s = runMarkRE.ReplaceAllString(s, " [run xxxxxxxx]")
	return durationRE.ReplaceAllString(timeRE.ReplaceAllString(s, "TIME"), `"execution_duration":0`)
}
