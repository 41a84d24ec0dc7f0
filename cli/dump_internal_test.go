package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// badJSON is a profile's account of a result that cannot be encoded, its
// error naming a secret.
type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("token hunter2 in the way") }

// TestDumpNeverSilent is reviewer r17's finding: dump printed nothing
// when the report's payload could not be built or its JSON not encoded,
// though what nothing delivered nor kept is "never lost silently". It
// now prints one line all the same, redacted, naming the inject, its
// status and targets and why its signatures are missing; a profile that
// cannot say what it did not deliver has the whole payload printed, as
// callback.Whole gives it.
func TestDumpNeverSilent(t *testing.T) {
	target := framework.Target{Config: signatures.NetworkConfig{TargetHostname: "db.example"}, Attribution: signatures.Attribution{Asset: "a-1"}}
	tests := []struct {
		name string
		r    *runtime.Report
		of   undeliveredOf
		// want are the line's prefix and the fields of its JSON.
		prefix string
		want   map[string]any
	}{
		{"payload not built (no expectation type)",
			&runtime.Report{InjectID: "i-1", Injector: "noop", Status: signatures.StatusSuccess, Targets: []framework.Target{target}}, nil,
			"undelivered signatures: ", map[string]any{"inject_id": "i-1", "injector": "noop", "status": "success",
				"targets":     []any{target.String()},
				"not_printed": "the signatures could not be printed: invalid expectation_types: at least one expectation type is required"}},
		{"the profile's account not encoded",
			&runtime.Report{InjectID: "i-2", Injector: "noop", Status: signatures.StatusSuccess, Targets: []framework.Target{target}},
			func(*runtime.Report, error) (any, error) { return badJSON{}, nil },
			"undelivered result: ", map[string]any{"inject_id": "i-2", "injector": "noop", "status": "success",
				"targets":     []any{target.String()},
				"not_printed": "the signatures could not be printed: json: error calling MarshalJSON for type cli.badJSON: token [REDACTED] in the way"}},
		{"the profile cannot say: the whole payload",
			&runtime.Report{InjectID: "i-3", Phase: "post", Types: []framework.ExpectationType{signatures.Detection}},
			func(*runtime.Report, error) (any, error) { return nil, errors.New("not planned") },
			"undelivered signatures: ", map[string]any{"inject_id": "i-3", "phase": "post", "expectation_signature": map[string]any{"targets": []any{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			v := &runView{o: Options{Stderr: &stderr}, redact: strings.NewReplacer("hunter2", "[REDACTED]").Replace}
			if tt.of != nil {
				v.dumpWith(struct{}{}, tt.of)
				v.delivers = "result"
			}
			v.dump(tt.r, errors.New("answer 503"))
			line, ok := strings.CutPrefix(stderr.String(), tt.prefix)
			if !ok || strings.Count(line, "\n") != 1 {
				t.Fatalf("stderr %q, want one line %q…", stderr.String(), tt.prefix)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(tt.want)
			if string(gb) != string(wb) {
				t.Errorf("printed %s\nwant    %s", gb, wb)
			}
		})
	}
}
