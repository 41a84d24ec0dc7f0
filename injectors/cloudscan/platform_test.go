package cloudscan

import (
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/internal/contracttest"
)

// TestPlatformAcceptsFindings runs the findings of every stand-in case
// through the platform stand-in's output validators: a value that fails
// would make the real platform drop the whole callback.
func TestPlatformAcceptsFindings(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "cases", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	m := New().Manifest()
	lines := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, _, out := runCase(t, dir)
			doc := contracttest.RoundTrip(t, out.Findings)
			if list, ok := doc[FieldFindingsSummary].([]any); ok {
				lines += len(list)
			}
			contracttest.CheckOutputs(t, m, doc)
		})
	}
	if lines == 0 {
		t.Error("no case produced a findings_summary line: nothing was validated")
	}
}
