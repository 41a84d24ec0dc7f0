package testkit

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
)

// SSHBanner is the greeting of an OpenSSH server: a Listen banner that
// nmap's service detection names ssh (OpenSSH 8.9p1).
const SSHBanner = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n"

// Listener is a TCP listener on a loopback address, closed with the test,
// with the connections it accepted.
type Listener struct {
	// Port is the port it listens on.
	Port     int
	accepted chan net.Conn
}

// Listen opens a TCP listener on addr (port 0: a free port) of network
// ("tcp4" or "tcp6"). It greets every connection with banner (nothing when
// empty) and keeps it open until the test ends. It fails t when it cannot
// listen; see NeedIPv6 for the IPv6 loopback.
//
// On a loopback address, a port it picks is also held closed on the other
// loopback (127.0.0.1 or ::1) for the whole test: a scan of both finds it
// open on one only, whatever else runs on the machine.
func Listen(t testing.TB, network, addr, banner string) *Listener {
	t.Helper()
	ln := listenOwned(t, network, addr)
	l := &Listener{Port: ln.Addr().(*net.TCPAddr).Port, accepted: make(chan net.Conn, 64)}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if banner != "" {
				_, _ = c.Write([]byte(banner))
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case l.accepted <- c:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l
}

// Accepted receives each connection the listener accepted (while fewer than
// 64 wait unreceived), already greeted; the listener closes it at the end
// of the test.
func (l *Listener) Accepted() <-chan net.Conn { return l.accepted }

// ClosedPort returns a port that stays closed, for the whole test, on the
// host of addr and, for a loopback host, on the other loopback too: bound,
// never listened on, so that nothing else takes it meanwhile.
func ClosedPort(t testing.TB, network, addr string) int {
	t.Helper()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("closed port on %s: %v", addr, err)
	}
	for try := 0; net.ParseIP(host) != nil && try < maxTries; try++ {
		port, release, err := reserve(net.ParseIP(host), 0)
		if err != nil {
			break // not supported here: a port nothing listens on for now
		}
		if holdOther(t, host, port) {
			t.Cleanup(release)
			return port
		}
		release()
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen %s %s: %v", network, addr, err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// maxTries bounds the picks of a port free on both loopbacks.
const maxTries = 20

// listenOwned listens on addr; a port it picks on a loopback host is held
// closed on the other loopback (see Listen).
func listenOwned(t testing.TB, network, addr string) net.Listener {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("listen %s %s: %v", network, addr, err)
	}
	for try := 1; ; try++ {
		ln, err := net.Listen(network, addr)
		if err != nil {
			t.Fatalf("listen %s %s: %v", network, addr, err)
		}
		if port != "0" || try == maxTries || holdOther(t, host, ln.Addr().(*net.TCPAddr).Port) {
			return ln
		}
		_ = ln.Close()
	}
}

// holdOther holds port closed on the other loopback than host (127.0.0.1
// for ::1 and the reverse) until the test ends, and reports whether it
// could: false when another socket has that port there. It reports true,
// holding nothing, for a host that is not a loopback address and where
// the other loopback does not exist.
func holdOther(t testing.TB, host string, port int) bool {
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return true
	}
	other := net.IPv6loopback
	if ip.To4() == nil {
		other = net.IPv4(127, 0, 0, 1)
	}
	_, release, err := reserve(other, port)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return false
	case err != nil:
		return true // no such loopback, or no reservation here
	}
	t.Cleanup(release)
	return true
}

// NeedIPv6 skips the test when the IPv6 loopback ::1 cannot be listened
// on.
func NeedIPv6(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback (%v)", err)
	}
	_ = ln.Close()
}

// SeenFrom connects over TCP to a listener on the loopback address addr
// and returns the address the listener sees the connection come from
// (unmapped: an IPv4 address as such): what a target at addr sees of
// this host. It skips the test when addr is an IPv6 address that cannot
// be listened on (no ::1), and fails it on any other error.
func SeenFrom(t testing.TB, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
			t.Skipf("cannot listen on %s: %v", addr, err)
		}
		t.Fatalf("listen on %s: %v", addr, err)
	}
	defer ln.Close()
	accepted := make(chan net.Addr, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c.RemoteAddr()
		c.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ra, ok := (<-accepted).(*net.TCPAddr)
	if !ok {
		t.Fatal("connection not accepted")
	}
	return ra.AddrPort().Addr().Unmap().String()
}
