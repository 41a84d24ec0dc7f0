package noop_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/injectors/noop"
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
