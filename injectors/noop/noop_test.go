package noop_test

import (
	"context"
	"testing"
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

func TestDelayReportsPartialsAndHonoursCancel(t *testing.T) {
	ex := noop.New()
	in := frameworktest.Inject(t, ex, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}, signatures.NetworkConfig{TargetHostname: "web.example.com"})
	in.Params.(*noop.Params).Delay = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan framework.ToolOutput, 1)
	go func() { done <- ex.Execute(ctx, in) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(in.PartialResults()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	out := <-done
	if out.ExecutionStatus() != signatures.StatusTimeout {
		t.Errorf("status = %s, want timeout", out.ExecutionStatus())
	}
	want := []string{"127.0.0.1 pending", "web.example.com pending"}
	if got := in.PartialResults(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("partial results = %v, want %v", got, want)
	}
}

// TestManifestContract: noop's contract holds nothing the platform could
// reject: no platform, no security platforms, one text output.
func TestManifestContract(t *testing.T) {
	m := noop.New().Manifest()
	if m.Platforms != nil || m.SecurityPlatforms != nil {
		t.Errorf("platforms %v, security platforms %v; want none", m.Platforms, m.SecurityPlatforms)
	}
	if len(m.Outputs) != 1 || m.Outputs[0].Type != "text" || m.Outputs[0].Field != "summary" {
		t.Errorf("outputs = %+v, want one text output summary", m.Outputs)
	}
}
