package nmap

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// asRoot are root's privileges, as nmap and the kernel see them.
var asRoot = privileges{euid: 0, netRaw: true}

// asUser are those of a user without any capability.
var asUser = privileges{euid: 1000}

// fixedNow is the clock of every executor built by newTestExecutor.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newTestExecutor returns an executor whose runner is run, running as root,
// on a machine whose interfaces are lo (index 1) and eth0 (2).
func newTestExecutor(run runFunc) *Executor {
	e := New()
	e.run = run
	e.privileges = func() privileges { return asRoot }
	e.now = func() time.Time { return fixedNow }
	e.ifIndex = func(zone string) (int, error) {
		if i := slices.Index([]string{"", "lo", "eth0"}, zone); i > 0 {
			return i, nil
		}
		if i, err := strconv.Atoi(zone); err == nil && numericZone(zone) && i >= 1 && i <= 2 {
			return i, nil
		}
		return 0, errors.New("no such network interface")
	}
	e.routeTo = loopbackRoutes
	e.unanswered = func(netip.Addr) bool { return false } // no unit test reads the machine's table
	e.lookupIPv4 = func(context.Context, string) ([]netip.Addr, error) { return nil, errNoSuchHost }
	return e
}

// loopbackRoutes models the routes of the captures' machine, or of the
// network namespace of those that ran in one (no_route): loopback
// addresses are routed, no other.
// errNoSuchHost is the tests' resolver's answer for a name it does not
// know: no unit test asks the system's.
var errNoSuchHost = errors.New("no such host")

func loopbackRoutes(a netip.Addr) error {
	if a.Unmap().IsLoopback() {
		return nil
	}
	return syscall.ENETUNREACH
}

// call is one recorded runner invocation.
type call struct {
	Args  []string `json:"args"`
	Stdin string   `json:"stdin"`
}

// recorder wraps a runner and records its calls.
type recorder struct {
	mu    sync.Mutex
	calls []call
	next  runFunc
}

func (r *recorder) run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	in, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.calls = append(r.calls, call{Args: args, Stdin: string(in)})
	r.mu.Unlock()
	if r.next == nil {
		return nil
	}
	return r.next(ctx, args, strings.NewReader(string(in)), stdout, stderr)
}

func (r *recorder) Calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// neverRun is a runner that fails the test if nmap would be started.
func neverRun(t *testing.T) runFunc {
	return func(_ context.Context, args []string, _ io.Reader, _, _ io.Writer) error {
		t.Errorf("nmap was run with %q", args)
		return nil
	}
}

// newInject builds an inject over network targets given as values
// (classified like the CLI does), with an observed logger.
func newInject(t *testing.T, params *Params, values ...string) (*framework.Inject, *observer.ObservedLogs) {
	t.Helper()
	log, logs := testkit.Logger()
	opts := []frameworktest.InjectOption{frameworktest.WithParams(params), frameworktest.WithLogger(log)}
	for _, v := range values {
		opts = append(opts, frameworktest.WithTargets(signatures.ClassifyNetworkTarget(v)))
	}
	return frameworktest.InjectWith(t, New(), opts...), logs
}

// deadlineOn returns a context whose deadline passes when at delivers
// (its Err then context.DeadlineExceeded, as a deadline's), not at a time.
func deadlineOn[T any](t *testing.T, at <-chan T) context.Context {
	ctx := testkit.NewDeadline()
	stop := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		select {
		case <-at:
			ctx.Expire()
		case <-stop:
		}
	}()
	t.Cleanup(func() { close(stop); <-ended })
	return ctx
}
