package openaev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// traceGate is an HTTP transport that holds the nth per-target trace (a
// callback naming execution_context_identifiers) until release is
// closed, closing held once it holds it.
type traceGate struct {
	n       int32
	seen    atomic.Int32
	held    chan struct{}
	release chan struct{}
}

func newTraceGate(n int32) *traceGate {
	return &traceGate{n: n, held: make(chan struct{}), release: make(chan struct{})}
}

func (g *traceGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil && strings.Contains(r.URL.Path, "/execution/callback/") {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
		if bytes.Contains(b, []byte(`"execution_context_identifiers"`)) && g.seen.Add(1) == g.n {
			close(g.held)
			select {
			case <-g.release:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestTerminalCallbackStoredBeforeTargetTraces holds the third per-target
// trace of an inject on 40 assets whose signatures take several bodies:
// meanwhile the platform has no completion and, through the outbox, every
// terminal body (the "complete" and its "data") is stored already, so
// that a process killed while it sends the traces leaves them for a
// flush. Once released, the traces all precede the one completion on the
// wire, the platform stores the signatures one unbounded body carries,
// and the outbox is empty.
func TestTerminalCallbackStoredBeforeTargetTraces(t *testing.T) {
	const limit, targets = 4 << 10, 40
	want := unbounded(t, targets)
	for _, durable := range []bool{true, false} {
		name := "no outbox"
		if durable {
			name = "outbox"
		}
		t.Run(name, func(t *testing.T) {
			gate := newTraceGate(3)
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", limit: limit,
				outbox: durable, httpClient: &http.Client{Transport: gate}})
			body := nmapAssetsMessage(t, s.env, "inj-w", targets)
			done := make(chan error, 1)
			go func() { done <- s.proc.Process(context.Background(), body) }()
			select {
			case <-gate.held:
			case err := <-done:
				close(gate.release)
				t.Fatalf("processed (%v) without a third per-target trace", err)
			}
			if n := len(s.platform.Completions("inj-w")); n != 0 {
				t.Errorf("%d completions while the per-target traces are sent", n)
			}
			if durable {
				checkAllStored(t, s.store, "inj-w")
			}
			close(gate.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			traces, terminal := 0, 0
			for _, c := range s.platform.Calls("inj-w") {
				switch {
				case c.Kind == openaevtest.KindTrace && c.Body["execution_context_identifiers"] != nil:
					traces++
					if terminal > 0 {
						t.Errorf("per-target trace %d after the terminal callback", traces)
					}
				case c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData:
					terminal++
				}
			}
			if traces != targets || terminal < 2 {
				t.Errorf("%d per-target traces and %d terminal bodies, want %d traces and several bodies", traces, terminal, targets)
			}
			if n := len(s.platform.Completions("inj-w")); n != 1 {
				t.Errorf("%d completions, want 1", n)
			}
			if got := stored(s.platform, "inj-w"); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("stored %d signatures, want the %d of one unbounded body", len(got), len(want))
			}
			if durable {
				if left := s.records(t); len(left) != 0 {
					t.Errorf("outbox holds %v once delivered", left)
				}
			}
		})
	}
}

// checkAllStored checks that store holds every terminal body of inject
// id, pending: its "complete" and the "data" bodies it announces.
func checkAllStored(t *testing.T, store *outbox.Store, id string) {
	t.Helper()
	recs, err := store.List()
	if err != nil {
		t.Fatal(err)
	}
	chunks := map[int]bool{}
	total := 0
	for _, r := range recs {
		if r.InjectID != id || r.State != outbox.Pending {
			continue
		}
		chunks[r.ChunkIndex], total = true, r.TotalChunks
		if (r.ChunkIndex == 0) != (r.Phase == openaev.ActionComplete) {
			t.Errorf("chunk %d stored as %q", r.ChunkIndex, r.Phase)
		}
	}
	if !chunks[0] || total < 2 || len(chunks) != total {
		t.Fatalf("while the per-target traces are sent the outbox holds chunks %v of %d, want all of them, the complete first", chunks, total)
	}
}
