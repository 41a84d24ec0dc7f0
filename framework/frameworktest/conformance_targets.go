package frameworktest

import (
	"errors"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// checkLiveTargets checks the live injects' targets once (liveTargets),
// for every group that runs Execute: a target refused, or a
// ValidateTargets that rejects or panics, was reported by each of them,
// with the panic's stack each time (tester t157). c.targets is left nil
// when they are refused: those groups are skipped.
func (c *checker) checkLiveTargets(t testing.TB) {
	t.Helper()
	c.targets = c.liveTargets(t)
}

// liveTargets returns Options.Targets, or one target of the manifest's
// category.
func (c *checker) liveTargets(t testing.TB) []signatures.Config {
	t.Helper()
	targets := c.o.Targets
	if len(targets) == 0 {
		switch c.m.Category {
		case framework.Cloud:
			targets = []signatures.Config{signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1"}}
		case framework.External:
			targets = []signatures.Config{signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"}}
		default:
			targets = []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}
		}
	}
	for i, cfg := range targets {
		if err := cfg.Validate(); err != nil {
			t.Fatalf("target %d: %v", i, err)
		}
		if c.m.Category != "" && cfg.Category() != c.m.Category {
			t.Errorf("target %d is a %s target; the manifest declares %s", i, cfg.Category(), c.m.Category)
		}
	}
	if v, ok := c.ex.(framework.TargetsValidator); ok {
		in := c.inject(t, targets)
		err := hook.Call(c.o.Name, "ValidateTargets", func() error { return v.ValidateTargets(in.Targets) })
		var pe *hook.PanicError
		if errors.As(err, &pe) {
			t.Fatalf("%v\n%s", pe, pe.Stack)
		}
		if err != nil {
			t.Fatalf("ValidateTargets rejected the live targets (give valid ones in Options.Targets): %v", err)
		}
	}
	return targets
}
