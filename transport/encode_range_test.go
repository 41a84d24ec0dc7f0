package transport_test

import (
	"bytes"
	"fmt"
	"iter"
	"math"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// TestEncodeRangeIsEncode checks that a payload measured in parts at once
// (EncodeRange over 70 000 targets: one part a core) is planned and
// written as Encode plans and writes it in one pass: the same bodies,
// byte for byte, the same targets cut to fit, and the same error (the
// first bad target's) whichever part holds it.
func TestEncodeRangeIsEncode(t *testing.T) {
	// At least 4 Ps while the test runs (one part a P), the old setting back after it.
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(max(goruntime.GOMAXPROCS(0), 4)))
	const n = 70_000
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	tests := []struct {
		name string
		max  int
		edit func(p *signatures.Payload)
		want string // "cut": partial results cut; "error"
	}{
		{"W1's targets", 1 << 20, nil, ""},
		{"many small bodies", 16 << 10, nil, ""},
		{"targets cut to fit in two parts", 16 << 10, func(p *signatures.Payload) {
			for _, i := range []int{100, 60_000} {
				p.Targets[i].SignatureTarget.Asset = strings.Repeat("a", 12<<10)
				p.Targets[i].SignatureValues[0].Values = append(p.Targets[i].SignatureValues[0].Values,
					signatures.Value{SignatureType: "partial_results", SignatureValue: partials(400)})
			}
		}, "cut"},
		{"a target too large in the last part", 16 << 10, func(p *signatures.Payload) {
			p.Targets[65_000].SignatureTarget.Asset = strings.Repeat("a", 20<<10)
		}, "error"},
		{"bad targets in two parts", 1 << 20, func(p *signatures.Payload) {
			for _, i := range []int{20_000, 50_000} {
				p.Targets[i].SignatureValues[1].Values = []signatures.Value{{SignatureType: "x", SignatureValue: math.NaN()}}
			}
		}, "error"},
		{"a bad target in the last part", 1 << 20, func(p *signatures.Payload) {
			p.Targets[n-1].SignatureValues[1].Values = []signatures.Value{{SignatureType: "x", SignatureValue: math.Inf(1)}}
		}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := signatures.BuildPayload(streamPost(n), []signatures.Attribution{{Asset: "a-1"}}, types, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				tt.edit(&p)
			}
			rng := func(lo, hi int) iter.Seq2[int, signatures.PayloadTarget] {
				return func(yield func(int, signatures.PayloadTarget) bool) {
					for i := lo; i < hi; i++ {
						if !yield(i, p.Targets[i]) {
							return
						}
					}
				}
			}
			want, wantErr := transport.Encode("inject-1", "execution_complete", rng(0, n), tt.max)
			cut := 0
			if wantErr == nil {
				cut, _ = want.PartialsLeftOut()
			}
			if (wantErr != nil) != (tt.want == "error") || (cut > 0) != (tt.want == "cut") {
				t.Fatalf("the case is not what it says: Encode: %v", wantErr)
			}
			got, err := transport.EncodeRange("inject-1", "execution_complete", n, rng, tt.max)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("EncodeRange: %v, want %v (Encode's)", err, wantErr)
			}
			if err != nil {
				return
			}
			if fmt.Sprint(got.PartialsLeftOut()) != fmt.Sprint(want.PartialsLeftOut()) ||
				fmt.Sprint(got.ExtrasLeftOut()) != fmt.Sprint(want.ExtrasLeftOut()) {
				t.Errorf("cut: partials %v, extras %v; want %v, %v", fmt.Sprint(got.PartialsLeftOut()), got.ExtrasLeftOut(),
					fmt.Sprint(want.PartialsLeftOut()), want.ExtrasLeftOut())
			}
			var bodies [][]byte
			for _, b := range want.Bodies() {
				bodies = append(bodies, bytes.Clone(b))
			}
			if got.Len() != len(bodies) {
				t.Fatalf("%d bodies, want %d", got.Len(), len(bodies))
			}
			for i, b := range got.Bodies() {
				if !bytes.Equal(b, bodies[i]) {
					t.Fatalf("body %d differs:\n got %.200s\nwant %.200s", i, b, bodies[i])
				}
			}
		})
	}
}

// partials returns n partial results.
func partials(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.0.0.1:%d/tcp open", 1000+i)
	}
	return out
}
