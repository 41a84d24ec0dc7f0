package runtime_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
)

// callerToken is a secret of the runtime's caller (the backend's or the
// platform's token, another injector's Secret setting): no setting of the
// executor that returns it.
const callerToken = "CallerTok3nS3cretValue"

// echoing returns an output holding callerToken, as it is and encoded, in
// every part a wire profile sends or the outbox keeps; or it panics with
// it, in Execute or in ValidateTargets; or, with partial, it reports it
// as a partial result and waits for its deadline.
type echoing struct {
	panics, panicsValidating, partial bool
}

func (echoing) Manifest() framework.Manifest {
	return framework.Manifest{Name: "fake", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection}}
}

// leaked is callerToken as an executor may quote it: as it is, in base64
// (an Authorization header it logged) and URL-encoded.
func leaked() string {
	return callerToken + " " + base64.StdEncoding.EncodeToString([]byte("Bearer "+callerToken)) + " " + url.QueryEscape(callerToken)
}

func (e echoing) ValidateTargets([]framework.Target) error {
	if e.panicsValidating {
		panic("targets refused by " + leaked())
	}
	return nil
}

func (e echoing) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	switch {
	case e.panics:
		panic("environment: INJECTKIT_TOKEN=" + leaked())
	case e.partial:
		in.Partial("sent with " + leaked())
		<-ctx.Done()
		return framework.ToolOutput{}
	}
	return framework.ToolOutput{Status: framework.StatusFailed,
		ErrorInfo:       &framework.ErrorInfo{ExitCode: 1, Message: "request failed: " + leaked()},
		ExtraSignatures: map[string]any{"process_name": leaked()},
		ExtraByType:     framework.TypeExtras{framework.Detection: {"by_type": leaked()}},
		TargetExtras:    map[framework.Target]framework.TypeExtras{first: {framework.Detection: {"by_target": []any{leaked()}}}},
		Unreached:       map[framework.Target]string{first: "not reached: " + leaked()},
		Findings:        map[string]any{"summary": leaked(), leaked(): "key"}}
}

// What an executor returns holding a secret of the runtime's caller
// (WithLogRedaction's: the token the profiles send with, which the
// executor may read from the environment, or another injector's Secret
// setting) goes to the platform in its callbacks and to the outbox: it is
// redacted there as the executor's own Secret settings are, in its
// message, findings, extras, reasons and partial results, and in a
// panic's message, whatever the encoding.
func TestOutputRedactedOfTheCallersSecrets(t *testing.T) {
	tests := []struct {
		name string
		ex   echoing
		req  runtime.Request
	}{
		{"output", echoing{}, runtime.Request{}},
		{"Execute panics", echoing{panics: true}, runtime.Request{}},
		{"ValidateTargets panics", echoing{panicsValidating: true}, runtime.Request{}},
		{"partial results at the deadline", echoing{partial: true}, runtime.Request{Timeout: runtime.Duration(1)}},
	}
	red := httpx.NewRedactor(callerToken)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &recorder{}
			rt, _ := newRuntime(t, tt.ex, d, runtime.WithLogRedaction(red.Redact))
			req := tt.req
			req.InjectID, req.Injector, req.Targets = "i-caller", "fake", loopback()
			if _, err := rt.Run(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			r := d.delivered()[0]
			out, err := json.Marshal(struct {
				Output  framework.ToolOutput
				Partial []string
			}{r.Output, r.Partial})
			if err != nil {
				t.Fatal(err)
			}
			p, err := r.Payload()
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			for what, s := range map[string]string{"output": string(out), "payload": string(body)} {
				if red.Redact(s) != s {
					t.Errorf("the report's %s holds the caller's secret: %s", what, s)
				}
			}
			if !strings.Contains(string(out), httpx.Redacted) {
				t.Errorf("the output lost what held the secret instead of redacting it: %s", out)
			}
		})
	}
}

// A progress snapshot's Last, which run prints on a terminal as it
// comes, cut to the terminal's width, never shows a secret of the
// caller's, in any form: it is redacted as the output is.
func TestProgressLastRedactedOfTheCallersSecrets(t *testing.T) {
	var last runtime.Progress
	red := httpx.NewRedactor(callerToken)
	rt, _ := newRuntime(t, echoing{partial: true}, nil, runtime.WithLogRedaction(red.Redact),
		runtime.WithProgress(func(p runtime.Progress) { last = p }, time.Hour))
	req := runtime.Request{Injector: "fake", Targets: loopback(), Timeout: runtime.Duration(1)}
	if _, err := rt.Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !last.Done || red.Redact(last.Last) != last.Last || !strings.HasPrefix(last.Last, "sent with "+httpx.Redacted) {
		t.Errorf("last snapshot %+v, want its Last redacted of the caller's secret", last)
	}
}
