package cloudscan

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

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
		for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
			if !openaevtest.KnownOutputType(v, o.Type) {
				t.Errorf("output %s: type %q unknown to platform %v", o.Field, o.Type, v)
			}
		}
	}
}

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
			b, err := json.Marshal(out.Findings)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if list, ok := doc[FieldFindingsSummary].([]any); ok {
				lines += len(list)
			}
			for _, o := range m.Outputs {
				for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
					if err := openaevtest.ValidateOutput(v, o.Type, doc[o.Field]); err != nil {
						t.Errorf("output %s (%s) rejected by platform %v: %v", o.Field, o.Type, v, err)
					}
				}
			}
		})
	}
	if lines == 0 {
		t.Error("no case produced a findings_summary line: nothing was validated")
	}
}
