package openaev_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// heldWarnings returns the lines of lines that say a contract is held
// by another type's injector after this daemon registered.
func heldWarnings(lines []string) []string {
	return linesSaying(lines, "held by another binary's injector")
}

// TestRegistrarHeartbeatSeesAContractSharedSince: binary B's injector of
// another type registers A's contract after A's daemon registered (B
// unguarded): A's heartbeats, which B's overwrite, read the contracts
// again and the next one says it at WARN, once, naming B, and goes on
// registering; the contracts no longer shared, it forgets, and says it
// again when they are shared again.
func TestRegistrarHeartbeatSeesAContractSharedSince(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	ctx := context.Background()
	r, lines := registeredA(t, p)
	b := registeredB(t, p)
	for range 2 {
		if _, err := r.Register(ctx); err != nil {
			t.Fatalf("heartbeat: %v, want registered", err)
		}
	}
	warned := sharedWarnings(lines())
	if len(warned) != 1 {
		t.Fatalf("said %d times (%q), want once at the first heartbeat after B registered", len(warned), warned)
	}
	if !strings.HasPrefix(warned[0], zapcore.WarnLevel.String()) {
		t.Errorf("said as %q, want WARN", warned[0])
	}
	for _, want := range []string{openaev.ContractID("scan"), binaryBID, `"injectkit"`, "acme-scanner"} {
		if !strings.Contains(warned[0], want) {
			t.Errorf("WARN does not name %s: %s", want, warned[0])
		}
	}
	if got := contractLabel(t, p, openaev.ContractID("scan")); got != "Acme - scan" {
		t.Errorf("contract label %q, want A's: its heartbeat registered", got)
	}

	p.Unlink(binaryBID)
	if _, err := r.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Register(ctx, scanManifest(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sharedWarnings(lines())); n != 2 {
		t.Errorf("said %d times, want again once shared again", n)
	}
}
