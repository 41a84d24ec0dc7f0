package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// A timed-out run's partial results can make a target too large for any
// body though its size check passed (they are known only after the run):
// they are cut to fit, the first ones kept and one line saying how many
// were left out, and the other targets are sent whole. A target too large
// even without them is still refused.
func TestEncodeCutsPartialResultsToFit(t *testing.T) {
	post := func(host string, partials int) signatures.Signature {
		s := signatures.Signature{TargetHostname: host, StartTime: "2026-12-01T10:00:00Z",
			EndTime: "2026-12-01T10:00:01Z", ExecutionStatus: signatures.StatusTimeout}
		for i := range partials {
			s.PartialResults = append(s.PartialResults, fmt.Sprintf("%s:%d/tcp open", host, 1000+i))
		}
		return s
	}
	const limit = 2048
	tests := []struct {
		name     string
		host     string // of the first target
		partials int
		wantErr  bool
		cut      bool
	}{
		{"few partial results: sent whole", "a.example.com", 3, false, false},
		{"many partial results: cut to fit", "a.example.com", 200, false, true},
		{"too large without them: refused", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." +
			strings.Repeat("c", 63) + "." + strings.Repeat("d", 61), 200, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sigs := []signatures.Signature{post(tt.host, tt.partials), post("b.example.com", 2)}
			targets := []signatures.Attribution{{Asset: strings.Repeat("x", 800)}, {Asset: "b"}}
			if tt.wantErr {
				targets[0].Asset = strings.Repeat("x", 1700)
			}
			seq, err := signatures.PayloadTargets(sigs, targets,
				[]signatures.ExpectationType{signatures.Detection, signatures.Prevention}, nil)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := Encode("inj", "post", seq, limit)
			if tt.wantErr {
				if !errors.Is(err, ErrTargetTooLarge) {
					t.Fatalf("Encode: %v, want a target too large", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			var first, second []string
			for _, b := range enc.Bodies() {
				if len(b) > limit {
					t.Errorf("body of %d bytes, over %d", len(b), limit)
				}
				var doc struct {
					Signature struct {
						Targets []struct {
							Target signatures.Attribution `json:"signature_target"`
							Values []struct {
								Values []struct {
									Type  string `json:"signature_type"`
									Value any    `json:"signature_value"`
								} `json:"values"`
							} `json:"signature_values"`
						} `json:"targets"`
					} `json:"expectation_signature"`
				}
				if err := json.Unmarshal(b, &doc); err != nil {
					t.Fatal(err)
				}
				for _, tg := range doc.Signature.Targets {
					for _, v := range tg.Values[0].Values {
						if v.Type != signatures.FieldPartialResults {
							continue
						}
						lines := partialLines(v.Value)
						if tg.Target.Asset == "b" {
							second = lines
						} else {
							first = lines
						}
					}
				}
			}
			if len(second) != 2 {
				t.Errorf("the other target's partial results %q, want its 2", second)
			}
			switch {
			case !tt.cut && len(first) != tt.partials:
				t.Errorf("partial results %d, want all %d", len(first), tt.partials)
			case tt.cut && (len(first) < 2 || !strings.Contains(first[len(first)-1], "more left out") ||
				first[0] != "a.example.com:1000/tcp open"):
				t.Errorf("partial results %q, want the first ones and a line saying how many were left out", first)
			}
			// What a deliverer logs: the results cut (those not sent) and
			// the targets they were cut from.
			left, cutTargets := enc.PartialsLeftOut()
			wantLeft, wantTargets := 0, 0
			if tt.cut {
				wantLeft, wantTargets = tt.partials-(len(first)-1), 1
			}
			if left != wantLeft || cutTargets != wantTargets {
				t.Errorf("PartialsLeftOut %d results of %d targets, want %d of %d", left, cutTargets, wantLeft, wantTargets)
			}
			if got := enc.MaxPayloadSize(); got != limit {
				t.Errorf("MaxPayloadSize %d, want %d", got, limit)
			}
		})
	}
}
