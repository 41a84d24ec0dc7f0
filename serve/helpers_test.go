package serve_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// registrar is a fake platform: it answers every registration with reg, or
// err when one is set, and counts the calls.
type registrar struct {
	mu    sync.Mutex
	reg   serve.Registration
	err   error
	calls int
}

func (r *registrar) Register(ctx context.Context) (serve.Registration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return serve.Registration{}, r.err
	}
	return r.reg, nil
}

func (r *registrar) set(reg serve.Registration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reg, r.err = reg, err
}

func (r *registrar) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// start runs d until the test ends (or stop is called) and returns stop,
// which cancels Run and returns its error.
func start(t *testing.T, d *serve.Daemon) (stop func() error) {
	t.Helper()
	r := testkit.Go(t, "Run", d.Run)
	return func() error { return r.Stop(t) }
}

// waitFor waits up to 90 s for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, 90*time.Second, what, cond)
}

// proxy forwards loopback TCP connections to the broker, optionally
// terminating TLS, and can cut them all to simulate a broker loss, or
// freeze them: a broker that stops answering (a node stopped with SIGSTOP,
// a partition dropping packets), its connections left open.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	thawed chan struct{} // closed while the proxy forwards; replaced by freeze
	wire   wire          // what the daemon sent
}

func newProxy(t *testing.T, target string, cfg *tls.Config) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	p := &proxy{ln: ln, target: target, thawed: make(chan struct{})}
	close(p.thawed)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.thaw()
		p.cut()
	})
	return p
}

func (p *proxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// throughProxy puts a proxy (terminating TLS with cfg, when given) in
// front of the broker and registers the broker at the proxy's port, so
// that the test can cut the daemon's connections.
func (f *fixture) throughProxy(t *testing.T, cfg *tls.Config) *proxy {
	t.Helper()
	p := newProxy(t, servetest.Addr, cfg)
	b := f.reg.reg.Broker
	b.Port, b.TLS = p.port(), cfg != nil
	f.reg.set(serve.Registration{Broker: b, Queue: f.queue}, nil)
	return p
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(up, c, p.wire.reader())
		go p.pipe(c, up, nil)
	}
}

// pipe copies src to dst, holding what it read while the proxy is frozen,
// and closes dst once src ends; rec, when given, records what it read.
func (p *proxy) pipe(dst, src net.Conn, rec *frameReader) {
	defer dst.Close()
	if rec != nil {
		defer rec.end()
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if rec != nil {
			rec.read(buf[:n])
		}
		if n > 0 {
			p.mu.Lock()
			thawed := p.thawed
			p.mu.Unlock()
			<-thawed
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze stops forwarding, both ways, until thaw: the connections stay
// open and what either side sends is held.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default: // frozen already
	}
}

// thaw forwards again, what was held first.
func (p *proxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

// cut closes every connection through the proxy; new ones are accepted.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// selfSigned returns a server certificate for 127.0.0.1, signed by a CA of
// its own, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	ca := servetest.NewCA(t)
	return ca.Server(t, "injectkit test broker").Cert, ca.Pool
}

func hasLine(logs, substr string) bool {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}
