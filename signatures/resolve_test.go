package signatures_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// env describes what each pinned strategy returns; a nil slice or an empty
// string with a non-nil error means the strategy fails.
type env struct {
	containerIP string
	hostname    string
	hostErr     error
	lookup      []string
	lookupErr   error
	hostnameI   string
	hostnameErr error
	ifaces      []string
	ifaceErr    error
}

// resolver returns a Resolver over e that records the strategies it runs, in
// order, into calls.
func (e env) resolver(t *testing.T, calls *[]string) signatures.Resolver {
	var mu sync.Mutex
	record := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		*calls = append(*calls, s)
	}
	return signatures.Resolver{
		Getenv: func(key string) string {
			record("getenv " + key)
			return e.containerIP
		},
		Hostname: func() (string, error) {
			record("hostname")
			return e.hostname, e.hostErr
		},
		LookupHost: func(ctx context.Context, host string) ([]string, error) {
			record("lookup " + host)
			if _, ok := ctx.Deadline(); !ok {
				t.Error("LookupHost called without a deadline")
			}
			return e.lookup, e.lookupErr
		},
		HostnameI: func(ctx context.Context, host string) (string, error) {
			record("hostname -i")
			if want := map[bool]string{true: e.hostname}[e.hostErr == nil]; host != want {
				t.Errorf("HostnameI asked for host name %q, want %q", host, want)
			}
			if _, ok := ctx.Deadline(); !ok {
				t.Error("HostnameI called without a deadline")
			}
			return e.hostnameI, e.hostnameErr
		},
		InterfaceAddrs: func() ([]netip.Addr, error) {
			record("interfaces")
			var out []netip.Addr
			for _, s := range e.ifaces {
				out = append(out, netip.MustParseAddr(s))
			}
			return out, e.ifaceErr
		},
	}
}

func TestResolverStrategies(t *testing.T) {
	errNo := errors.New("no")
	all := []string{"getenv CONTAINER_IP", "hostname", "lookup box", "hostname -i", "interfaces"}
	skipI := []string{"getenv CONTAINER_IP", "hostname", "lookup box", "interfaces"}
	tests := []struct {
		name      string
		env       env
		want      signatures.SourceIPs
		wantCalls []string
	}{
		{
			name:      "container ip wins",
			env:       env{containerIP: " 10.1.2.3\n", hostname: "box", lookup: []string{"192.0.2.10", "2001:db8::10"}, hostnameI: "192.0.2.20"},
			want:      signatures.SourceIPs{IPv4: "10.1.2.3", IPv6: "2001:db8::10"},
			wantCalls: skipI,
		},
		{
			name:      "container ip not an address falls through to the host name",
			env:       env{containerIP: "eth0", hostname: "box", lookup: []string{"192.0.2.10"}},
			want:      signatures.SourceIPs{IPv4: "192.0.2.10"},
			wantCalls: skipI,
		},
		{
			name:      "container ip of the wrong family is ignored",
			env:       env{containerIP: "2001:db8::99", hostname: "box", lookup: []string{"2001:db8::10", "192.0.2.10"}},
			want:      signatures.SourceIPs{IPv4: "192.0.2.10", IPv6: "2001:db8::10"},
			wantCalls: skipI,
		},
		{
			name:      "loopback host name falls through to hostname -i",
			env:       env{hostname: "box", lookup: []string{"127.0.1.1", "::1"}, hostnameI: "127.0.1.1 192.0.2.20 2001:db8::20\n"},
			want:      signatures.SourceIPs{IPv4: "192.0.2.20", IPv6: "2001:db8::20"},
			wantCalls: all,
		},
		{
			name:      "lookup failure falls through to hostname -i",
			env:       env{hostname: "box", lookupErr: errNo, hostnameI: "192.0.2.21"},
			want:      signatures.SourceIPs{IPv4: "192.0.2.21"},
			wantCalls: all,
		},
		{
			name: "hostname -i loopback falls through to interfaces",
			env: env{hostname: "box", lookup: []string{"127.0.0.1"}, hostnameI: "127.0.1.1",
				ifaces: []string{"127.0.0.1", "::1", "fe80::1", "169.254.3.4", "0.0.0.0", "192.0.2.30", "2001:db8::30"}},
			want:      signatures.SourceIPs{IPv4: "192.0.2.30", IPv6: "2001:db8::30"},
			wantCalls: all,
		},
		{
			name:      "hostname -i failure falls through to interfaces",
			env:       env{hostname: "box", lookupErr: errNo, hostnameErr: errNo, ifaces: []string{"192.0.2.31"}},
			want:      signatures.SourceIPs{IPv4: "192.0.2.31"},
			wantCalls: all,
		},
		{
			name:      "no host name skips the lookup",
			env:       env{hostErr: errNo, hostnameI: "192.0.2.22"},
			want:      signatures.SourceIPs{IPv4: "192.0.2.22"},
			wantCalls: []string{"getenv CONTAINER_IP", "hostname", "hostname -i", "interfaces"},
		},
		{
			name:      "ipv4-mapped lookup result",
			env:       env{hostname: "box", lookup: []string{"::ffff:192.0.2.40"}},
			want:      signatures.SourceIPs{IPv4: "192.0.2.40"},
			wantCalls: skipI,
		},
		{
			name:      "ipv6 never loopback nor link-local",
			env:       env{hostname: "box", lookup: []string{"::1", "fe80::1%eth0", "fe80::2"}, hostnameI: "fe80::3", ifaces: []string{"::1", "fe80::4"}},
			want:      signatures.SourceIPs{},
			wantCalls: all,
		},
		{
			name:      "nothing found",
			env:       env{hostErr: errNo, hostnameErr: errNo, ifaceErr: errNo},
			want:      signatures.SourceIPs{},
			wantCalls: []string{"getenv CONTAINER_IP", "hostname", "hostname -i", "interfaces"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			got := tt.env.resolver(t, &calls).Resolve()
			if got != tt.want {
				t.Errorf("Resolve() = %+v, want %+v", got, tt.want)
			}
			if !reflect.DeepEqual(calls, tt.wantCalls) {
				t.Errorf("strategies run:\n got %q\nwant %q", calls, tt.wantCalls)
			}
		})
	}
}

func TestResolverSkipsAbsentStrategies(t *testing.T) {
	if got := (signatures.Resolver{}).Resolve(); got != (signatures.SourceIPs{}) {
		t.Errorf("zero Resolver found %+v", got)
	}
	r := signatures.Resolver{Hostname: func() (string, error) { return "box", nil }} // no LookupHost
	if got := r.Resolve(); got != (signatures.SourceIPs{}) {
		t.Errorf("Resolver without LookupHost found %+v", got)
	}
	r = signatures.Resolver{LookupHost: noLookup(t)} // no Hostname
	r.Resolve()
}

func TestDefaultResolverHasEveryStrategy(t *testing.T) {
	r := signatures.DefaultResolver()
	v := reflect.ValueOf(r)
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			t.Errorf("DefaultResolver().%s is nil", v.Type().Field(i).Name)
		}
	}
}

func TestResolveSourceIPWarnsOnce(t *testing.T) {
	log, logs := testkit.Logger()
	var calls []string
	r := env{hostErr: errors.New("no"), hostnameErr: errors.New("no"), ifaces: []string{"127.0.0.1"}}.resolver(t, &calls)
	m := signatures.NewManager(signatures.WithLogger(log), signatures.WithResolver(r))

	for i := range 2 {
		got := m.ResolveSourceIP()
		if got.IPv4 != signatures.UnknownSourceIP || got.IPv6 != "" {
			t.Errorf("call %d: ResolveSourceIP() = %+v, want IPv4 %q", i, got, signatures.UnknownSourceIP)
		}
	}
	pre, err := m.CompilePre(signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, signatures.NetworkConfig{TargetIPv4: "10.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range pre {
		if s.SourceIPv4 != signatures.UnknownSourceIP {
			t.Errorf("pre[%d].SourceIPv4 = %q", i, s.SourceIPv4)
		}
	}
	if n := strings.Count(strings.Join(calls, ","), "interfaces"); n != 1 {
		t.Errorf("resolver ran %d times, want once per manager", n)
	}
	warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
	if len(warns) != 1 || logs.Len() != 1 {
		t.Fatalf("got %d warnings, %d entries; want exactly one warning", len(warns), logs.Len())
	}
	if !strings.Contains(warns[0].Message, "unknown") {
		t.Errorf("warning %q does not say the source is unknown", warns[0].Message)
	}
	if !strings.Contains(warns[0].ContextMap()["hint"].(string), "CONTAINER_IP") {
		t.Errorf("warning fields %v do not point at CONTAINER_IP", warns[0].ContextMap())
	}

	// A new manager has its own lifetime: it resolves and warns again.
	m2 := signatures.NewManager(signatures.WithLogger(log), signatures.WithResolver(r))
	for range 2 {
		if _, err := m2.CompilePre(signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 2 {
		t.Errorf("after a second manager: %d warnings, want 2", n)
	}
}

func TestResolveSourceIPFoundIsSilentAndCached(t *testing.T) {
	log, logs := testkit.Logger()
	var calls []string
	r := env{containerIP: "10.9.8.7", hostErr: errors.New("no"), ifaces: []string{"2001:db8::7"}}.resolver(t, &calls)
	m := signatures.NewManager(signatures.WithLogger(log), signatures.WithResolver(r))
	want := signatures.SourceIPs{IPv4: "10.9.8.7", IPv6: "2001:db8::7"}
	for range 3 {
		if got := m.ResolveSourceIP(); got != want {
			t.Errorf("ResolveSourceIP() = %+v, want %+v", got, want)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("logged %d entries, want none", logs.Len())
	}
	if len(calls) != 3 { // getenv, hostname, interfaces: once
		t.Errorf("strategies run %q, want one resolution", calls)
	}
}

// LookupHosts resolves with the Manager's resolver, each name once,
// several at once but at most 16, and all within one lookup timeout: a
// name that does not answer by then, or does not resolve, has no address.
func TestLookupHosts(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		slow  map[string]bool // names whose lookup never answers
		want  map[string][]netip.Addr
		calls int
	}{
		{"resolved, unmapped, once each", []string{"a.lan", "b.lan", "a.lan", "gone.lan"}, nil,
			map[string][]netip.Addr{"a.lan": {netip.MustParseAddr("127.0.1.1")}, "b.lan": {netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("::1")},
				"gone.lan": nil}, 3},
		{"a name that never answers", []string{"a.lan", "hang.lan"}, map[string]bool{"hang.lan": true},
			map[string][]netip.Addr{"a.lan": {netip.MustParseAddr("127.0.1.1")}, "hang.lan": nil}, 2},
		{"none", nil, nil, map[string][]netip.Addr{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				calls := 0
				r := signatures.Resolver{LookupHost: func(ctx context.Context, host string) ([]string, error) {
					mu.Lock()
					calls++
					mu.Unlock()
					switch {
					case tt.slow[host]:
						<-ctx.Done()
						return nil, ctx.Err()
					case host == "a.lan":
						return []string{"127.0.1.1"}, nil
					case host == "b.lan":
						return []string{"::ffff:127.0.0.2", "::1", "not an address"}, nil
					}
					return nil, errors.New("no such host")
				}}
				start := time.Now()
				got := signatures.NewManager(signatures.WithResolver(r)).LookupHosts(context.Background(), tt.names)
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("LookupHosts = %v, want %v", got, tt.want)
				}
				if calls != tt.calls {
					t.Errorf("%d lookups, want %d", calls, tt.calls)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("took %v, past the lookup timeout", d)
				}
			})
		})
	}
}

// LookupHosts looks 16 names up at once, no more, and a resolver without
// LookupHost resolves nothing.
func TestLookupHostsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		inFlight, most := 0, 0
		full, filled := make(chan struct{}), false
		r := signatures.Resolver{LookupHost: func(ctx context.Context, host string) ([]string, error) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			if inFlight == 16 && !filled { // once: later names may reach 16 at once again
				filled = true
				close(full)
			}
			mu.Unlock()
			select { // the first 16 wait for each other: one at a time would never get there
			case <-full:
			case <-ctx.Done():
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
			return []string{"192.0.2.1"}, nil
		}}
		var names []string
		for i := range 40 {
			names = append(names, fmt.Sprintf("h%d.lan", i))
		}
		got := signatures.NewManager(signatures.WithResolver(r)).LookupHosts(context.Background(), names)
		if len(got) != len(names) || most != 16 {
			t.Errorf("%d names resolved, at most %d at once; want %d, 16", len(got), most, len(names))
		}
	})
	got := signatures.NewManager(signatures.WithResolver(signatures.Resolver{})).LookupHosts(context.Background(), []string{"localhost"})
	if len(got) != 0 {
		t.Errorf("a resolver without LookupHost resolved %v", got)
	}
}
