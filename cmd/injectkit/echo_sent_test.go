package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// `run --profile openaev -o json` with a backend URL prints the requests
// the platform got from it, each as sent: run again (--rerun-finished),
// it reads the inject's stored findings (POST /api/findings/injects/{id}/
// search, a read) and its complete leaves out those stored. The search
// was printed, and the complete as built, the stored finding in it.
func TestBinaryOpenAEVOutputJSONIsWhatWasSent(t *testing.T) {
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVersion(openaevtest.Current))
	registerContracts(t, p)
	const id = "inj-echo"
	p.AddInject(id, openaev.ContractID("noop"))
	box := filepath.Join(t.TempDir(), "outbox.db")
	args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", p.URL, "--token", platformToken, "--outbox", box, "-o", "json", "--rerun-finished"}
	for i, what := range []string{"first run", "run again"} {
		before := len(p.Calls(id))
		code, out, errs := injectkit(t, nil, args...)
		if code != cli.ExitOK {
			t.Fatalf("%s: exit %d: %s", what, code, errs)
		}
		calls := p.Calls(id)[before:]
		if i == 1 && !strings.Contains(errs, "findings left out: the platform already stores them") {
			t.Fatalf("%s left out no stored finding: %s", what, errs)
		}
		var sent []string
		for _, c := range calls {
			if c.Method == http.MethodPost && c.Kind != openaevtest.KindFindings && c.Kind != openaevtest.KindTargets {
				sent = append(sent, c.Path+" "+string(c.Raw))
			}
		}
		var printed []string
		for line := range strings.Lines(out) {
			var req struct {
				Path string          `json:"path"`
				Body json.RawMessage `json:"body"`
			}
			if err := json.Unmarshal([]byte(line), &req); err != nil {
				t.Fatalf("%s: stdout line %q: %v", what, line, err)
			}
			printed = append(printed, req.Path+" "+string(req.Body))
		}
		if len(sent) == 0 || !slices.Equal(printed, sent) {
			t.Errorf("%s printed\n%s\nthe platform got\n%s", what, strings.Join(printed, "\n"), strings.Join(sent, "\n"))
		}
	}
}
