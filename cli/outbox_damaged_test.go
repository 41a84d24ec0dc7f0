package cli_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// damagedRecords is an outbox of two callback bodies for backendURL: the
// first damaged on disk (its body when body is true, else its record's
// metadata), the second intact. It returns the file and the two ids.
func damagedRecords(t *testing.T, backendURL string, body bool) (box string, bad, good uint64) {
	t.Helper()
	box = filepath.Join(t.TempDir(), "outbox.db")
	var recs []outbox.Record
	withStore(t, box, func(s *outbox.Store) (err error) {
		recs, err = s.Put(
			outbox.Entry{InjectID: "inj-bad", Phase: "execution_complete", BaseURL: backendURL, Body: []byte(`{"phase":"execution_complete","n":1}`)},
			outbox.Entry{InjectID: "inj-good", Phase: "execution_complete", BaseURL: backendURL, Body: []byte(`{"phase":"execution_complete","n":2}`)})
		return err
	})
	bucket := "pending"
	if body {
		bucket = "bodies"
	}
	damageBolt(t, box, bucket, recs[0].ID)
	return box, recs[0].ID, recs[1].ID
}

// TestRetryDeadOfACorruptRecord checks that retry-dead of a record the
// dead list keeps as corrupt says so, exit 2, rather than that it does not
// exist, and leaves it there for drop.
func TestRetryDeadOfACorruptRecord(t *testing.T) {
	for _, body := range []bool{true, false} {
		t.Run("body damaged "+strconv.FormatBool(body), func(t *testing.T) {
			be := newSwitchable(t, http.StatusOK)
			box, bad, _ := damagedRecords(t, be.URL, body)
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			if r := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error"); r.code != 1 {
				t.Fatalf("flush: exit %d, want 1 (a body not delivered):\n%s%s", r.code, r.stdout, r.stderr)
			}
			id := strconv.FormatUint(bad, 10)
			r := run(t, registry(), env, "outbox", "retry-dead", id, "--backend-url", be.URL, "--log-level", "error")
			want := id + " is corrupt: nothing in it can be sent (remove it with outbox drop)"
			if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "no such outbox entry") || r.stdout != "" {
				t.Errorf("exit %d, want 2 with %q (not a missing entry):\nstdout %q\nstderr %s", r.code, want, r.stdout, r.stderr)
			}
			if r := run(t, registry(), env, "outbox", "drop", id, "--log-level", "error"); r.code != 0 {
				t.Errorf("drop: exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestCorruptRecordNamedOneWay checks that every command names a corrupt
// record one way, whatever its kind: list (text and JSON) says
// "corrupt: never sent" as its next attempt and "-" for each field its
// damaged metadata no longer says (empty in JSON, no dead_reason while
// it is pending), flush counts it corrupt, not rejected, drop says it
// removed a corrupt record, and retry-dead refuses it.
func TestCorruptRecordNamedOneWay(t *testing.T) {
	tests := []struct {
		name       string
		body       bool // the body damaged, else the record's metadata
		flush      bool // flushed first: moved to the dead list
		damageDead bool // then its metadata damaged in the dead list
		state      string
		inject     string // as list and drop show it
		chunk      string
		owner      bool // its owner known
		deadReason string
	}{
		{name: "metadata damaged, pending", state: "pending", inject: "-", chunk: "-"},
		{name: "metadata damaged, moved dead", flush: true, state: "dead", inject: "-", chunk: "-", deadReason: "corrupt"},
		{name: "body damaged, moved dead", body: true, flush: true, state: "dead", inject: "inj-bad", chunk: "0/1", owner: true, deadReason: "corrupt"},
		{name: "metadata damaged in the dead list", body: true, flush: true, damageDead: true, state: "dead", inject: "-", chunk: "-", deadReason: "corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSwitchable(t, http.StatusOK)
			box, bad, _ := damagedRecords(t, be.URL, tt.body)
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			if tt.flush {
				r := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
				if want := "1 delivered, 0 still pending, 0 rejected (moved to the dead list), 1 corrupt (moved to the dead list unsent), 0 being sent"; r.code != 1 || !strings.Contains(r.stdout, want) {
					t.Fatalf("flush: exit %d, want 1 and %q:\n%s%s", r.code, want, r.stdout, r.stderr)
				}
			}
			if tt.damageDead {
				damageBolt(t, box, "dead", bad)
			}
			id := strconv.FormatUint(bad, 10)

			r := run(t, registry(), env, "outbox", "list")
			row := ""
			for line := range strings.Lines(r.stdout) {
				if strings.HasPrefix(line, id+" ") {
					row = strings.TrimSpace(line)
				}
			}
			phase, owner := "-", "-"
			if tt.inject != "-" {
				phase, owner = "execution_complete", be.URL+" (callback)"
			}
			want := regexp.MustCompile("^" + id + `\s+` + tt.state + `\s+` + regexp.QuoteMeta(tt.inject) + `\s+` + phase + `\s+` +
				regexp.QuoteMeta(tt.chunk) + `\s+\d+ B\s+0\s+\S+\s+corrupt: never sent\s+.*\s` + regexp.QuoteMeta(owner) + "$")
			if r.code != 0 || !want.MatchString(row) {
				t.Errorf("list: exit %d, row %q, want it to match %s:\n%s%s", r.code, row, want, r.stdout, r.stderr)
			}

			r = run(t, registry(), env, "outbox", "list", "-o", "json")
			var listed struct {
				Records []map[string]any `json:"records"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil {
				t.Fatalf("list -o json: %v:\n%s%s", err, r.stdout, r.stderr)
			}
			var rec map[string]any
			for _, listed := range listed.Records {
				if listed["id"] == float64(bad) {
					rec = listed
				}
			}
			reason, _ := rec["dead_reason"].(string)
			switch {
			case rec == nil:
				t.Errorf("list -o json: record %d not listed:\n%s", bad, r.stdout)
			case rec["next"] != "corrupt: never sent" || rec["state"] != tt.state || reason != tt.deadReason:
				t.Errorf("list -o json: %v, want next %q, state %s, dead_reason %q", rec, "corrupt: never sent", tt.state, tt.deadReason)
			case tt.inject == "-":
				// What the damaged metadata no longer says is left out.
				for _, k := range []string{"inject_id", "phase", "chunk_index", "total_chunks", "base_url", "url", "idempotency_key", "next_attempt", "created"} {
					if v, ok := rec[k]; ok {
						t.Errorf("list -o json: %s %v, want it left out of a record whose metadata is lost", k, v)
					}
				}
			case rec["inject_id"] != tt.inject || rec["chunk_index"] != float64(0) || rec["created"] == nil:
				t.Errorf("list -o json: %v, want inject_id %q, chunk_index 0 and its creation", rec, tt.inject)
			}

			r = run(t, registry(), env, "outbox", "retry-dead", id, "--backend-url", be.URL, "--log-level", "error")
			if r.code != 2 || !strings.Contains(r.stderr, id+" is corrupt: nothing in it can be sent (remove it with outbox drop)") {
				t.Errorf("retry-dead: exit %d, want 2, corrupt:\n%s%s", r.code, r.stdout, r.stderr)
			}
			r = run(t, registry(), env, "outbox", "drop", id, "--log-level", "error")
			if want := "dropped " + id + " (" + tt.state + " inject " + tt.inject + " chunk " + tt.chunk + ", corrupt: never sent)\n"; r.code != 0 || r.stdout != want {
				t.Errorf("drop: exit %d, stdout %q, want %q:\n%s", r.code, r.stdout, want, r.stderr)
			}
		})
	}
}

// A flush that delivered every body of its backend exits 0 when only
// another backend's send lost chunks: that send is reported, as the other
// backends' pending bodies are, and fails the flush of its own backend
// (or one given no backend URL).
func TestFlushOfAnotherBackendsIncompleteSend(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	box := filepath.Join(t.TempDir(), "outbox.db")
	storeBodies(t, box, outbox.Entry{InjectID: "inj-b", Phase: "execution_complete", BaseURL: be.URL, Body: []byte(`{"b":1}`)})
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
			storeBodies(t, box)
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
