package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

func TestRunRejectsBadIDsBeforeRunning(t *testing.T) {
	req := func(id, phase string) runtime.Request {
		return runtime.Request{InjectID: id, Phase: phase, Injector: "fake", Targets: loopback()}
	}
	tests := []struct {
		name  string
		req   runtime.Request
		field string
		want  string
	}{
		{"control character in the inject id", req("f1\x01", ""), "inject_id", `"f1\x01": holds the non-printable character U+0001 at byte 2`},
		{"line break in the inject id", req("a\nb", ""), "inject_id", "U+000A"},
		{"DEL in the inject id", req("a\x7fb", ""), "inject_id", "U+007F"},
		{"format character in the inject id", req("a\u200bb", ""), "inject_id", "U+200B"},
		{"invalid UTF-8 in the inject id", req("f1\xff", ""), "inject_id", "not valid UTF-8"},
		{"inject id too long", req(strings.Repeat("i", 257), ""), "inject_id", "257 bytes long, at most 256"},
		{"blank inject id", req("  ", ""), "inject_id", "blank"},
		{"blank phase", req("i-1", " "), "phase", "blank"},
		{"line break in the phase", req("i-1", "x\ny"), "phase", `"x\ny"`},
		{"invalid UTF-8 in the phase", req("i-1", "exec\xff"), "phase", "not valid UTF-8"},
		{"phase too long", req("i-1", strings.Repeat("p", 300)), "phase", "300 bytes long"},
		{"non-ASCII inject id (it travels in a header)", req("é-ü", ""), "inject_id", `"é-ü": holds the non-ASCII character U+00E9 at byte 0`},
		{"non-ASCII phase", req("i-1", "été"), "phase", "non-ASCII character U+00E9"},
		{"asset with a terminal escape", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1", Asset: "\x1b]0;x\a"}}},
			"targets[0].asset", "non-printable character U+001B"},
		{"blank agent", runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}, {Value: "127.0.0.2", Agent: " "}}},
			"targets[1].agent", "blank"},
		{"negative timeout", runtime.Request{Injector: "fake", Targets: loopback(), Timeout: -5}, "timeout", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rejected(t, &frameworktest.Executor{}, tt.req)
			frameworktest.WantInvalid(t, err, tt.field)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error of %d bytes echoes too much", len(err.Error()))
			}
		})
	}
}

func TestRunAcceptsPrintableIDs(t *testing.T) {
	for _, id := range []string{strings.Repeat("i", 256), "a b", "e-u/?#%", "../../etc"} {
		rec := &recorder{}
		rt, _ := newRuntime(t, &frameworktest.Executor{}, rec)
		if _, err := rt.Run(context.Background(), runtime.Request{InjectID: id, Phase: id, Injector: "fake", Targets: loopback()}); err != nil {
			t.Errorf("%q: %v", id, err)
		}
		if len(rec.delivered()) != 1 {
			t.Errorf("%q: not delivered", id)
		}
	}
}

func TestRunReceivedRequestErrorIsARejection(t *testing.T) {
	ex := &frameworktest.Executor{}
	p := &profile{executorRan: func() bool { return len(ex.Calls()) > 0 }}
	tooBig := &runtime.RequestError{Err: errors.New("targets[0] too large")}
	p.receiveErr = tooBig
	rt, logs := newRuntime(t, ex, p)
	_, err := rt.Run(context.Background(), runtime.Request{InjectID: "i-5", Injector: "fake", Targets: loopback()})
	if !errors.Is(err, tooBig) {
		t.Fatalf("err = %v, want the hook's *RequestError", err)
	}
	if got, want := strings.Join(p.events, " | "), "received i-5 ran=false phase=execution_complete targets=1 | rejected i-5 received=false"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	if logs.FilterMessage("inject rejected").Len() != 1 || logs.FilterMessage("inject not received; not run").Len() != 0 {
		t.Error("want the refusal logged once as a rejection")
	}
}

// leastSizes is a Receiver that measures the least payload of each
// prepared inject.
type leastSizes struct {
	recorder
	sizes []int
}

func (l *leastSizes) Received(_ context.Context, p *runtime.Prepared) error {
	l.sizes = l.sizes[:0]
	for i, pt := range p.LeastPayloadTargets() {
		b, err := json.Marshal(pt)
		if err != nil || i != len(l.sizes) {
			return errors.New("bad least payload")
		}
		l.sizes = append(l.sizes, len(b))
	}
	return nil
}

// Whatever a run that ends returns, each target of the delivered payload
// takes at least the bytes its least payload takes, and exactly as many
// without partial results or extras; a failed run's takes one byte less
// per expectation type. Source addresses included, whatever the
// machine's (IPv4 and IPv6, IPv4 alone, none found).
func TestLeastPayloadTargetsIsALowerBound(t *testing.T) {
	targets := [][]runtime.TargetSpec{
		{{Value: "10.0.0.1", Asset: "asset-1", Agent: "agent-1"}, {Value: "fe80::1"}, {Value: "web.example.com", AssetGroup: "g"}},
		{{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3"}},
		{{Query: "apache", TargetIPv4: "10.0.0.2"}, {Query: "nginx"}},
	}
	crash := time.Date(1999, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339)
	outputs := []struct {
		out    framework.ToolOutput
		exact  bool // no partial results or extras: the payload is the least one
		failed bool // ... less one byte per expectation type
	}{
		{framework.ToolOutput{Status: framework.StatusSuccess}, true, false},
		{framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2, Message: "x", CrashTimestamp: crash}}, true, true},
		{framework.ToolOutput{Status: framework.StatusTimeout}, true, false},
		{framework.ToolOutput{Status: framework.StatusSuccess, ExtraSignatures: map[string]any{"k": 1},
			ExtraByType: framework.TypeExtras{framework.Detection: {"e": "v"}}}, false, false},
		{framework.ToolOutput{Status: "bogus"}, true, true}, // malformed: becomes failed
	}
	sources := map[string]signatures.Resolver{
		"ipv4 and ipv6": {Getenv: func(string) string { return "192.0.2.200" },
			InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("2001:db8::1234")}, nil }},
		"ipv4": {Getenv: func(string) string { return "10.0.0.9" }},
		"none": {},
	}
	for src, res := range sources {
		for _, ts := range targets {
			for _, o := range outputs {
				for _, types := range [][]string{nil, {"DETECTION", "PREVENTION", "VULNERABILITY"}} {
					l := &leastSizes{}
					ex := &frameworktest.Executor{Output: o.out}
					rt, _ := newRuntime(t, ex, l, runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(res))))
					rep, err := rt.Run(context.Background(), runtime.Request{InjectID: "i", Injector: "fake", ExpectationTypes: types, Targets: ts})
					if err != nil {
						t.Fatal(err)
					}
					if len(l.sizes) != len(ts) {
						t.Fatalf("%d least sizes for %d targets", len(l.sizes), len(ts))
					}
					for i, pt := range rep.PayloadTargets() {
						b, err := json.Marshal(pt)
						if err != nil {
							t.Fatal(err)
						}
						least := l.sizes[i]
						if o.failed {
							least -= max(len(types), 1)
						}
						if len(b) < least || o.exact && len(b) != least {
							t.Errorf("source %s, targets %v, output %+v: target %d takes %d bytes, its least %d", src, ts, o.out, i, len(b), least)
						}
					}
				}
			}
		}
	}
}
