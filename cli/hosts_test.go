package cli_test

import (
	"context"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
)

// testHosts are the host names the cli's tests resolve, with their
// addresses (documentation and loopback ones): every run and serve of a
// test resolves with a hostsResolver over them, never the system resolver.
var testHosts = map[string][]string{"localhost": {"127.0.0.1", "::1"}}

// hostsResolver is the runtime's resolver in a test (cli.WithHosts): it
// answers the names it was given, the machine's own name does not resolve
// (the source address is CONTAINER_IP's, or an interface's), and any
// other name fails the test: with the system resolver it would have been
// a DNS query off loopback. It records the names asked.
type hostsResolver struct {
	t     *testing.T
	hosts map[string][]string
	self  string

	mu    sync.Mutex
	asked []string
}

func newHostsResolver(t *testing.T, hosts map[string][]string) *hostsResolver {
	self, _ := os.Hostname()
	return &hostsResolver{t: t, hosts: hosts, self: self}
}

// LookupHost is signatures.Resolver.LookupHost.
func (r *hostsResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	r.mu.Lock()
	r.asked = append(r.asked, host)
	r.mu.Unlock()
	if addrs, ok := r.hosts[host]; ok {
		return slices.Clone(addrs), nil
	}
	if host != r.self {
		r.t.Errorf("host name %q looked up: the test's resolver was not given it (with the system resolver, a DNS query)", host)
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Asked reports whether host was looked up.
func (r *hostsResolver) Asked(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.asked, host)
}

// scanner is a fake executor that sends to its targets' addresses, as
// nmap does (framework.DirectSender): the host names of its assets are
// resolved before the run.
type scanner struct{ *frameworktest.Executor }

func (scanner) SendsToTargets() bool { return true }

// A run resolves the host names of a scanner's assets with the runtime's
// resolver, the one a test gives (cli.WithHosts): a name it maps to
// loopback only is skipped, one it maps to a usable address is run on.
// The names are under .onion (RFC 7686), which the system resolver
// refuses without a query: a run that missed the test's resolver would
// send none either.
func TestRunResolvesAssetHostsWithTheTestsResolver(t *testing.T) {
	hosts := map[string][]string{"web01.onion": {"192.0.2.10"}, "loop.onion": {"127.0.0.1"}}
	tests := []struct {
		host string
		code int
		want string // in stdout, else in stderr
	}{
		{"web01.onion", cli.ExitOK, "scanner on web01.onion: succeeded"},
		{"loop.onion", cli.ExitUsage, "hostname loop.onion resolves to no usable address (127.0.0.1 is loopback)"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("scanner", func() framework.Executor {
					return scanner{&frameworktest.Executor{Category: framework.Network}}
				})
			})
			msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-hosts","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("scanner")+`"},"inject_content":{"target_selector":"assets","target_property_selector":"hostname",
				"expectations":[{"expectation_type":"DETECTION"}]}},
				"assets":[{"asset_id":"a1","asset_name":"one","asset_hostname":"`+tt.host+`","asset_ips":["192.0.2.1"],"asset_agents":[{"agent_id":"ag"}]}]}`)
			s := newSession(false, false)
			s.hosts = newHostsResolver(t, hosts)
			r := s.run(t, reg, "run", "scanner", "--openaev-message", msg, "--log-level", "error")
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
			if !s.hosts.Asked(tt.host) {
				t.Errorf("%s not resolved by the test's resolver", tt.host)
			}
		})
	}
}
