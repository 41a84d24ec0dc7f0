package noop_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

func TestConformance(t *testing.T) {
	frameworktest.Conformance(t, noop.New(), signatures.NetworkConfig{TargetIPv4: "127.0.0.1"})
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		outcome string
		want    signatures.ExecutionStatus
	}{
		{"success", signatures.StatusSuccess},
		{"partial", signatures.StatusPartial},
		{"failed", signatures.StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			ex := noop.New()
			in := frameworktest.Inject(t, ex, signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"})
			in.Params.(*noop.Params).Outcome = tt.outcome
			if err := framework.CheckParams(ex, in.Params); err != nil {
				t.Fatal(err)
			}
			if got := ex.Execute(context.Background(), in).ExecutionStatus(); got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
		})
	}
	if err := framework.CheckParams(noop.New(), &noop.Params{Outcome: "maybe"}); err == nil {
		t.Error("outcome maybe accepted")
	}
}

// In a synctest bubble the hour of delay costs nothing: once Execute
// waits on it, its partials are reported, and the cancellation ends it.
func TestDelayReportsPartialsAndHonoursCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := noop.New()
		in := frameworktest.Inject(t, ex, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.NetworkConfig{TargetHostname: "web.example.com"})
		in.Params.(*noop.Params).Delay = time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan framework.ToolOutput, 1)
		go func() { done <- ex.Execute(ctx, in) }()
		synctest.Wait() // Execute is waiting on its delay
		want := []string{"127.0.0.1 pending", "web.example.com pending"}
		if got := in.PartialResults(); !slices.Equal(got, want) {
			t.Errorf("partial results while waiting = %v, want %v", got, want)
		}
		select {
		case out := <-done:
			t.Fatalf("Execute returned %s before the cancellation", out.ExecutionStatus())
		default:
		}
		cancel()
		out := <-done
		if out.ExecutionStatus() != signatures.StatusTimeout {
			t.Errorf("status = %s, want timeout", out.ExecutionStatus())
		}
		if got := in.PartialResults(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("partial results = %v, want %v", got, want)
		}
	})
}

// A timed-out run over external targets narrowed from one query they
// share: each target's signatures carry the one partial result noop
// reported for it, however many targets share the query, and a query of
// several words names its target too.
func TestTimeoutPartialResultPerExternalTarget(t *testing.T) {
	narrowed := func(n int, narrow func(c *signatures.ExternalConfig, i int)) []signatures.Config {
		out := make([]signatures.Config, n)
		for i := range out {
			c := signatures.ExternalConfig{Query: "port:22"}
			narrow(&c, i)
			out[i] = c
		}
		return out
	}
	byIP := func(c *signatures.ExternalConfig, i int) { c.TargetIPv4 = fmt.Sprintf("192.0.2.%d", i+1) }
	byName := func(c *signatures.ExternalConfig, i int) { c.TargetHostname = fmt.Sprintf("h%d.example.com", i) }
	tests := []struct {
		name string
		cfgs []signatures.Config
	}{
		{"more than MaxNamedTargets narrowed by address", narrowed(signatures.MaxNamedTargets+4, byIP)},
		{"a few narrowed by address", narrowed(3, byIP)},
		{"narrowed by host name", narrowed(signatures.MaxNamedTargets+1, byName)},
		{"queries of several words", []signatures.Config{
			signatures.ExternalConfig{Query: "apache country:DE"},
			signatures.ExternalConfig{Query: "product: nginx", TargetIPv4: "192.0.2.1", TargetHostname: "web.example.com"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := noop.New()
			in := frameworktest.Inject(t, ex, tt.cfgs...)
			in.Params.(*noop.Params).Delay = time.Hour
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the deadline has passed once the partial results are reported
			out := ex.Execute(ctx, in)
			if out.ExecutionStatus() != signatures.StatusTimeout {
				t.Fatalf("status = %s, want timeout", out.ExecutionStatus())
			}
			m := signatures.NewManager(signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "127.0.0.1" }}))
			p, err := runtime.PayloadOf(m, in, out)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for i, pt := range p.Targets {
				var got []string
				for _, v := range pt.SignatureValues[0].Values {
					if v.SignatureType == signatures.FieldPartialResults {
						got = v.SignatureValue.([]string)
					}
				}
				if len(got) != 1 {
					t.Errorf("target %d (%+v): partial results %q, want its own one", i, tt.cfgs[i], got)
					continue
				}
				if j, dup := seen[got[0]]; dup {
					t.Errorf("targets %d and %d carry the same partial result %q, want each its own", j, i, got[0])
				}
				seen[got[0]] = i
			}
		})
	}
}

// TestValidateParsesNoTags checks that Params.Validate, run for every
// inject, checks the outcome without parsing the struct's tags again: it
// allocates nothing for a valid outcome, and names the field of a bad one.
func TestValidateParsesNoTags(t *testing.T) {
	tests := []struct {
		outcome string
		bad     bool
	}{
		{outcome: "success"},
		{outcome: "partial"},
		{outcome: "failed"},
		{outcome: "maybe", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			p := &noop.Params{Outcome: tt.outcome}
			err := p.Validate()
			var ve *signatures.ValidationError
			if tt.bad {
				if !errors.As(err, &ve) || ve.Field != "outcome" || ve.Value != tt.outcome {
					t.Fatalf("Validate = %v, want a validation error on outcome %q", err, tt.outcome)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate = %v", err)
			}
			if n := testing.AllocsPerRun(100, func() { _ = p.Validate() }); n != 0 {
				t.Errorf("Validate allocated %.0f times, want 0 (the params' tags parsed once)", n)
			}
		})
	}
}
