package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// A flush that delivered every body of its backend exits 0 when only
// another backend's send lost chunks: that send is reported, as the other
// backends' pending bodies are, and fails the flush of its own backend
// (or one given no backend URL).
func TestFlushOfAnotherBackendsIncompleteSend(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	box := filepath.Join(t.TempDir(), "outbox.db")
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(outbox.Entry{InjectID: "inj-b", Phase: "execution_complete", BaseURL: be.URL, Body: []byte(`{"b":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	other := "http://127.0.0.1:9"
	lostSend(t, box, other, 1000)
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	line := "send 1000 (inject inj-lost, phase execution_complete, " + other + ") incomplete: chunks 1-4 of 5 never stored"

	r := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	if r.code != 0 || !strings.Contains(r.stdout, "1 delivered, 0 still pending") || !strings.Contains(r.stdout, line) {
		t.Errorf("flush of the other backend: exit %d, want 0 reporting %q:\n%s%s", r.code, line, r.stdout, r.stderr)
	}
	for _, args := range [][]string{{"--backend-url", other}, nil} {
		r = run(t, registry(), env, append([]string{"outbox", "flush", "--log-level", "error"}, args...)...)
		if r.code != 1 || !strings.Contains(r.stdout, line) || !strings.Contains(r.stderr, "flush incomplete: 1 send lost chunks never stored") {
			t.Errorf("flush %v: exit %d, want 1 for the lost chunks:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// A flush exits 1 for a send that lost chunks only when it would have
// sent that send's bodies: its backend's, of the callback profile or an
// openaev terminal callback `run --profile openaev` kept; not the openaev
// callbacks of a platform reached with a tenant, which serve resends and
// flush leaves pending (reported all the same).
func TestFlushOfIncompleteSendsItWouldNotSend(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	tests := []struct {
		name   string
		fields map[string]any
		fails  bool
	}{
		{"callback profile", nil, true},
		{"openaev, no tenant", map[string]any{"profile": "openaev", "url": be.URL + "/api/injects/execution/callback/inj-lost"}, true},
		{"openaev, a tenant", map[string]any{"profile": "openaev", "url": be.URL + "/api/tenants/t-1/injects/execution/callback/inj-lost"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			s, err := outbox.Open(box, outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			lostSend(t, box, be.URL, 1000, tt.fields)
			line := "send 1000 (inject inj-lost, phase execution_complete, " + be.URL + ") incomplete: chunks 1-4 of 5 never stored"
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
			want := 0
			if tt.fails {
				want = 1
			}
			if r.code != want || !strings.Contains(r.stdout, line) {
				t.Errorf("flush: exit %d, want %d reporting %q:\n%s%s", r.code, want, line, r.stdout, r.stderr)
			}
		})
	}
}
