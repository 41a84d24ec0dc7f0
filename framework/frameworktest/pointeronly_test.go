package frameworktest

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// pointerManifest has Manifest on its pointer alone.
type pointerManifest struct{}

func (*pointerManifest) Manifest() framework.Manifest { return framework.Manifest{Name: "ptr"} }
func (pointerManifest) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// valueManifest has Manifest on its value.
type valueManifest struct{}

func (valueManifest) Manifest() framework.Manifest { return framework.Manifest{Name: "val"} }
func (valueManifest) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// noManifest has no Manifest.
type noManifest struct{}

func (noManifest) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// TestPointerOnlySaysWhy checks the hint Conformance adds to "no
// manifest": given for a value whose pointer has the method, and for
// nothing else.
func TestPointerOnlySaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name string
		ex   any
		want string // "" for no hint
	}{
		{"value of a pointer-receiver Manifest", pointerManifest{}, "*frameworktest.pointerManifest has Manifest, a pointer receiver's method"},
		{"its pointer", &pointerManifest{}, ""},
		{"value-receiver Manifest", valueManifest{}, ""},
		{"no Manifest at all", noManifest{}, ""},
		{"nil", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pointerOnly(tc.ex, "Manifest")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("pointerOnly = %q, want one holding %q", got, tc.want)
			}
			if tc.want != "" && !strings.Contains(got, "register and test a pointer (&pointerManifest{})") {
				t.Errorf("pointerOnly = %q: says not what to do", got)
			}
		})
	}
}
