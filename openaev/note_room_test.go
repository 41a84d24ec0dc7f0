package openaev_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// sentFindings runs an nmap inject of 40 assets with the max payload
// size limit and returns the findings its terminal callback carries, the
// size of that callback, and the needs of the WARN lines saying a finding
// was left out (one per line).
func sentFindings(t *testing.T, v openaevtest.Version, limit int64) (findings []string, size int, needs []int64) {
	t.Helper()
	e := newLimitedEnv(t, v, limit, false)
	if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-b", 40)); err != nil {
		t.Fatal(err)
	}
	done, ok := e.platform.Terminal("inj-b")
	if !ok || !done.Processed() {
		t.Fatalf("max payload size %d: terminal callback %v", limit, done)
	}
	if len(done.Raw) > int(limit) {
		t.Errorf("max payload size %d: a terminal callback of %d bytes", limit, len(done.Raw))
	}
	doc, _ := done.Structured()
	delete(doc, openaev.FieldExpectationSignatures)
	for _, w := range e.logs.FilterMessageSnippet("finding not sent").All() {
		n, _ := w.ContextMap()["needs"].(int64)
		needs = append(needs, n)
	}
	return slices.Sorted(maps.Keys(doc)), len(done.Raw), needs
}

// TestFindingsFitToTheByte checks the planner around the size that holds
// every finding: no room is kept for a note on what is left out unless a
// note is written, so the findings travel with a max payload size of
// exactly the size the WARN advises, the size of the terminal callback
// that carries them (its signatures, on the current line, follow in
// "data" callbacks), and one byte less leaves one out.
func TestFindingsFitToTheByte(t *testing.T) {
	for name, v := range map[string]openaevtest.Version{"2.4.0": openaevtest.Version24, "current": openaevtest.Current} {
		t.Run(name, func(t *testing.T) {
			all, _, _ := sentFindings(t, v, openaev.MaxMaxPayloadSize)
			_, _, advised := sentFindings(t, v, 2<<10)
			if len(advised) == 0 || advised[0] <= 2<<10 {
				t.Fatalf("WARN needs %v with a max payload size of 2 KiB", advised)
			}
			needs := advised[0]
			tests := []struct {
				name  string
				limit int64
				all   bool
			}{
				{"one byte short", needs - 1, false},
				{"exactly", needs, true},
				{"one byte more", needs + 1, true},
				{"a note's room more, less one", needs + 511, true},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got, size, warned := sentFindings(t, v, tt.limit)
					if sent := slices.Equal(got, all); sent != tt.all {
						t.Fatalf("max payload size %d (needs %d): findings %v sent, want all of %v: %v", tt.limit, needs, got, all, tt.all)
					}
					if tt.all && len(warned) > 0 {
						t.Errorf("max payload size %d: every finding sent, and WARN lines %v", tt.limit, warned)
					}
					if !tt.all && (len(warned) == 0 || warned[0] != needs) {
						t.Errorf("max payload size %d: WARN needs %v, want %d", tt.limit, warned, needs)
					}
					if tt.limit == needs && size != int(needs) {
						t.Errorf("the advised %d bytes hold a terminal callback of %d", needs, size)
					}
				})
			}
		})
	}
}
