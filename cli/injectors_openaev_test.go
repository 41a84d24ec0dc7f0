package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

// TestInjectorsMarkWhatOpenAEVRefuses: an injector valid for injectkit
// whose contract the platform would refuse (a platform "linux", an output
// type "ports") is listed marked with every problem, in text and in JSON
// (openaev_refuses), and `injectors bad` says so too; the listing exits
// 0, and the others are unmarked.
func TestInjectorsMarkWhatOpenAEVRefuses(t *testing.T) {
	reg, _ := badRegistry(framework.Manifest{Description: "a probe", Platforms: []string{"linux"},
		Outputs: []framework.Output{{Type: "ports", Field: "open"}}})
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	wants := []string{`invalid bad.platforms "linux": not an OpenAEV platform type`, `invalid bad.outputs.open "ports": not an OpenAEV output type`}

	r := run(t, reg, map[string]string{"COLUMNS": "100"}, "injectors")
	if r.code != cli.ExitOK {
		t.Fatalf("injectors: exit %d\n%s", r.code, r.stderr)
	}
	entries := strings.SplitAfter(r.stdout, "\nnoop")
	if len(entries) != 2 {
		t.Fatalf("injectors: no noop entry after bad's:\n%s", r.stdout)
	}
	for _, w := range append([]string{"OpenAEV refuses it: "}, wants...) {
		if !strings.Contains(words(entries[0]), w) {
			t.Errorf("bad's entry does not say %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "invalid manifest") || strings.Contains(entries[1], "OpenAEV refuses") {
		t.Errorf("marked otherwise:\n%s", r.stdout)
	}

	r = run(t, reg, nil, "injectors", "-o", "json")
	var list []struct {
		Name           string `json:"name"`
		OpenAEVRefuses string `json:"openaev_refuses"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); r.code != cli.ExitOK || err != nil {
		t.Fatalf("injectors -o json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	for _, e := range list {
		for _, w := range wants {
			if got := strings.Contains(e.OpenAEVRefuses, w); got != (e.Name == "bad") {
				t.Errorf("%s: openaev_refuses %q; want %q in it: %v", e.Name, e.OpenAEVRefuses, w, e.Name == "bad")
			}
		}
	}

	r = run(t, reg, map[string]string{"COLUMNS": "100"}, "injectors", "bad")
	if r.code != cli.ExitOK || !strings.Contains(words(r.stdout), "OpenAEV refuses it") || !strings.Contains(words(r.stdout), wants[1]) {
		t.Errorf("injectors bad: exit %d, want 0 saying OpenAEV refuses it:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
