package frameworktest_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// Conformance names the params of Options.Params it reports, never their
// values: a secret given there (an api_token) would land in the test's log.
func TestConformanceWithholdsRejectedParamValues(t *testing.T) {
	const secret = "tok_s3cr3t-value"
	msgs := check(t, func(tb testing.TB) {
		frameworktest.ConformanceWith(tb, &probe{}, frameworktest.Options{Params: map[string]any{"api_token": secret, "port": 22}})
	})
	named := false
	for _, m := range msgs {
		if strings.Contains(m, secret) {
			t.Errorf("Conformance reported the value of a param: %q", m)
		}
		named = named || strings.Contains(m, "Options.Params (api_token, port)")
	}
	if !named {
		t.Errorf("Conformance reported %q; want a failure naming Options.Params (api_token, port)", msgs)
	}
}

// TestConformanceManifestPanics: when Manifest panics, the manifest check
// fails saying so, and nothing says the executor has no manifest.
func TestConformanceManifestPanics(t *testing.T) {
	ex := &probe{manifest: func(*framework.Manifest) { panic("bad tag") }}
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		frameworktest.ConformanceWith(r, ex, fast)
	}()
	<-done
	if msgs := r.messages(); !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "Manifest panicked: bad tag") }) {
		t.Errorf("Conformance reported %q; want the panic of Manifest", msgs)
	}
	for _, l := range r.logged() {
		if strings.Contains(l, "does not implement") {
			t.Errorf("Conformance logged %q of an executor whose Manifest panicked", l)
		}
	}
}

// TestConformanceNamesRejectedDefaults: when no Options.Params were
// given, the live injects' params are the defaults, and a refusal says so
// rather than blaming an empty "Options.Params ()" the test never set
// (tester t134, a default out of its range). The params group says it,
// once: the groups that run Execute are skipped (tester t157).
func TestConformanceNamesRejectedDefaults(t *testing.T) {
	ex := &probe{newParams: func() any { return &probeParams{Port: 0, Mode: "fast"} }}
	msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, fast) })
	named := false
	for _, m := range msgs {
		if strings.Contains(m, "Options.Params") {
			t.Errorf("Conformance blamed Options.Params, which were not given: %q", m)
		}
		named = named || strings.Contains(m, `the default params do not validate: invalid params.port "0": out of range`) &&
			strings.HasSuffix(m, "(the defaults are the values NewParams sets: make this one valid there)")
	}
	if !named {
		t.Errorf("Conformance reported %q; want the live injects' refusal of the default params", msgs)
	}
}

// TestConformanceBareDurationDefault: a time.Duration default written as
// a bare number in NewParams (Wait: 30) is 30ns, where --param wait=30
// and the inject file's "wait": 30 are 30s; the default ran at 30ns with
// no check saying so (tester t134). Conformance now reports a non-zero
// duration default under a millisecond, naming the param; one written
// with its unit passes.
func TestConformanceBareDurationDefault(t *testing.T) {
	for _, tt := range []struct {
		wait time.Duration
		want string // "" when nothing is reported of it
	}{
		{30, `param "wait": default 30ns: a bare number in a time.Duration is nanoseconds`},
		{999 * time.Microsecond, `param "wait": default 999µs`},
		{time.Millisecond, ""},
		{30 * time.Second, ""},
		{0, ""},
	} {
		t.Run(tt.wait.String(), func(t *testing.T) {
			ex := &probe{newParams: func() any { return &probeParams{Port: 8080, Mode: "fast", Wait: tt.wait} },
				manifest: func(m *framework.Manifest) {
					m.Params = framework.MustParamsSpec(&probeParams{Port: 8080, Mode: "fast", Wait: tt.wait})
				}}
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, fast) })
			reported := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, `param "wait"`) })
			switch {
			case tt.want == "" && reported:
				t.Errorf("Conformance reported %q; want nothing of wait", msgs)
			case tt.want != "" && !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.want) }):
				t.Errorf("Conformance reported %q; want %q", msgs, tt.want)
			}
		})
	}
}

// TestConformanceSuccessWithMessage: an Execute that returns a success
// with an ErrorInfo.Message (an error it met, the status left at its
// zero value) had the message sent nowhere: the openaev profile's
// terminal message says "succeeded", the default profile has no message,
// and no check said so (tester t134). Conformance now reports it; a
// partial run's or a failed run's message, and a success without one,
// pass.
func TestConformanceSuccessWithMessage(t *testing.T) {
	for _, tt := range []struct {
		name   string
		out    framework.ToolOutput
		report bool
	}{
		{"zero status", framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{Message: "connection refused on 127.0.0.1"}}, true},
		{"success", framework.ToolOutput{Status: framework.StatusSuccess, ErrorInfo: &framework.ErrorInfo{Message: "dial failed"}}, true},
		{"partial", framework.ToolOutput{Status: framework.StatusPartial, ErrorInfo: &framework.ErrorInfo{Message: "1 of 2 failed"}}, false},
		{"failed", framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "boom"}}, false},
		{"success, empty info", framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{}}, false},
		{"success", framework.ToolOutput{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ex := &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput { return tt.out }}
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, fast) })
			const want = "a successful run's ErrorInfo.Message reaches no platform"
			if got := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, want) }); got != tt.report {
				t.Errorf("Conformance reported %q; want %q reported: %v", msgs, want, tt.report)
			}
		})
	}
}

// secretProbe is a probe with a Secret setting, api_key, that its
// Execute hands to leak.
type secretProbe struct {
	probe
	key  string
	leak func(key string, in *framework.Inject) framework.ToolOutput
}

func (s *secretProbe) Manifest() framework.Manifest {
	m := s.probe.Manifest()
	m.Settings = []framework.Setting{{Key: "api_key", Env: "PROBE_API_KEY", Secret: true, Doc: "API key"},
		{Key: "region", Default: "eu-west-1", Doc: "region"}}
	return m
}

func (s *secretProbe) Configure(settings map[string]string) error {
	s.key = settings["api_key"]
	return nil
}

func (s *secretProbe) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	return s.leak(s.key, in)
}

// TestConformanceSecretInOutput: an Execute that put the value of a
// Secret setting in its output (an error quoting the key, a finding)
// passed every check, the runtime silently replacing it by [REDACTED]
// in what it delivers (tester t134). Conformance now reports where the
// output holds it, never the value; a setting that is no secret, or an
// output without the value, passes.
func TestConformanceSecretInOutput(t *testing.T) {
	const key = "sk_live_0123456789abcdef"
	for _, tt := range []struct {
		name string
		leak func(key string, in *framework.Inject) framework.ToolOutput
		want string // "" when nothing is reported
	}{
		{"message", func(k string, _ *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "401 for key " + k}}
		}, "ErrorInfo.Message"},
		{"finding", func(k string, _ *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Findings: map[string]any{"requests": []any{map[string]any{"url": "https://api.example/?key=" + k}}}}
		}, "findings.requests"},
		{"extra", func(k string, _ *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{ExtraSignatures: map[string]any{"command_line": "probe --key " + k}}
		}, "extra_signatures.command_line"},
		{"partial result", func(k string, in *framework.Inject) framework.ToolOutput {
			in.Partial("127.0.0.1 answered " + k)
			return framework.ToolOutput{}
		}, "a partial result"},
		{"unreached", func(k string, in *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Status: framework.StatusPartial, Unreached: map[framework.Target]string{in.Targets[0]: "key " + k + " refused"}}
		}, "Unreached"},
		{"no secret", func(string, *framework.Inject) framework.ToolOutput {
			return framework.ToolOutput{Findings: map[string]any{"region": "eu-west-1"}}
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ex := &secretProbe{leak: tt.leak}
			o := fast
			o.Settings = map[string]string{"api_key": key}
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, o) })
			const what = "holds the value of the Secret setting api_key"
			reported := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, what) })
			for _, m := range msgs {
				if strings.Contains(m, key) {
					t.Errorf("Conformance quoted the secret: %q", m)
				}
			}
			switch {
			case tt.want == "" && reported:
				t.Errorf("Conformance reported %q; want nothing of the secret", msgs)
			case tt.want != "" && !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, what) && strings.Contains(m, tt.want) }):
				t.Errorf("Conformance reported %q; want %q naming %s", msgs, what, tt.want)
			}
		})
	}
}
