package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// Two flushes at once, each for its own backend: the body of the other
// backend, which the other flush holds while it sends it, is not said to
// be left pending (nor to be flushed by hand): it is named as being sent
// by another process, and the flush of its own backend exits 0.
func TestFlushNamesAnotherBackendsBodyBeingSent(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	const other = "http://127.0.0.1:1"
	box := filepath.Join(t.TempDir(), "outbox.db")
	recs := storeBodies(t, box,
		outbox.Entry{InjectID: "inj-a", Phase: "p", BaseURL: be.URL, Body: []byte(`{}`)},
		outbox.Entry{InjectID: "inj-b", Phase: "p", BaseURL: other, Body: []byte(`{}`)},
		outbox.Entry{InjectID: "inj-c", Phase: "p", BaseURL: other, Body: []byte(`{}`)})
	// The other flush: another Store, shared, holding inj-b's lease.
	s, err := outbox.Open(box, outbox.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, ok, err := s.Claim(recs[1].ID); err != nil || !ok {
		t.Fatalf("claim of inj-b: %v, %v", ok, err)
	}
	f := run(t, registry(), map[string]string{"INJECTKIT_TOKEN": "tok-busy"},
		"outbox", "flush", "--outbox", box, "--backend-url", be.URL, "--log-level", "error")
	if f.code != 0 {
		t.Fatalf("exit %d, want 0:\n%s%s", f.code, f.stdout, f.stderr)
	}
	for _, want := range []string{
		"1 signature body for " + other + " left pending: not the backend of --backend-url " + be.URL,
		"1 signature body for " + other + " being sent by another process (not the backend of --backend-url " + be.URL +
			"): that process delivers it, or leaves it pending",
		"1 delivered, 0 still pending, 0 rejected (moved to the dead list), 0 being sent by another process; " +
			"1 left pending for other backends, 1 of other backends being sent by another process (see the lines above)",
	} {
		if !strings.Contains(f.stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, f.stdout)
		}
	}
	if strings.Contains(f.stdout, "2 signature bodies for "+other+" left pending") {
		t.Errorf("the body another process sends is said to be left pending:\n%s", f.stdout)
	}
}
