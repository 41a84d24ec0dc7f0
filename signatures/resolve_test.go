package signatures_test

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"

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
		HostnameI: func(ctx context.Context) (string, error) {
			record("hostname -i")
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
