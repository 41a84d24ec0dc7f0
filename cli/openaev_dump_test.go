package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// `run --profile openaev --outbox none` whose platform fails every attempt
// of the "complete" prints, as what it did not deliver, the openaev
// profile's terminal callback: one "undelivered result" line holding the
// inject, the platform and the "complete" request as it was sent (a POST
// to the inject's callback path, its status and findings), which the
// platform processes when it is posted as printed. It printed the callback
// profile's payload instead ("undelivered signatures", a phase, and on
// 2.4.0, which takes no signatures, no target at all): the complete, its
// status and findings, were lost.
func TestRunOpenAEVDumpIsTheTerminalCallback(t *testing.T) {
	t.Parallel()
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			const id = "inj-dump"
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVersion(v))
			registered(t, p, platformToken, registry())
			p.AddInject(id, openaev.ContractID("noop"))
			p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
			r := runWith(t, cli.FastRetries(cli.Options{Registry: registry()}, time.Millisecond), nil,
				"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
				"--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
			if r.code != cli.ExitDelivery {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
			}
			if strings.Contains(r.stderr, "undelivered signatures") || strings.Contains(r.stderr, `"phase"`) {
				t.Errorf("the callback profile's dump printed:\n%s", testkit.Tail(r.stderr, 3))
			}
			dump := openAEVDump(t, r.stderr)
			var refused []byte
			for _, c := range p.Calls(id) {
				if c.Kind == openaevtest.KindComplete && c.Status == http.StatusServiceUnavailable {
					refused = c.Raw
				}
			}
			if dump.InjectID != id || dump.Platform != p.URL || len(dump.Delivered) != 0 || len(dump.Requests) != 1 || refused == nil {
				t.Fatalf("undelivered result %+v, want the one complete of inject %s to %s, none delivered", dump, id, p.URL)
			}
			rq := dump.Requests[0]
			if rq.Method != http.MethodPost || rq.Path != "/api/injects/execution/callback/"+id || !jsonEqual(t, rq.Body, refused) {
				t.Fatalf("printed %s %s %s\nwant POST /api/injects/execution/callback/%s %s", rq.Method, rq.Path, rq.Body, id, refused)
			}
			req, err := http.NewRequestWithContext(context.Background(), rq.Method, dump.Platform+rq.Path, bytes.NewReader(rq.Body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+platformToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if done, ok := p.Terminal(id); !ok || !done.Processed() || done.Body["execution_status"] != "SUCCESS" {
				t.Errorf("the printed complete, posted (%d), is not processed: %+v", resp.StatusCode, done)
			}
		})
	}
}

// The undelivered signatures run prints are redacted of its secrets, as
// its log lines are: a token an injector's output quotes is not printed.
// They were written to stderr as they were. (A target holding the token,
// how this was first seen, is refused before the run now.)
func TestRunDumpRedactsSecrets(t *testing.T) {
	t.Parallel()
	const tok = "dumpsecret-0123456789"
	be := newBackend(t, http.StatusBadRequest)
	reg := withExecutor("quoter", func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{ExtraSignatures: map[string]any{"seen": tok}}
	})
	r := run(t, reg, nil, "run", "quoter", "--inject-id", "inj-redact", "--target", "127.0.0.1",
		"--backend-url", be.URL, "--token", tok, "--outbox", "none", "--log-level", "error")
	if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, "undelivered signatures: {") {
		t.Fatalf("exit %d, want %d with the undelivered signatures; stderr:\n%s", r.code, cli.ExitDelivery, r.stderr)
	}
	if strings.Contains(r.stderr, tok) || !strings.Contains(r.stderr, `"[REDACTED]"`) {
		t.Errorf("the token is printed, or not redacted:\n%s", testkit.Tail(r.stderr, 2))
	}
}
