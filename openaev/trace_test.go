package openaev_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The run's INFO trace names each target once: an address two assets
// share is listed once, with how many targets it is.
func TestRunTraceNamesASharedAddressOnce(t *testing.T) {
	tests := []struct {
		name   string
		assets []map[string]any
		want   string
	}{
		{"two assets, one address", []map[string]any{asset("asset", "a1", "", "192.0.2.7", nil),
			asset("endpoint", "a2", "db01.example.com", "", nil), asset("asset", "a3", "", "192.0.2.7", nil)},
			"Running nmap on 3 targets: 192.0.2.7 (2 targets), db01.example.com"},
		{"each address its own", []map[string]any{asset("asset", "a1", "", "192.0.2.7", nil),
			asset("endpoint", "a2", "db01.example.com", "", nil)},
			"Running nmap on 2 targets: 192.0.2.7, db01.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22}, "db01.example.com": {443}}
			body := e.message(t, "inj-shared", "nmap", map[string]any{"target_selector": "assets",
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}}}, tt.assets, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			for _, c := range e.platform.Calls("inj-shared") {
				if c.Kind != openaevtest.KindTrace {
					continue
				}
				if _, perTarget := c.Body["execution_context_identifiers"]; perTarget {
					continue
				}
				if got := c.Body["execution_message"]; got != tt.want {
					t.Errorf("run's trace %q, want %q", got, tt.want)
				}
				return
			}
			t.Error("no run's trace")
		})
	}
}

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
		r = r.Clone(r.Context())
		b, err := peekBody(r)
		if err != nil {
			return nil, err
		}
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

// The trace saying what runs on which targets stays under the max payload
// size whatever the targets' names: as many as fit are listed, then "and
// N more", the listed and the others adding up to the targets run.
func TestTraceUnderMaxPayloadSize(t *testing.T) {
	long := func(i int) string { // a 253-character host name
		label := strings.Repeat("a", 62)
		return fmt.Sprintf("h%03d.%s.%s.%s.%s", i, label, label, label, strings.Repeat("b", 59))
	}
	for _, tc := range []struct {
		name       string
		limit      int64
		assets     int
		selector   string
		wantListed bool // at least one name listed
	}{
		{"30 long names, 4096 bytes", 4096, 30, "assets", true},
		{"30 long names, 1024 bytes", openaev.MinMaxPayloadSize, 30, "assets", true},
		{"30 long names, default limit", openaev.DefaultMaxPayloadSize, 30, "assets", true},
		{"3 long names, 1024 bytes", openaev.MinMaxPayloadSize, 3, "assets", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.profile = openaev.NewProfile(e.client, testManifests(), e.log, openaev.WithMaxPayloadSize(tc.limit))
			e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log), e.profile)
			var assets []map[string]any
			for i := range tc.assets {
				a := asset("asset", "a"+strconv.Itoa(i), long(i), "", nil)
				if len(long(i)) != 253 {
					t.Fatalf("host name of %d characters", len(long(i)))
				}
				assets = append(assets, a)
			}
			body := e.message(t, "inj-long", "noop", map[string]any{"target_selector": tc.selector}, assets, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			var msg string
			for _, c := range e.platform.Calls("inj-long") {
				if int64(len(c.Raw)) > tc.limit {
					t.Errorf("%s of %d bytes, over the limit of %d", c.Kind, len(c.Raw), tc.limit)
				}
				if m, _ := c.Body["execution_message"].(string); msg == "" && strings.HasPrefix(m, "Running noop") {
					msg = m
				}
			}
			head := fmt.Sprintf("Running noop on %d targets: ", tc.assets)
			if tc.assets == 1 {
				head = "Running noop on 1 target: "
			}
			if !strings.HasPrefix(msg, head) {
				t.Fatalf("trace %q, want it to start %q", msg, head)
			}
			list := strings.TrimPrefix(msg, head)
			listed, more := 0, 0
			if m := regexp.MustCompile(` and (\d+) more$`).FindStringSubmatch(list); m != nil {
				more, _ = strconv.Atoi(m[1])
				list = strings.TrimSuffix(list, m[0])
			}
			for i := range tc.assets {
				if strings.Contains(list, long(i)) {
					listed++
				}
			}
			if listed+more != tc.assets || (tc.wantListed && listed == 0) {
				t.Errorf("trace lists %d names and %d more, want %d in all, at least one listed: %q", listed, more, tc.assets, msg)
			}
		})
	}
}
