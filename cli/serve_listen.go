package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// checkListenAddr parses a listen address completely: empty (no HTTP
// server), or host:port with an optional host (an IP address or a host
// name) and a numeric port from 0 to 65535.
func checkListenAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, e.g. 127.0.0.1:9464 (\"\": no HTTP server)")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || port != strconv.FormatUint(n, 10) {
		return fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	if host == "" || !strings.ContainsAny(host, ":%") && validHostname(host) {
		return nil
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return fmt.Errorf("host %q: want an IP address or a host name", host)
	}
	return nil
}

// validHostname reports whether h is made of DNS labels: letters, digits
// and inner hyphens, at most 63 bytes each, 253 in all, the last one not
// all digits (256.0.0.1 is no host name).
func validHostname(h string) bool {
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if len(h) > 253 || strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// listenExposure says where a listen address that checkListenAddr
// accepted is reachable from: "" when from this host only (a loopback
// address, or no HTTP server), else what serve binds: "every interface"
// (no host, 0.0.0.0, ::) or "the interface of <address>". A host name is
// resolved with lookup, as net.Listen resolves it next; one that does not
// resolve is left to net.Listen to refuse (exit 1).
func listenExposure(ctx context.Context, addr string, lookup func(ctx context.Context, host string) ([]string, error)) string {
	host, _, err := net.SplitHostPort(addr)
	if addr == "" || err != nil {
		return ""
	}
	if host == "" {
		return "every interface"
	}
	hosts := []string{host}
	if _, err := netip.ParseAddr(host); err != nil {
		if hosts, err = lookup(ctx, host); err != nil {
			return ""
		}
	}
	for _, h := range hosts {
		ip, err := netip.ParseAddr(h)
		switch {
		case err != nil:
			return "the interfaces of " + host // not an address: said, not guessed
		case ip.Unmap().IsUnspecified():
			return "every interface"
		case !ip.Unmap().IsLoopback():
			return "the interface of " + ip.String()
		}
	}
	return ""
}

// warnListenAddr warns once, at start, when serve's listen address (addr,
// given at src) is reachable from other hosts: /healthz and /metrics are
// served without authentication, and say the broker's address, the
// outbox's path and the injectors served. A Prometheus server on another
// host scraping serve is a reason to bind so: warned, not refused.
func warnListenAddr(ctx context.Context, log *zap.Logger, addr string, src source, lookup func(ctx context.Context, host string) ([]string, error)) {
	on := listenExposure(ctx, addr, lookup)
	if on == "" {
		return
	}
	_, port, _ := net.SplitHostPort(addr)
	log.Warn(fmt.Sprintf("the listen address given by %s, %s, serves /healthz and /metrics without authentication on %s: "+
		"reachable from other hosts (they show the broker's address, the outbox's path and the injectors served); "+
		"give 127.0.0.1:%s unless that is intended (a Prometheus server on another host scraping serve, say)",
		src.named(), addr, on, port), zap.String("listen_addr", addr))
}

// listenHTTP binds addr, the address of /healthz and /metrics; nil for
// "" (no HTTP server).
func listenHTTP(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}
