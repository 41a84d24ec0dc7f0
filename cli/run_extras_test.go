package cli_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
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

// panicJSON is a value whose MarshalJSON panics.
type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("marshal boom") }

// A finding whose MarshalJSON panics does not take the process down: the
// run fails naming the key and the panic (exit 3), the finding is left
// out and the others are delivered, on every path to the runtime (run,
// its openaev profile, a platform message as serve gets it).
func TestRunFindingWhoseMarshalJSONPanicsFailsTheRun(t *testing.T) {
	reg := withExecutor("boom", func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Findings: map[string]any{"results": "fine", "details": panicJSON{}}}
	})
	const msg = `invalid findings.details: cannot be encoded as JSON: encoding it panicked: marshal boom`
	message := oneAssetMessage(t, "inj-b", openaev.ContractID("boom"))
	tests := []struct {
		name    string
		args    []string
		openaev bool
	}{
		{"run", []string{"run", "boom", "--target", "127.0.0.1", "--inject-id", "b-1"}, false},
		{"openaev profile", []string{"run", "boom", "--profile", "openaev", "--target", "127.0.0.1", "--inject-id", "b-1"}, true},
		{"platform message", []string{"run", "--openaev-message", message}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, nil, tt.args...)
			if r.code != cli.ExitFailed {
				t.Fatalf("exit %d, want %d (a failed outcome, delivered):\n%s", r.code, cli.ExitFailed, r.stderr)
			}
			if !strings.Contains(r.stderr, msg) {
				t.Errorf("stderr does not say %s:\n%s", msg, r.stderr)
			}
			if !tt.openaev {
				return
			}
			lines := printedLines(t, r.stdout)
			done := lines[len(lines)-1].Body
			m, _ := done["execution_message"].(string)
			out, _ := done["execution_output_structured"].(string)
			if done["execution_status"] != "ERROR" || !strings.Contains(m, msg) || !strings.Contains(out, `"results":"fine"`) {
				t.Errorf("complete %v, want an ERROR saying %s with the other finding", done, msg)
			}
		})
	}
}

// serve runs an inject whose finding's MarshalJSON panics as run does: a
// terminal ERROR naming the key, the other findings sent; the daemon keeps
// serving (the next inject completes) and stops with exit 0.
func TestIntegrationServeFindingWhoseMarshalJSONPanics(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.AddInject("i-boom", openaev.ContractID("boom"))
	p.AddInject("i-noop", openaev.ContractID("noop"))
	reg := withExecutor("boom", func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Findings: map[string]any{"results": "fine", "details": panicJSON{}}}
	})
	d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--workers", "1", "--log-format", "json", "--injectors", "boom", "--injectors", "noop")
	waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })
	boom := openaevtest.Message(openaevtest.QueuedInject{ID: "i-boom", ContractID: openaev.ContractID("boom"),
		Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}})
	servetest.Publish(t, queue, boom, noopMessage(t, "i-noop", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, id := range []string{"i-boom", "i-noop"} {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("no terminal callback for %s: %v; stderr:\n%s", id, err, d.stderr)
		}
	}
	done, _ := p.WaitTerminal(ctx, "i-boom")
	const msg = `invalid findings.details: cannot be encoded as JSON: encoding it panicked: marshal boom`
	m, _ := done.Body["execution_message"].(string)
	out, _ := done.Body["execution_output_structured"].(string)
	if done.Body["execution_status"] != "ERROR" || !strings.Contains(m, msg) || !strings.Contains(out, `"results":"fine"`) {
		t.Errorf("complete %v, want an ERROR saying %s with the other finding", done.Body, msg)
	}
	if code := d.Stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, d.stderr)
	}
}
