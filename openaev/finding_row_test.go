package openaev_test

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/signatures"
)

// digestExec reports one text finding, digest, of a fixed value.
type digestExec struct{ value string }

func (digestExec) Manifest() framework.Manifest {
	return framework.Manifest{Name: "digest", Description: "reports a digest",
		Expectations: []signatures.ExpectationType{signatures.Detection},
		Outputs:      []framework.Output{{Type: "text", Field: "digest"}}}
}

func (d digestExec) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusSuccess, Findings: map[string]any{"digest": d.value}}
}

// TestLongTextFindingStored: the findings index's row limit covers the
// inject id, the type and the field besides the value, so an
// incompressible text finding of the row limit's length (which the
// profile sent whole before, and the platform refused, rolling the
// callback back), or one byte over what the row leaves it, is truncated
// to fit: the platform stores the result, on both lines. A finding that
// fits is stored as it is.
func TestLongTextFindingStored(t *testing.T) {
	const inject = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21" // a UUID, as the platform's
	room := openaev.FindingValueRoom(inject, "digest")
	for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		for _, tt := range []struct {
			name string
			size int
		}{
			{"filling the row", room},
			{"a byte over the row", room + 1},
			{"the row limit", openaev.MaxFindingRow},
			{"twice the row limit", 2 * openaev.MaxFindingRow},
		} {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				value := hexDigest(tt.size)
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
				e.registry.Register("digest", func() framework.Executor { return digestExec{value} })
				manifests := append(testManifests(), digestExec{}.Manifest())
				e.build(manifests)
				if _, err := e.client.Register(context.Background(), manifests, false); err != nil {
					t.Fatal(err)
				}
				body := e.message(t, inject, "digest", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
				if err := e.proc.Process(context.Background(), body); err != nil {
					t.Fatal(err)
				}
				for _, c := range e.platform.Calls(inject) {
					if c.Kind == openaevtest.KindComplete && !c.Processed() {
						t.Fatalf("complete %s: %s", c.Outcome, c.Reason)
					}
				}
				got, _ := e.platform.Findings(inject)["digest"].(string)
				switch {
				case tt.size <= room:
					if got != value {
						t.Errorf("a finding that fits stored as %d bytes, want %d as sent", len(got), len(value))
					}
				case !utf8.ValidString(got) || !strings.HasSuffix(got, " bytes in all]"):
					t.Errorf("a finding of %d bytes stored as %d bytes ending %q, want it truncated with a note",
						len(value), len(got), got[max(len(got)-40, 0):])
				case !strings.HasPrefix(value, got[:strings.Index(got, " … [truncated")]):
					t.Errorf("the truncated finding is not the value's beginning")
				}
			})
		}
	}
}

// hexDigest returns n bytes of hex of a sequence that does not repeat:
// nothing PostgreSQL could compress.
func hexDigest(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.NewChaCha8([32]byte{}).Read(b) // never fails
	return hex.EncodeToString(b)[:n]
}
