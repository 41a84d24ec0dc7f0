package openaev_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
)

// TestValidateManifestReportsEveryProblem: a manifest with several
// problems, of each layer (the framework's, the platform's enums, the
// contract's fields), gets all of them, each naming its field and value,
// not the first alone; errors.As still finds a *ValidationError.
func TestValidateManifestReportsEveryProblem(t *testing.T) {
	m := framework.Manifest{Name: "b3", Category: framework.Network, Platforms: []string{"linux", "Windows", "macos"},
		Expectations: []framework.ExpectationType{framework.Detection, framework.Detection},
		Outputs:      []framework.Output{{Type: "ports", Field: "open"}, {Type: "text", Field: "note"}},
		Params:       []framework.Param{{Name: "targets", Type: framework.ParamString}, {Name: "mode", Type: framework.ParamEnum}}}
	err := openaev.ValidateManifest(m, current)
	if err == nil {
		t.Fatal("accepted")
	}
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%v: no *ValidationError", err)
	}
	want := []string{
		`invalid b3.expectations "DETECTION": declared twice`,
		`invalid b3.platforms "linux"`,
		`invalid b3.platforms "macos"`,
		`invalid b3.outputs.open "ports"`,
		`invalid b3.params "targets": name reserved`,
		`invalid b3.params.mode "enum": enum declares no values`,
	}
	lines := strings.Split(err.Error(), "\n")
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d errors, want %d:\n%v", len(lines), len(want), err)
	}
}
