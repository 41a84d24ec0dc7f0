package cli

import (
	"context"
	"errors"
	"testing"
)

// listenExposure reads a checked listen address: loopback (any of
// 127.0.0.0/8, ::1, an IPv4-mapped one) or no HTTP server is this host's
// alone; no host, 0.0.0.0 and :: are every interface; any other address is
// its interface's; a host name is what it resolves to, and one that does
// not resolve is left to net.Listen.
func TestListenExposure(t *testing.T) {
	names := map[string][]string{
		"localhost":       {"127.0.0.1", "::1"},
		"metrics.lan":     {"127.0.0.1", "192.0.2.9"},
		"any.example":     {"0.0.0.0"},
		"loopback6.local": {"::1"},
	}
	lookup := func(_ context.Context, host string) ([]string, error) {
		if a, ok := names[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	for addr, want := range map[string]string{
		"": "", "127.0.0.1:9464": "", "127.1.2.3:0": "", "[::1]:9464": "", "[::ffff:127.0.0.1]:9464": "",
		"localhost:9464": "", "loopback6.local:9464": "", "nowhere.example:9464": "",
		":9100": "every interface", "0.0.0.0:9464": "every interface", "[::]:9464": "every interface",
		"[::ffff:0.0.0.0]:9464": "every interface", "any.example:9464": "every interface",
		"192.0.2.7:9464": "the interface of 192.0.2.7", "[fe80::1%eth0]:9464": "the interface of fe80::1%eth0",
		"[2001:db8::1]:9464": "the interface of 2001:db8::1", "metrics.lan:9464": "the interface of 192.0.2.9",
	} {
		if err := checkListenAddr(addr); err != nil {
			t.Fatalf("checkListenAddr(%q): %v", addr, err)
		}
		if got := listenExposure(context.Background(), addr, lookup); got != want {
			t.Errorf("listenExposure(%q) = %q, want %q", addr, got, want)
		}
	}
}
