package openaev_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// serveOpts configure a serveEnv.
type serveOpts struct {
	version openaevtest.Version
	// injectors is the injectors setting ("" for the default selection).
	injectors string
	// outbox keeps the terminal callbacks in an outbox, of outboxMax
	// bytes when set.
	outbox    bool
	outboxMax int64
	// outboxDir, when set, is the directory of the outbox file (a test's
	// own tempdir otherwise).
	outboxDir string
	// shared opens the outbox as serve does, closed between operations,
	// waiting lockTimeout for another process's lock.
	shared      bool
	lockTimeout time.Duration
	// limit is the max payload size (0: the default).
	limit int64
	// platform holds options of the platform, applied after its version
	// (a version string given there wins).
	platform []openaevtest.Option
	// httpClient, when set, is the client's HTTP client.
	httpClient *http.Client
	// timeout, when set, is the client's limit of one attempt.
	timeout time.Duration
	// deliverer, when set, is the runtime's deliverer, given the outbox's.
	deliverer func(*outbox.Deliverer) runtime.Deliverer
	// window is the profile's ingestion window (0: none), its notes kept
	// in the outbox too; now, when set, the clock of the notes and the
	// outbox.
	window time.Duration
	now    func() time.Time
}

// serveEnv is what `injectkit serve` wires, over the strict stand-in: a
// client, the selected injectors' profile (through an outbox when asked),
// a processor, the serve Handler and Registrar.
type serveEnv struct {
	*env
	selected  []framework.Manifest
	store     *outbox.Store
	handler   *openaev.Handler
	registrar *openaev.Registrar
	metrics   *serve.Metrics
	prom      *prometheus.Registry
	wake      chan struct{}
	// largest is the most bytes a delivery's bodies needed in the outbox
	// (outbox.Deliverer's Sized), 0 before any.
	largest atomic.Int64
}

func newServeEnv(t *testing.T, o serveOpts) *serveEnv {
	t.Helper()
	p := openaevtest.NewPlatform(t, testToken, append([]openaevtest.Option{openaevtest.WithVersion(o.version)}, o.platform...)...)
	e := &env{platform: p, nmap: &fakeNmap{open: map[string][]int{"192.0.2.1": {22}}}}
	e.log, e.logs = testkit.Logger()
	opts := []openaev.Option{openaev.WithLogger(e.log), openaev.WithRetry(2, time.Millisecond)}
	if o.httpClient != nil {
		opts = append(opts, openaev.WithHTTPClient(o.httpClient))
	}
	if o.timeout > 0 {
		opts = append(opts, openaev.WithTimeout(o.timeout))
	}
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	e.registry = framework.NewRegistry()
	e.registry.Register("nmap", func() framework.Executor { return e.nmap })
	e.registry.Register("noop", func() framework.Executor { return noop.New() })
	s := &serveEnv{env: e, wake: make(chan struct{}, 1), prom: prometheus.NewRegistry()}
	s.metrics = serve.NewMetrics(s.prom)
	if s.selected, err = openaev.SelectInjectors(testManifests(), openaev.ParseInjectors(o.injectors)); err != nil {
		t.Fatal(err)
	}
	var popts []openaev.ProfileOption
	if o.limit > 0 {
		popts = append(popts, openaev.WithMaxPayloadSize(o.limit))
	}
	if o.outbox {
		if o.outboxDir == "" {
			o.outboxDir = t.TempDir()
		}
		if s.store, err = outbox.Open(filepath.Join(o.outboxDir, "outbox.db"), outbox.Options{Secrets: []string{testToken}, MaxBytes: o.outboxMax,
			Shared: o.shared, Timeout: o.lockTimeout, Now: o.now}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.store.Close() })
	}
	if o.window > 0 {
		popts = append(popts, openaev.WithIngestWindow(o.window))
		if s.store != nil {
			popts = append(popts, openaev.WithCompleteStore(s.store))
		}
	}
	if o.now != nil {
		popts = append(popts, openaev.WithClock(o.now))
	}
	e.profile = openaev.NewProfile(c, s.selected, e.log, popts...)
	var d runtime.Deliverer = e.profile
	var durable *outbox.Deliverer
	if o.outbox {
		durable = &outbox.Deliverer{Profile: e.profile, Store: s.store, Failed: s.wake}
		d = durable
		if o.deliverer != nil {
			d = o.deliverer(durable)
		}
	}
	e.proc = openaev.NewProcessor(newTestRuntime(e.registry, d, e.log), e.profile)
	s.handler = openaev.NewHandler(openaev.HandlerConfig{Processor: e.proc, Store: s.store, Wake: s.wake,
		RetryWait: time.Millisecond, Metrics: s.metrics, Log: e.log})
	if durable != nil {
		durable.Sized = func(ctx context.Context, n int64) func() { // as serve wires it, the largest size kept
			for l := s.largest.Load(); n > l && !s.largest.CompareAndSwap(l, n); l = s.largest.Load() {
			}
			return s.handler.Sized(ctx, n)
		}
		durable.Abort = s.handler.Abort()
	}
	s.registrar = openaev.NewRegistrar(c, s.selected)
	// As serve does before it consumes: the platform then holds the
	// contracts, and validates the outputs of their injects.
	if _, err := s.registrar.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// resender is the Resender the tests flush the outbox with: the
// profile's bodies, resent through its ResendPoster.
func (s *serveEnv) resender() *outbox.Resender {
	return &outbox.Resender{Store: s.store, Select: s.profile.Owns,
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: s.profile}, nil }}
}

// records returns the outbox's records by state.
func (s *serveEnv) records(t *testing.T) map[outbox.State]int {
	t.Helper()
	recs, err := s.store.List()
	if err != nil {
		t.Fatal(err)
	}
	out := map[outbox.State]int{}
	for _, r := range recs {
		out[r.State]++
	}
	return out
}

// storedComplete returns the stored "complete" of inject id.
func storedComplete(t *testing.T, s *serveEnv, id string) []byte {
	t.Helper()
	recs, err := s.store.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.InjectID == id && r.ChunkIndex == 0 {
			full, err := s.store.Get(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full.Body
		}
	}
	t.Fatalf("no stored complete of %s", id)
	return nil
}

// postStoredComplete posts the stored "complete" of inject id to the
// platform, as an attempt whose answer was lost would have; it stays
// stored, pending.
func (s *serveEnv) postStoredComplete(t *testing.T, id string) {
	t.Helper()
	if err := s.profile.PostBody(context.Background(), id, 0, storedComplete(t, s, id)); err != nil {
		t.Fatalf("the complete, posted: %v", err)
	}
}

// checkRefusedNamed checks how a message the daemon refused before
// decoding it is told: named (wantID not empty), it is logged as received
// with its inject id and gets a terminal INVALID_USAGE saying reason;
// naming no inject, nothing is logged as received and no callback is
// sent. It returns whether the message was named.
func (s *serveEnv) checkRefusedNamed(t *testing.T, wantID, reason string) bool {
	t.Helper()
	var named []any
	for _, e := range s.logs.FilterMessage("message received").All() {
		named = append(named, e.ContextMap()["inject_id"])
	}
	if want := map[bool][]any{true: {wantID}}[wantID != ""]; !slices.Equal(named, want) {
		t.Errorf("message received lines name %v, want %v", named, want)
	}
	term, ok := s.platform.Terminal("i-1")
	if wantID == "" {
		if ok {
			t.Errorf("a callback sent for a message naming no inject: %v", term.Body)
		}
		return false
	}
	if !ok || term.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(fmt.Sprint(term.Body["execution_message"]), reason) {
		t.Errorf("terminal callback %v, want an INVALID_USAGE saying %q", term.Body, reason)
	}
	return true
}

// noneDropped fails t for each callback p dropped, naming its kind and
// why.
func noneDropped(t *testing.T, p *openaevtest.Platform) {
	t.Helper()
	for _, c := range p.Dropped() {
		t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
	}
}
