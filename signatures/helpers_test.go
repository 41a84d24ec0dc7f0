package signatures_test

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// pinnedResolver returns a Resolver that touches nothing of the machine:
// CONTAINER_IP yields v4, the interfaces yield v6, every other strategy is
// absent. calls counts how often the resolver was consulted.
func pinnedResolver(v4, v6 string, calls *int) signatures.Resolver {
	var mu sync.Mutex
	return signatures.Resolver{
		Getenv: func(key string) string {
			mu.Lock()
			defer mu.Unlock()
			if calls != nil {
				*calls++
			}
			if key == "CONTAINER_IP" {
				return v4
			}
			return ""
		},
		InterfaceAddrs: func() ([]netip.Addr, error) {
			if v6 == "" {
				return nil, errors.New("no interfaces")
			}
			return []netip.Addr{netip.MustParseAddr(v6)}, nil
		},
	}
}

// noLookup is a LookupHost that must not be reached.
func noLookup(t *testing.T) func(context.Context, string) ([]string, error) {
	return func(context.Context, string) ([]string, error) {
		t.Error("LookupHost called")
		return nil, errors.New("unexpected")
	}
}

// wantValidation checks that err is a *ValidationError for field and value,
// and that its message names both.
func wantValidation(t *testing.T, err error, field, value string) {
	t.Helper()
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want *ValidationError", err, err)
	}
	if ve.Field != field || ve.Value != value {
		t.Errorf("ValidationError{Field: %q, Value: %q}, want {%q, %q}", ve.Field, ve.Value, field, value)
	}
	msg := err.Error()
	// The message quotes the value, cut to MaxQuoted bytes; an address or
	// host name as ShownTarget shows it.
	shown := strconv.Quote(signatures.Shorten(value, signatures.MaxQuoted))
	switch field[strings.LastIndexByte(field, '.')+1:] {
	case "value", "target_ipv4", "target_ipv6", "target_hostname":
		shown = signatures.ShownTarget(value)
	}
	if !strings.Contains(msg, field) || (value != "" && !strings.Contains(msg, shown)) {
		t.Errorf("message %q does not name field %q and value %q", msg, field, value)
	}
	if msg != strings.ToLower(msg[:1])+msg[1:] || strings.HasSuffix(msg, ".") {
		t.Errorf("message %q: want lowercase start and no trailing period", msg)
	}
}

var t0 = time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC)

// batchOf builds m's pre-execution batch of cfgs, each target's source
// address that of its route when perRoute (signatures.PerRoute); the test
// fails on an error.
func batchOf(t testing.TB, m *signatures.Manager, perRoute bool, cfgs []signatures.Config) *signatures.Batch {
	t.Helper()
	var opts []signatures.BatchOption
	if perRoute {
		opts = append(opts, signatures.PerRoute(m.RouteSources()))
	}
	pre, err := m.Batch(len(cfgs), func(i int) signatures.Config { return cfgs[i] }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return pre
}
