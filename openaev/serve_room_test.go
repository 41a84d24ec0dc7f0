package openaev_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// callbackGate is a transport that holds each POST of a "complete"
// callback until open is called, saying on held which inject's it holds:
// a platform that does not answer, the results' bodies stored by then.
// It says so once an inject: a post held past the client's limit of one
// attempt (30 s, on a loaded machine) is tried again, and that try says
// nothing new (an earlier inject's, read as the one just run, failed the
// tests that wait on held).
type callbackGate struct {
	gate chan struct{}
	once sync.Once
	held chan string
	mu   sync.Mutex
	told map[string]bool // the injects said on held
}

func newCallbackGate() *callbackGate {
	return &callbackGate{gate: make(chan struct{}), held: make(chan string, 8), told: map[string]bool{}}
}

// first reports whether id's complete is held for the first time.
func (g *callbackGate) first(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.told[id] {
		return false
	}
	g.told[id] = true
	return true
}

func (g *callbackGate) open() { g.once.Do(func() { close(g.gate) }) }

func (g *callbackGate) RoundTrip(req *http.Request) (*http.Response, error) {
	_, id, ok := strings.Cut(req.URL.Path, "/callback/")
	if ok && req.Method == http.MethodPost && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		ok = bytes.Contains(body, []byte(`"execution_action":"complete"`))
	}
	if ok && req.Method == http.MethodPost {
		if g.first(id) {
			select {
			case g.held <- id:
			default:
			}
		}
		select {
		case <-g.gate:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestCallbackGateSaysEachInjectOnce checks the gate the room tests wait
// on: a "complete" tried again after its held try ended (the client's
// limit of one attempt passed) is held again but not said again on held,
// so that the next inject said is the next one held.
func TestCallbackGateSaysEachInjectOnce(t *testing.T) {
	gate := newCallbackGate()
	defer gate.open()
	post := func(id string) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel() // the try ended, as at the client's limit of one attempt
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/api/injects/execution/callback/"+id,
			strings.NewReader(`{"execution_action":"complete"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gate.RoundTrip(req); !errors.Is(err, context.Canceled) {
			t.Fatalf("held post of %s ended with %v, want its context's end", id, err)
		}
	}
	for _, id := range []string{"i-0", "i-0", "i-1", "i-0", "i-1"} {
		post(id)
	}
	var said []string
	for len(gate.held) > 0 {
		said = append(said, <-gate.held)
	}
	if !slices.Equal(said, []string{"i-0", "i-1"}) {
		t.Errorf("held said %v, want each inject once: [i-0 i-1]", said)
	}
}

// TestHandlerStoredResultFreesItsRoom is helper h219's finding: a result
// stored in the outbox kept the room its run reserved until its message's
// handling ended, its bytes counted twice (stored, and reserved) while the
// platform did not answer, so that the next inject was paused ("outbox
// full: 277 of 1024 bytes stored, 1024 reserved for 1 result in flight")
// with room for its result. The reservation now ends once the result is
// stored: the next inject runs when the bytes stored and the room it needs
// fit the bound, and both results are kept and delivered.
func TestHandlerStoredResultFreesItsRoom(t *testing.T) {
	const limit = 4 << 10 // the first run reserves all of it: 4 KiB
	gate := newCallbackGate()
	defer gate.open() // a failed test leaves no POST held
	s := newServeEnv(t, serveOpts{outbox: true, outboxMax: limit, httpClient: &http.Client{Transport: gate}})
	results := make(chan error, 2)
	handle := func(id string) {
		body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
		results <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	}
	go handle("i-0")
	if id := <-gate.held; id != "i-0" {
		t.Fatalf("held a callback of %s, want i-0's", id)
	}
	stored := s.storedBytes(t)
	if stored == 0 || 2*stored > limit {
		t.Fatalf("i-0's result stored in %d bytes: want some, and room for another as large in %d", stored, limit)
	}
	go handle("i-1")
	select {
	case err := <-results:
		var pe *serve.PauseError
		if errors.As(err, &pe) {
			t.Fatalf("i-1 paused beside i-0's stored result (%d of %d bytes): %v", stored, limit, err)
		}
		t.Fatalf("i-1 handled while i-0's callback is held: %v", err)
	case id := <-gate.held:
		if id != "i-1" {
			t.Fatalf("held a callback of %s, want i-1's", id)
		}
	}
	if now := s.storedBytes(t); now <= stored || now > limit {
		t.Errorf("with both results stored the outbox holds %d bytes, want more than %d, at most %d", now, stored, limit)
	}
	gate.open()
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("handled: %v, want each result delivered and its message acknowledged", err)
		}
	}
	for _, id := range []string{"i-0", "i-1"} {
		if _, ok := s.platform.Terminal(id); !ok {
			t.Errorf("the platform holds no terminal callback of %s", id)
		}
	}
	if n := s.storedBytes(t); n != 0 {
		t.Errorf("the outbox holds %d bytes once both were delivered, want 0", n)
	}
}

// TestIntegrationServeStoredResultFreesItsRoom is h219's run of serve
// on the real broker: one inject's result stored and its "complete" held
// by a platform that does not answer, the next inject published runs (its
// own "complete" posted) instead of pausing the consumption for want of
// room its result has; both are delivered once the platform answers.
func TestIntegrationServeStoredResultFreesItsRoom(t *testing.T) {
	broker, queue := integration(t)
	gate := newCallbackGate()
	defer gate.open()
	s := newServeEnv(t, serveOpts{outbox: true, outboxMax: 4 << 10, httpClient: &http.Client{Transport: gate}})
	d, _ := s.daemon(t, broker, queue)
	run(t, d)
	testkit.WaitFor(t, testkit.Hang, "a registration", func() bool { return len(s.platform.Registrations()) > 0 })
	publish := func(id string) {
		servetest.Publish(t, queue, s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	}
	publish("i-0")
	if id := <-gate.held; id != "i-0" {
		t.Fatalf("held a callback of %s, want i-0's", id)
	}
	publish("i-1")
	var held string
	testkit.WaitFor(t, testkit.Hang, "i-1's complete posted, or the consumption paused", func() bool {
		select {
		case held = <-gate.held:
			return true
		default:
			return servetest.Metric(t, s.prom, "injectkit_consumption_paused") == 1
		}
	})
	if held != "" && held != "i-1" {
		t.Fatalf("held a callback of %s, want i-1's", held)
	}
	if held != "i-1" {
		t.Fatalf("with i-0's result stored (%d of %d bytes): the consumption paused (%d WARN lines), want i-1 run",
			s.storedBytes(t), 4<<10, s.logs.FilterMessageSnippet("consumption paused").Len())
	}
	gate.open()
	for _, id := range []string{"i-0", "i-1"} {
		if _, err := s.platform.WaitTerminal(t.Context(), id); err != nil {
			t.Errorf("%s: %v, want its terminal callback", id, err)
		}
	}
}
