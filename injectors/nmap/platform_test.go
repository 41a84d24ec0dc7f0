package nmap

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// platformTypes are the platform's contract platforms (OpenAEV 2.4.0; later
// versions only add Android and iOS).
var platformTypes = []string{"Linux", "Windows", "MacOS", "Container", "Service", "Generic", "Internal", "Unknown"}

// TestPlatformAcceptsContract: the manifest declares only platforms and
// output types the platform knows.
func TestPlatformAcceptsContract(t *testing.T) {
	m := New().Manifest()
	for _, p := range m.Platforms {
		if !slices.Contains(platformTypes, p) {
			t.Errorf("platform %q is not a platform type %v", p, platformTypes)
		}
	}
	for _, o := range m.Outputs {
		if !openaevtest.KnownOutputType(openaevtest.Current, o.Type) {
			t.Errorf("output %s: type %q unknown to the platform", o.Field, o.Type)
		}
	}
}

// TestPlatformAcceptsFindings runs the findings of every captured nmap run
// through the platform stand-in's output validators: a value that fails
// would make the real platform drop the whole callback.
func TestPlatformAcceptsFindings(t *testing.T) {
	m := New().Manifest()
	rows := 0
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, _, out := executeCase(t, dir)
			doc := roundTrip(t, out.Findings)
			rows += len(rowsOf(t, doc, FieldScanResults))
			checkOutputs(t, m, doc)
		})
	}
	if rows == 0 {
		t.Error("no case produced a scan_results row: nothing was validated")
	}
}

// checkOutputs validates each declared output of doc on the current
// platform, and on 2.4.0 when that version knows the type.
func checkOutputs(t *testing.T, m framework.Manifest, doc map[string]any) {
	t.Helper()
	for _, o := range m.Outputs {
		if err := openaevtest.ValidateOutput(openaevtest.Current, o.Type, doc[o.Field]); err != nil {
			t.Errorf("output %s (%s) rejected: %v", o.Field, o.Type, err)
		}
		if openaevtest.KnownOutputType(openaevtest.Version24, o.Type) {
			if err := openaevtest.ValidateOutput(openaevtest.Version24, o.Type, doc[o.Field]); err != nil {
				t.Errorf("output %s (%s) rejected by 2.4.0: %v", o.Field, o.Type, err)
			}
		}
	}
}
