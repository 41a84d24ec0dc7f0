package openaev_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// An asset's host name is resolved with the runtime's resolver (the one
// its signatures look routes up with) before it is taken as a target: a
// name that resolves only to loopback (the machine's own name, as
// /etc/hosts maps it) is skipped as a loopback address is, named in the
// trace, and an inject none of whose assets is left is refused, nothing
// run.
func TestProcessAssetNamedLoopbackIsSkipped(t *testing.T) {
	e := newEnv(t)
	lookup := func(_ context.Context, host string) ([]string, error) {
		switch host {
		case "box.lan":
			return []string{"127.0.1.1"}, nil
		case "web.lan":
			return []string{"192.0.2.20"}, nil
		}
		return nil, errors.New("no such host")
	}
	e.build(testManifests(), runtime.WithSignatures(signatures.NewManager(
		signatures.WithClock(func() time.Time { return testClock }),
		signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }, LookupHost: lookup}))))
	const skipped = "skipped: asset a-box (hostname box.lan resolves to no usable address (127.0.1.1 is loopback))"
	tests := []struct {
		id      string
		assets  []map[string]any
		status  string
		message string
		runs    int32
	}{
		{"inj-some", []map[string]any{asset("asset", "a-box", "box.lan", "", nil), asset("asset", "a-web", "web.lan", "", nil)},
			"INFO", "Running nmap on 1 target: web.lan; " + skipped, 1},
		{"inj-none", []map[string]any{asset("asset", "a-box", "box.lan", "", nil), asset("asset", "a-lo", "LOCALHOST.", "", nil)},
			"INVALID_USAGE", "no targets for selector assets (skipped: asset a-box (hostname box.lan resolves to no usable address " +
				"(127.0.1.1 is loopback)); asset a-lo (hostname LOCALHOST. is loopback))", 0},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			before := e.nmap.calls.Load()
			body := e.message(t, tt.id, "nmap", map[string]any{"target_selector": "assets", "target_property_selector": "hostname"}, tt.assets, nil)
			err := e.proc.Process(context.Background(), body)
			var me *openaev.MessageError
			if (tt.runs == 0) != errors.As(err, &me) {
				t.Fatalf("Process: %v", err)
			}
			calls := e.platform.Calls(tt.id)
			msg := calls[1].Body["execution_message"]
			if calls[1].Body["execution_status"] != tt.status || !strings.Contains(msg.(string), tt.message) {
				t.Errorf("%s %v, want %s %q", calls[1].Body["execution_status"], msg, tt.status, tt.message)
			}
			if n := e.nmap.calls.Load() - before; n != tt.runs {
				t.Errorf("%d runs, want %d", n, tt.runs)
			}
		})
	}
}

// An asset's host name is resolved before the run only for an injector
// that acts on its targets' addresses (a framework.DirectSender: nmap),
// the one whose scan of a name resolving to loopback would reach the
// injector's own host: for noop, which contacts no target, the resolver
// is never asked, and the name is its target all the same. For nmap it is
// asked once: the run's route lookups (the source of the name's
// signatures) take what was resolved before the run.
func TestProcessResolvesAssetNamesOnlyForADirectSender(t *testing.T) {
	tests := []struct {
		injector string
		asked    []string
	}{
		{"noop", nil},
		{"nmap", []string{"web.lan"}},
	}
	for _, tt := range tests {
		t.Run(tt.injector, func(t *testing.T) {
			e := newEnv(t)
			var (
				mu    sync.Mutex
				asked []string
			)
			lookup := func(_ context.Context, host string) ([]string, error) {
				mu.Lock()
				defer mu.Unlock()
				asked = append(asked, host)
				return []string{"192.0.2.20"}, nil
			}
			e.build(testManifests(), runtime.WithSignatures(signatures.NewManager(
				signatures.WithClock(func() time.Time { return testClock }),
				signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }, LookupHost: lookup,
					Route: func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("192.0.2.11"), nil }}))))
			id := "inj-" + tt.injector
			body := e.message(t, id, tt.injector, map[string]any{"target_selector": "assets", "target_property_selector": "hostname"},
				[]map[string]any{asset("asset", "a-web", "web.lan", "", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if calls := e.platform.Calls(id); calls[len(calls)-1].Body["execution_status"] != "SUCCESS" {
				t.Errorf("terminal callback %v, want SUCCESS", calls[len(calls)-1].Body)
			}
			if !slices.Equal(asked, tt.asked) {
				t.Errorf("resolver asked %q, want %q", asked, tt.asked)
			}
		})
	}
}
