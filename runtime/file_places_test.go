package runtime_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/runtime"
)

// DecodeInjectFile says where the file writes each value a later error
// may name (Places), and Each gives the line each target starts on.
func TestInjectFilePlaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	data := "\ufeff" + `{"injector": "noop",
 "inject_id": "i-1", "phase": "execution_complete",
 "expectation_types": ["DETECTION",
   "PREVENTION"],
 "targets": [{"value": "10.0.0.1"}, {"value": "10.0.0.2"},
   {
     "value": "10.0.0.3"
   },
   {"value": "10.0.0.4"}],
 "params": {"ports": "22",
   "creds": {"user": "u"}, "odd key": 1}}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, targets, err := runtime.DecodeInjectFile(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ field, want string }{
		{"inject_id", ":2:15"},
		{"phase", ":2:31"},
		{"expectation_types", ":3:23"},
		{"expectation_types[1]", ":4:4"},
		{"params.ports", ":10:22"},
		{"params.creds", ":11:13"},
		{"params.creds.user", ":11:13"}, // within a param: the param
		{"params.odd key", ":11:39"},
		{"params.missing", ""},
		{"targets[0].value", ""}, // Each's lines
		{"timeout", ""},
	}
	for _, tt := range tests {
		if got, want := targets.Places().Of(tt.field), "inject file "+path+tt.want; got != want {
			t.Errorf("Of(%s) = %q, want %q", tt.field, got, want)
		}
	}
	var lines []int
	if err := targets.Each(func(_ runtime.TargetSpec, line int) error {
		lines = append(lines, line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 5, 6, 9}; !slices.Equal(lines, want) {
		t.Errorf("targets start on lines %v, want %v", lines, want)
	}
	if got := (runtime.FilePlaces{}).Of("phase"); !strings.HasPrefix(got, "inject file") {
		t.Errorf("the zero FilePlaces names %q", got)
	}
}
