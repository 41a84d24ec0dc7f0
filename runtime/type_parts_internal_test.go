package runtime

import (
	"fmt"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// waitingConfig is a network configuration whose check waits until the
// check of another target has started (wait), or says that it has (tell).
type waitingConfig struct {
	signatures.NetworkConfig
	wait, tell chan struct{}
}

func (c waitingConfig) Validate() error {
	if c.tell != nil {
		close(c.tell)
	}
	if c.wait != nil {
		<-c.wait
	}
	return c.NetworkConfig.Validate()
}

// netTargets returns n typed IPv4 targets.
func netTargets(n int) []framework.Target {
	targets := make([]framework.Target, n)
	for i := range targets {
		targets[i].Config = signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("10.%d.%d.%d", i>>14&255, i>>6&255, i&63+1)}
	}
	return targets
}

// TestTypeTargetsInParts checks that the targets of a large request are
// checked on more than one core at once: the check of the second target
// waits for that of the last one to start, which, checked in order, never
// would (the bubble's goroutines all blocked: the test fails).
func TestTypeTargetsInParts(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(2))
	synctest.Test(t, func(t *testing.T) {
		targets := netTargets(1 << 16) // parts of a few thousand targets at least
		last := make(chan struct{})
		targets[1].Config = waitingConfig{NetworkConfig: targets[1].Config.(signatures.NetworkConfig), wait: last}
		n := len(targets) - 1
		targets[n].Config = waitingConfig{NetworkConfig: targets[n].Config.(signatures.NetworkConfig), tell: last}
		p := &Prepared{Request: Request{Typed: targets}}
		if err := p.typeTargets(); err != nil {
			t.Fatal(err)
		}
		if len(p.Targets) != len(targets) || p.category != framework.Network {
			t.Errorf("%d targets of category %q, want %d of network", len(p.Targets), p.category, len(targets))
		}
	})
}

// TestTypeTargetsPartsAsInOrder checks that targets checked in parts
// give what a check in order gives: the first bad target's error
// whatever part a later bad one is in, and the canonical form of a target
// of any part in a copy, the request's slice left as it was.
func TestTypeTargetsPartsAsInOrder(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(4))
	n := 1 << 16 // four parts (four cores), each of n/4
	for _, tc := range []struct {
		name    string
		bad     map[int]signatures.Config
		wantErr string
	}{
		{name: "bad in the first and the last part", bad: map[int]signatures.Config{
			n/4 + 3: signatures.NetworkConfig{TargetIPv4: "10.0.0"},
			n - 2:   signatures.NetworkConfig{TargetIPv4: "10.1"}},
			wantErr: fmt.Sprintf("targets[%d]", n/4+3)},
		{name: "bad in the last part only", bad: map[int]signatures.Config{
			n - 2: signatures.NetworkConfig{TargetIPv4: "10.1"}},
			wantErr: fmt.Sprintf("targets[%d]", n-2)},
		{name: "another category in a later part than a bad one", bad: map[int]signatures.Config{
			n / 2:     signatures.NetworkConfig{TargetIPv4: "10.0.0"},
			3 * n / 4: signatures.ExternalConfig{Query: "q"}},
			wantErr: fmt.Sprintf("targets[%d]", n/2)},
		{name: "another category before a bad one", bad: map[int]signatures.Config{
			5:     signatures.ExternalConfig{Query: "q"},
			n / 4: signatures.NetworkConfig{TargetIPv4: "10.0.0"}},
			wantErr: "targets[5]"},
		{name: "none bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			targets := netTargets(n)
			for i, c := range tc.bad {
				targets[i].Config = c
			}
			// Not in canonical form: an IPv4-mapped IPv6 address, in the
			// last part.
			mapped := signatures.NetworkConfig{TargetIPv6: "::ffff:10.200.0.1"}
			targets[n-1].Config = mapped
			p := &Prepared{Request: Request{Typed: targets}}
			err := p.typeTargets()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			case tc.wantErr != "":
				return
			}
			if got := p.Targets[n-1].Config; got != (signatures.NetworkConfig{TargetIPv4: "10.200.0.1"}) {
				t.Errorf("last target %#v, want its canonical form", got)
			}
			if targets[n-1].Config != mapped || &p.Targets[0] == &targets[0] {
				t.Error("the request's slice was changed, or not copied")
			}
		})
	}
}

// BenchmarkTypeTargets types a million typed network targets, as `run`
// does twice (its checks, then the run) for a targets file of that size.
func BenchmarkTypeTargets(b *testing.B) {
	targets := netTargets(1 << 20)
	for b.Loop() {
		p := &Prepared{Request: Request{Typed: targets}}
		if err := p.typeTargets(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTypeTargetsPartPanics checks that a target whose check panics (a
// nil pointer configuration) in a later part panics in the caller's
// goroutine, where a check in order panics, not in a part's, which would
// end the process whatever the caller recovers.
func TestTypeTargetsPartPanics(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(4))
	targets := netTargets(1 << 16)
	targets[len(targets)-1].Config = (*signatures.NetworkConfig)(nil)
	p := &Prepared{Request: Request{Typed: targets}}
	defer func() {
		if recover() == nil {
			t.Error("no panic for a nil pointer configuration")
		}
	}()
	_ = p.typeTargets()
}

// panickingConfig is a network configuration whose check panics.
type panickingConfig struct{ signatures.NetworkConfig }

func (panickingConfig) Validate() error { panic("validate exploded") }

// TestTypeTargetsPartPanicKeepsItsStack checks that a panic of a target's
// check in a part of a large request, re-raised in the caller's
// goroutine, still carries the stack of the part where it happened: a
// caller that logs it with zap.Any, as serve's handler does, logs the
// panicking method, and its message is the panic's value.
func TestTypeTargetsPartPanicKeepsItsStack(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(4))
	targets := netTargets(1 << 16)
	targets[len(targets)-2].Config = panickingConfig{}
	p := &Prepared{Request: Request{Typed: targets}}
	v := func() (v any) {
		defer func() { v = recover() }()
		_ = p.typeTargets()
		return nil
	}()
	if v == nil {
		t.Fatal("no panic")
	}
	core, logs := observer.New(zap.DebugLevel)
	zap.New(core).Error("handler panic", zap.Any("panic", v))
	f := logs.All()[0].ContextMap()
	if f["panic"] != "validate exploded" {
		t.Errorf("panic logged as %q, want the value", f["panic"])
	}
	if stack, _ := f["panicVerbose"].(string); !strings.Contains(stack, "panickingConfig.Validate") {
		t.Errorf("the logged panic names no panickingConfig.Validate: %v", f)
	}
}

// countingConfig is a network configuration whose check counts itself in
// checked, after waiting for gate when it has one (and saying so on
// reached).
type countingConfig struct {
	signatures.NetworkConfig
	checked       *atomic.Int64
	reached, gate chan struct{}
}

func (c countingConfig) Validate() error {
	if c.gate != nil {
		close(c.reached)
		<-c.gate
	}
	c.checked.Add(1)
	return c.NetworkConfig.Validate()
}

// TestTypeTargetsPartsStopAfterAnEarlierFailure checks that once a part
// has failed, the later parts check no more targets: their outcome could
// not win. The second part's second target, if the second part gets
// there, is held until the first part failed at targets[1]; no target of
// the second part is checked after it, and the error is targets[1]'s.
func TestTypeTargetsPartsStopAfterAnEarlierFailure(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(2))
	synctest.Test(t, func(t *testing.T) {
		n := 1 << 16 // two parts (two cores): [1, n/2) and [n/2, n)
		targets := netTargets(n)
		targets[1].Config = signatures.NetworkConfig{TargetIPv4: "10.0.0"}
		var checked atomic.Int64
		reached, gate := make(chan struct{}), make(chan struct{})
		for i := n / 2; i < n; i++ {
			c := countingConfig{NetworkConfig: targets[i].Config.(signatures.NetworkConfig), checked: &checked}
			if i == n/2+1 {
				c.reached, c.gate = reached, gate
			}
			targets[i].Config = c
		}
		p := &Prepared{Request: Request{Typed: targets}}
		done := make(chan error)
		go func() { done <- p.typeTargets() }()
		var before int64
		var err error
		select {
		case <-reached:
			synctest.Wait() // the first part failed and ended, the second held
			before = checked.Load()
			close(gate)
			err = <-done
		case err = <-done: // the second part stopped before its second target
		}
		if err == nil || !strings.Contains(err.Error(), "targets[1]") {
			t.Fatalf("error %v, want targets[1]'s", err)
		}
		if got := checked.Load() - before; got > 1 {
			t.Errorf("%d targets checked once the first part had failed, want the one in progress at most", got)
		}
	})
}

// TestTypeTargetsPartsPanicAgainstError checks that a panic and an error
// in different parts have the in-order outcome: the earlier one's, a
// panic only when it comes first.
func TestTypeTargetsPartsPanicAgainstError(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(4))
	n := 1 << 16 // four parts (four cores), each of n/4
	bad := signatures.NetworkConfig{TargetIPv4: "10.0.0"}
	for _, tc := range []struct {
		name      string
		at        map[int]signatures.Config
		wantPanic bool
		wantErr   string
	}{
		{name: "error in the first part, panic in the last", at: map[int]signatures.Config{3: bad, n - 2: panickingConfig{}},
			wantErr: "targets[3]"},
		{name: "panic in the second part, error in the third", at: map[int]signatures.Config{n/4 + 5: panickingConfig{}, n/2 + 5: bad},
			wantPanic: true},
		{name: "error and panic in one part, the error first", at: map[int]signatures.Config{n/2 + 1: bad, n/2 + 2: panickingConfig{}},
			wantErr: fmt.Sprintf("targets[%d]", n/2+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			targets := netTargets(n)
			for i, c := range tc.at {
				targets[i].Config = c
			}
			p := &Prepared{Request: Request{Typed: targets}}
			var err error
			v := func() (v any) {
				defer func() { v = recover() }()
				err = p.typeTargets()
				return nil
			}()
			if (v != nil) != tc.wantPanic {
				t.Fatalf("panic %v, want one: %t", v, tc.wantPanic)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error %v, want %s's", err, tc.wantErr)
			}
		})
	}
}
