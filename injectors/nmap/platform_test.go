package nmap

import (
	"testing"

	"github.com/injectkit/injectkit/internal/contracttest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// TestPlatformAcceptsFindings runs the findings of every captured nmap run
// through the platform stand-in's output validators: a value that fails
// would make the real platform drop the whole callback.
func TestPlatformAcceptsFindings(t *testing.T) {
	m := New().Manifest()
	rows := 0
	testkit.Cases(t, goldenCases, func(t *testing.T, dir string) {
		_, _, out := executeCase(t, dir)
		doc := contracttest.RoundTrip(t, out.Findings)
		rows += len(rowsOf(t, doc, FieldScanResults))
		contracttest.CheckOutputs(t, m, doc)
	})
	if rows == 0 {
		t.Error("no case produced a scan_results row: nothing was validated")
	}
}
