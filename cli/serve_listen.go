package cli

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
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
