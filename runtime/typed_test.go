package runtime_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Typed targets (Request.Typed, the CLI's targets file) run as the same
// targets written as specs: same payload, same signatures; they are
// checked the same way.
func TestTypedTargets(t *testing.T) {
	specs := []runtime.TargetSpec{{Value: "10.0.0.1", Asset: "a-1"}, {Value: "2001:db8::1"}, {Value: "web.example.com"}}
	typed := []framework.Target{
		{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "a-1"}},
		{Config: signatures.NetworkConfig{TargetIPv6: "2001:db8::1"}},
		{Config: signatures.NetworkConfig{TargetHostname: "web.example.com"}},
	}
	run := func(req runtime.Request) *runtime.Report {
		t.Helper()
		rt, _ := newRuntime(t, &frameworktest.Executor{}, nil)
		req.InjectID, req.Injector, req.ExpectationTypes = "inj-1", "fake", []string{"DETECTION", "PREVENTION"}
		r, err := rt.Run(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	want, got := run(runtime.Request{Targets: specs}), run(runtime.Request{Typed: typed})
	if !reflect.DeepEqual(payload(t, got), payload(t, want)) {
		t.Errorf("payload of typed targets:\n got %+v\nwant %+v", payload(t, got), payload(t, want))
	}
	for i := range specs {
		if g, w := got.Signature(i), want.Signature(i); !reflect.DeepEqual(g, w) {
			t.Errorf("signature %d: got %+v, want %+v", i, g, w)
		}
	}
	n := 0
	for i, s := range got.Signatures() {
		if i != n || s.ExecutionStatus != signatures.StatusSuccess || s.SourceIPv4 != "172.17.0.2" {
			t.Errorf("signature %d: %+v", i, s)
		}
		n++
	}
	if n != len(typed) {
		t.Errorf("%d signatures, want %d", n, len(typed))
	}

	refused := []struct {
		name string
		req  runtime.Request
		want string
	}{
		{"both", runtime.Request{Targets: specs, Typed: typed}, "not both"},
		{"invalid", runtime.Request{Typed: []framework.Target{typed[0], {Config: signatures.NetworkConfig{TargetIPv4: "10.0.0"}}}},
			"targets[1].target_ipv4"},
		{"no configuration", runtime.Request{Typed: []framework.Target{{}}}, "targets[0]"},
		{"mixed", runtime.Request{Typed: []framework.Target{typed[0], {Config: signatures.ExternalConfig{Query: "q"}}}},
			"one category"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.InjectID, tt.req.Injector = "inj-1", "fake"
			if err := rejected(t, &frameworktest.Executor{}, tt.req); !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want a *framework.RequestError with %q", err, tt.want)
			}
		})
	}
}
