package cli_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

// An extra JSON cannot encode (+Inf) loses no inject: run delivers it,
// printed or POSTed, as a failed outcome naming the extra and its value,
// without the extra, in both profiles.
func TestRunUnencodableExtraDeliveredAsFailed(t *testing.T) {
	reg := withExecutor("inf", func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{ExtraSignatures: map[string]any{"process_name": math.Inf(1), "kept": "yes"}}
	})
	const msg = `invalid extra_signatures.process_name "+Inf": cannot be encoded as JSON`
	// check: exit 3 (a failed outcome, delivered), the message on stderr,
	// body without the extra but with the other one.
	check := func(t *testing.T, r result, body string) {
		t.Helper()
		if r.code != cli.ExitFailed {
			t.Fatalf("exit %d, want %d (a failed outcome, delivered):\n%s", r.code, cli.ExitFailed, r.stderr)
		}
		if !strings.Contains(r.stderr, strings.ReplaceAll(msg, `"`, `\"`)) {
			t.Errorf("stderr does not say %s:\n%s", msg, r.stderr)
		}
		if strings.Contains(body, "process_name") || !strings.Contains(body, `"kept"`) {
			t.Errorf("want the other extra sent, process_name not:\n%s", body)
		}
	}
	t.Run("printed", func(t *testing.T) {
		r := run(t, reg, nil, "run", "inf", "--target", "127.0.0.1", "--inject-id", "nan-1")
		var body map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &body); err != nil {
			t.Fatalf("exit %d, stdout %q: %v\n%s", r.code, r.stdout, err, r.stderr)
		}
		if v := bodyValues(t, body, 0); v["execution_status"] != "failed" {
			t.Errorf("execution_status %v, want failed", v["execution_status"])
		}
		check(t, r, r.stdout)
	})
	t.Run("posted", func(t *testing.T) {
		be := newBackend(t, http.StatusOK)
		r := run(t, reg, nil, "run", "inf", "--target", "127.0.0.1", "--inject-id", "nan-1", "--backend-url", be.URL)
		raw, _ := json.Marshal(be.only(t).Body)
		check(t, r, string(raw))
	})
	t.Run("openaev profile", func(t *testing.T) {
		r := run(t, reg, nil, "run", "inf", "--profile", "openaev", "--target", "127.0.0.1", "--inject-id", "nan-1", "--log-level", "error")
		if r.code != cli.ExitFailed {
			t.Fatalf("exit %d, want %d:\n%s", r.code, cli.ExitFailed, r.stderr)
		}
		lines := printedLines(t, r.stdout)
		done := lines[len(lines)-1].Body
		if m, _ := done["execution_message"].(string); done["execution_status"] != "ERROR" || !strings.Contains(m, msg) {
			t.Errorf("complete %v, want an ERROR saying %s", done, msg)
		}
		if strings.Contains(r.stdout, "+Inf\"}") || strings.Contains(r.stdout, `"process_name"`) {
			t.Errorf("the extra was sent:\n%s", r.stdout)
		}
	})
}
