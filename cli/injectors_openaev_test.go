package cli_test

import (
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
	wants := []string{`invalid bad.platforms "linux": not an OpenAEV platform type`, `invalid bad.outputs.open "ports": not an OpenAEV output type`}

	bad, noop := badAndNoop(t, reg)
	for _, w := range append([]string{"OpenAEV refuses it: "}, wants...) {
		if !strings.Contains(bad, w) {
			t.Errorf("bad's entry does not say %q:\n%s", w, bad)
		}
	}
	if strings.Contains(bad+noop, "invalid manifest") || strings.Contains(noop, "OpenAEV refuses") {
		t.Errorf("marked otherwise:\n%s\n%s", bad, noop)
	}

	for _, e := range listInjectors(t, reg, nil) {
		for _, w := range wants {
			if got := strings.Contains(e.OpenAEVRefuses, w); got != (e.Name == "bad") {
				t.Errorf("%s: openaev_refuses %q; want %q in it: %v", e.Name, e.OpenAEVRefuses, w, e.Name == "bad")
			}
		}
	}

	r := run(t, reg, map[string]string{"COLUMNS": "100"}, "injectors", "bad")
	if r.code != cli.ExitOK || !strings.Contains(words(r.stdout), "OpenAEV refuses it") || !strings.Contains(words(r.stdout), wants[1]) {
		t.Errorf("injectors bad: exit %d, want 0 saying OpenAEV refuses it:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
