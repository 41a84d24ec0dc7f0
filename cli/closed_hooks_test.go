package cli_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// hookLedger records, for each executor a factory built, whether its
// Configure or Preflight was called and how many times it was closed.
type hookLedger struct {
	mu     sync.Mutex
	used   map[int]bool
	closed map[int]int
	built  int
}

func (l *hookLedger) factory() framework.Executor {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.built++
	return &hooked{l: l, id: l.built}
}

func (l *hookLedger) mark(id int, closed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if closed {
		l.closed[id]++
		return
	}
	l.used[id] = true
}

// unclosed returns how many executors had their hooks called, and those
// of them not closed exactly once.
func (l *hookLedger) unclosed() (int, map[int]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for id := range l.used {
		if l.closed[id] != 1 {
			out[id] = l.closed[id]
		}
	}
	return len(l.used), out
}

// hooked is an executor with a setting, a preflight and a Close, that
// tells its ledger of each.
type hooked struct {
	idle
	l  *hookLedger
	id int
}

func (*hooked) Manifest() framework.Manifest {
	return framework.Manifest{Name: "hooked", Category: framework.Network, Settings: []framework.Setting{
		{Key: "level", Env: "HOOKED_LEVEL", Default: "1", Doc: "a level"},
	}}
}
func (h *hooked) Configure(map[string]string) error { h.l.mark(h.id, false); return nil }
func (h *hooked) Preflight() error                  { h.l.mark(h.id, false); return nil }
func (h *hooked) Close() error                      { h.l.mark(h.id, true); return nil }

// bystander is a framework.Closer a command neither configures nor
// preflights: it counts its closes.
type bystander struct {
	idle
	closed *atomic.Int32
}

func (bystander) Manifest() framework.Manifest {
	return framework.Manifest{Name: "bystander", Category: framework.Network}
}
func (b bystander) Close() error { b.closed.Add(1); return nil }

// The executors serve's start and validate build to configure or
// preflight outside the runtime are closed once, as the runtime closes
// the one it builds for an inject (a framework.Closer may hold
// connections Configure opened); an injector they neither configure nor
// preflight (not served, not the inject's) is not closed.
func TestChecksCloseTheExecutorsTheyConfigure(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(t *testing.T, reg *framework.Registry)
	}{
		{"serve", func(t *testing.T, reg *framework.Registry) {
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "", "--injectors", "hooked,noop")
			startedOrExited(t, d, p)
			if len(p.Registrations()) == 0 {
				t.Fatalf("serve did not start:\n%s", d.stderr.String())
			}
		}},
		{"validate", func(t *testing.T, reg *framework.Registry) {
			r := run(t, reg, nil, "validate", "hooked", "--target", "127.0.0.1")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "valid:") {
				t.Fatalf("exit %d, stdout %q:\n%s", r.code, r.stdout, r.stderr)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &hookLedger{used: map[int]bool{}, closed: map[int]int{}}
			var other atomic.Int32
			tt.cmd(t, registry(func(r *framework.Registry) {
				r.Register("hooked", l.factory)
				r.Register("bystander", func() framework.Executor { return bystander{closed: &other} })
			}))
			if n := other.Load(); n != 0 {
				t.Errorf("an injector neither configured nor preflighted was closed %d times, want none", n)
			}
			used, u := l.unclosed()
			if used == 0 {
				t.Fatal("no Configure or Preflight called: the test checks nothing")
			}
			if len(u) != 0 {
				t.Errorf("executors configured or preflighted, by id, and the times each was closed (want 1): %v", u)
			}
		})
	}
}
