package cli_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// switchable is a backend whose answer a test changes (set), recording
// the raw body and idempotency key of every request.
type switchable struct{ *transporttest.Backend }

type rawRequest struct {
	Key, Path, Auth string
	Body            []byte
	Code            int
}

func newSwitchable(t *testing.T, code int) *switchable {
	s := &switchable{transporttest.NewScriptedBackend(t)}
	s.set(code)
	return s
}

// set makes the backend answer code; a 503 asks for no wait (Retry-After
// 0): the retries wait the backoff step, short in these tests (fastRetry).
func (s *switchable) set(code int) {
	r := transporttest.Reply{Status: code, Body: `{"error":"answer ` + strconv.Itoa(code) + `"}`}
	if code == http.StatusServiceUnavailable {
		r.Header = http.Header{"Retry-After": {"0"}}
	}
	s.SetReply(r)
}

func (s *switchable) got() []rawRequest {
	var out []rawRequest
	for _, r := range s.Requests() {
		out = append(out, rawRequest{r.Header.Get(transport.IdempotencyHeader), r.Path, r.Header.Get("Authorization"), r.Body, r.Status})
	}
	return out
}

// storedLine is the line of a run that kept bodies: their count, the
// outbox, and the command that resends them; openaevStoredLine is that of
// a run with the openaev profile, whose bodies are its terminal
// callback's.
var (
	storedLine        = regexp.MustCompile(`(?m)^injectkit: delivery failed; (\d+) signature bod(?:y|ies) stored in outbox (\S+) \(flush with: (injectkit outbox flush(?: --outbox \S+)? --backend-url \S+)\)$`)
	openaevStoredLine = regexp.MustCompile(`(?m)^injectkit: delivery failed; (\d+) terminal callback bod(?:y|ies) stored in outbox (\S+) \(flush with: (injectkit outbox flush(?: --outbox \S+)? --backend-url \S+)\)$`)
)

// Backend down for the whole run: exit 1 and one line; backend up: flush
// delivers the same bytes under the same keys, and the outbox is empty.
func TestOutboxDownThenFlush(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	box := filepath.Join(t.TempDir(), "box", "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok-flush-1"}
	targets := []string{"run", "noop", "--inject-id", "inj-down", "--backend-url", be.URL, "--max-payload-size", "1200", "--log-level", "error"}
	for i := range 6 {
		targets = append(targets, "--target", "127.0.0."+strconv.Itoa(i+1))
	}
	r := run(t, registry(), env, targets...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", r.code, r.stderr)
	}
	m := storedLine.FindStringSubmatch(r.stderr)
	if m == nil || m[2] != box {
		t.Fatalf("stderr lacks the stored line naming %s:\n%s", box, r.stderr)
	}
	stored, _ := strconv.Atoi(m[1])
	if stored < 2 {
		t.Fatalf("%d bodies stored; the test wants a chunked payload", stored)
	}
	if strings.Contains(r.stderr, "undelivered signatures") {
		t.Error("signatures dumped although stored")
	}
	// The run tried the first body only (4 attempts), the rest wait with it.
	first := be.got()
	if len(first) != 4 || first[0].Key == "" || first[0].Key != first[3].Key {
		t.Fatalf("requests while down: %d, keys %q", len(first), first[0].Key)
	}

	l := run(t, registry(), env, "outbox", "list")
	if l.code != 0 || !strings.Contains(l.stdout, strconv.Itoa(stored)+" pending, 0 dead") || strings.Count(l.stdout, "inj-down") != stored {
		t.Errorf("list: exit %d\n%s%s", l.code, l.stdout, l.stderr)
	}

	// t67: a flush while the backend still asks to wait (503) leaves the
	// other bodies untried after the first one's attempts, and says so;
	// h74: the first one refused again (the run's 503 before), the next
	// one tries too (the first may be refused for its payload alone).
	w := run(t, registry(), env, append(strings.Fields(m[3])[1:], "--log-level", "error")...)
	want := fmt.Sprintf("0 delivered, %d still pending (%d of them not tried: an earlier body found their backend down, asking to wait (429, 503)", stored, stored-2)
	if again := len(be.got()) - len(first); w.code != 1 || again != 8 || !strings.Contains(w.stdout, want) {
		t.Errorf("flush while 503: exit %d, %d requests (want 8: the first two bodies' attempts)\n%s%s", w.code, again, w.stdout, w.stderr)
	}
	first = be.got()

	// The command the line gives, as it is.
	be.set(http.StatusOK)
	if want := "injectkit outbox flush --outbox " + box + " --backend-url " + be.URL; m[3] != want {
		t.Fatalf("flush command %q, want %q", m[3], want)
	}
	f := run(t, registry(), env, append(strings.Fields(m[3])[1:], "--log-level", "error")...)
	if f.code != 0 {
		t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	all := be.got()
	sent := all[len(first):]
	if len(sent) != stored {
		t.Fatalf("flush sent %d requests for %d bodies", len(sent), stored)
	}
	if !bytes.Equal(sent[0].Body, first[0].Body) || sent[0].Key != first[0].Key {
		t.Errorf("chunk 0 changed between the run and the flush")
	}
	for i, s := range sent {
		if want := transport.IdempotencyKey("inj-down", "execution_complete", i, s.Body); s.Key != want {
			t.Errorf("chunk %d: key %q, want %q", i, s.Key, want)
		}
		if !bytes.Contains(s.Body, []byte(`"chunk_index":`+strconv.Itoa(i)+`,"total_chunks":`+strconv.Itoa(stored)+`}`)) {
			t.Errorf("chunk %d: body %.80s…", i, s.Body)
		}
		if s.Auth != "Bearer tok-flush-1" || s.Path != "/api/injects/inj-down/callback" {
			t.Errorf("chunk %d: auth %q path %q", i, s.Auth, s.Path)
		}
	}
	l = run(t, registry(), env, "outbox", "list")
	if !strings.Contains(l.stdout, "0 pending, 0 dead, 0 B ") {
		t.Errorf("outbox not empty after flush:\n%s", l.stdout)
	}
	raw, _ := os.ReadFile(box)
	if bytes.Contains(raw, []byte("tok-flush-1")) {
		t.Error("token stored in the outbox")
	}
}

// A rejected body goes to the dead list; flush leaves it; retry-dead
// resends it.
func TestOutboxDeadList(t *testing.T) {
	be := newSwitchable(t, http.StatusBadRequest)
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-400", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, `1 signature body rejected by the backend (status 400: "{\"error\":\"answer 400\"}"), kept in the dead list`) {
		t.Fatalf("exit %d stderr %s", r.code, r.stderr)
	}
	if n := len(be.got()); n != 1 {
		t.Errorf("a 400 was retried: %d requests", n)
	}
	l := run(t, registry(), env, "outbox", "list")
	if !strings.Contains(l.stdout, "0 pending, 1 dead") || !strings.Contains(l.stdout, "dead: status 400") || !strings.Contains(l.stdout, "answer 400") {
		t.Errorf("list:\n%s", l.stdout)
	}
	be.set(http.StatusOK)
	if f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL); f.code != 0 || len(be.got()) != 1 {
		t.Errorf("flush resent a dead body: exit %d, %d requests", f.code, len(be.got()))
	}
	id := regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(l.stdout)
	if id == nil {
		t.Fatalf("no dead id in\n%s", l.stdout)
	}
	rd := run(t, registry(), env, "outbox", "retry-dead", id[1], "--backend-url", be.URL, "--log-level", "error")
	if rd.code != 0 || !strings.Contains(rd.stdout, "delivered") {
		t.Fatalf("retry-dead: exit %d\n%s%s", rd.code, rd.stdout, rd.stderr)
	}
	reqs := be.got()
	if len(reqs) != 2 || !bytes.Equal(reqs[0].Body, reqs[1].Body) || reqs[0].Key != reqs[1].Key {
		t.Errorf("retry-dead sent %d requests; same body %v", len(reqs), len(reqs) == 2 && bytes.Equal(reqs[0].Body, reqs[1].Body))
	}
	if l := run(t, registry(), env, "outbox", "list"); !strings.Contains(l.stdout, "0 pending, 0 dead") {
		t.Errorf("after retry-dead:\n%s", l.stdout)
	}

	// Without the backend it belongs to (none given, or another one),
	// retry-dead leaves a dead body as it is and sends nothing, as a flush
	// leaves another backend's bodies: exit 2, naming its backend and the
	// command that retries it. It moved it back to pending, exit 1.
	be.set(http.StatusBadRequest)
	keepInOutbox(t, env, "inj-400b", be.URL)
	be.set(http.StatusOK)
	l = run(t, registry(), env, "outbox", "list")
	if id = regexp.MustCompile(`(?m)^(\d+)\s+dead`).FindStringSubmatch(l.stdout); id == nil {
		t.Fatalf("no dead id in\n%s", l.stdout)
	}
	sent := len(be.got())
	elsewhere := newBackend(t, http.StatusOK)
	for _, tt := range []struct {
		args []string
		why  string
	}{
		{nil, "no --backend-url given"},
		{[]string{"--backend-url", elsewhere.URL}, "not the backend of --backend-url " + elsewhere.URL},
	} {
		other := run(t, registry(), env, append([]string{"outbox", "retry-dead", id[1], "--log-level", "error"}, tt.args...)...)
		if other.code != 2 || !strings.Contains(other.stderr, "not retried, still in the dead list: it belongs to "+be.URL+", "+tt.why) ||
			!strings.Contains(other.stderr, "outbox retry-dead "+id[1]+" --outbox ") || len(be.got()) != sent || len(elsewhere.got()) != 0 {
			t.Errorf("retry-dead %v: exit %d, %d requests\n%s%s", tt.args, other.code, len(be.got())-sent+len(elsewhere.got()), other.stdout, other.stderr)
		}
		if l := run(t, registry(), env, "outbox", "list"); !strings.Contains(l.stdout, "0 pending, 1 dead") {
			t.Errorf("after retry-dead %v:\n%s", tt.args, l.stdout)
		}
	}
	if rd := run(t, registry(), env, "outbox", "retry-dead", id[1], "--backend-url", be.URL, "--log-level", "error"); rd.code != 0 || len(be.got()) != sent+1 {
		t.Errorf("retry-dead with its backend: exit %d, %d requests\n%s%s", rd.code, len(be.got())-sent, rd.stdout, rd.stderr)
	}
}

// TestOutboxDropAndIDs: drop and retry-dead take one id; list and flush none.
func TestOutboxDropAndIDs(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
	keepInOutbox(t, env, "inj-drop", be.URL)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"outbox", "drop"}, 2, "want one outbox id"},
		{[]string{"outbox", "list", "1"}, 2, `outbox list takes no arguments, got "1"`},
		{[]string{"outbox", "flush", "1", "2"}, 2, `outbox flush takes no arguments, got "1 2"`},
		{[]string{"outbox", "drop", "x1"}, 2, `invalid id "x1"`},
		{[]string{"outbox", "drop", "99"}, 2, `invalid id "99": no such outbox entry`},
		// An id is taken only as list prints it: 01 may be a 1 typed
		// with a stray zero, or 1001 with the ones lost.
		{[]string{"outbox", "drop", "099"}, 2, `invalid id "099": not an id as outbox list prints it (ids have no leading zero): give 99 if that is the one meant`},
		{[]string{"outbox", "drop", "01"}, 2, `invalid id "01": not an id as outbox list prints it (ids have no leading zero): give 1 if`},
		{[]string{"outbox", "retry-dead", "01"}, 2, `invalid id "01": not an id as outbox list prints it`},
		{[]string{"outbox", "drop", "run-099"}, 2, `invalid id "run-099": not an id as outbox list prints it (ids have no leading zero): give run-99 if`},
		{[]string{"outbox", "drop", "run-99"}, 2, `invalid id "run-99": no such outbox entry`},
		{[]string{"outbox", "drop", "run-x"}, 2, `invalid id "run-x": not an outbox id`},
		{[]string{"outbox", "retry-dead", "1"}, 2, "1 is pending, not dead; not retried"},
		{[]string{"outbox", "drop", "1"}, 0, "dropped 1 (pending inject inj-drop chunk 0/1)"},
		{[]string{"outbox", "drop", "1"}, 2, "no such outbox entry"},
	}
	for _, tt := range tests {
		r := run(t, registry(), env, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tt.args, r.code, tt.code, tt.want, r.stdout, r.stderr)
		}
	}
}

// The default outbox follows XDG_STATE_HOME, then HOME; --outbox none
// keeps none.
func TestOutboxDefaultPath(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	state, home := t.TempDir(), t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_STATE_HOME": state, "HOME": home}, filepath.Join(state, "injectkit", "outbox.db")},
		{"relative xdg ignored", map[string]string{"XDG_STATE_HOME": "rel", "HOME": home}, filepath.Join(home, ".local", "state", "injectkit", "outbox.db")},
		{"home", map[string]string{"XDG_STATE_HOME": "", "HOME": home}, filepath.Join(home, ".local", "state", "injectkit", "outbox.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, "run", "noop", "--inject-id", "inj-p", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
			m := storedLine.FindStringSubmatch(r.stderr)
			if r.code != 1 || m == nil || m[2] != tt.want {
				t.Fatalf("exit %d, want the outbox %s:\n%s", r.code, tt.want, r.stderr)
			}
			if _, err := os.Stat(tt.want); err != nil {
				t.Error(err)
			}
		})
	}
	r := run(t, registry(), map[string]string{"XDG_STATE_HOME": "", "HOME": ""}, "run", "noop", "--inject-id", "inj-n",
		"--target", "127.0.0.1", "--backend-url", be.URL, "--outbox", "none", "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "undelivered signatures") || storedLine.MatchString(r.stderr) {
		t.Errorf("--outbox none: exit %d\n%s", r.code, r.stderr)
	}
	// The chunks the backend accepted before one failed are not dumped:
	// each target is either delivered or dumped, never both.
	part := transporttest.NewBackend(t, 200, 200, 400)
	args := []string{"run", "noop", "--inject-id", "inj-part", "--backend-url", part.URL, "--outbox", "none", "--max-payload-size", "1200", "--log-level", "error"}
	for i := range 6 {
		args = append(args, "--target", "127.0.0."+strconv.Itoa(i+1))
	}
	r = run(t, registry(), nil, args...)
	dump := regexp.MustCompile(`(?m)^undelivered signatures: (.*)$`).FindStringSubmatch(r.stderr)
	reqs := part.Requests()
	if r.code != 1 || dump == nil || len(reqs) != 3 || !strings.Contains(r.stderr, "delivered chunks 0,1") {
		t.Fatalf("partial delivery without outbox: exit %d, %d requests\n%s", r.code, len(reqs), r.stderr)
	}
	for i := range 6 {
		ip := `"127.0.0.` + strconv.Itoa(i+1) + `"`
		dumped, delivered := strings.Contains(dump[1], ip), bytes.Contains(reqs[0].Body, []byte(ip)) || bytes.Contains(reqs[1].Body, []byte(ip))
		if dumped == delivered {
			t.Errorf("target %s: delivered in a chunk accepted %t, dumped %t", ip, delivered, dumped)
		}
	}
	// Printing to stdout needs no outbox at all.
	if r := run(t, registry(), map[string]string{"XDG_STATE_HOME": "", "HOME": ""}, "run", "noop", "--target", "127.0.0.1"); r.code != 0 {
		t.Errorf("print without a state directory: exit %d %s", r.code, r.stderr)
	}
}

// A token is bound to its backend: a flush sends each token only to the
// bodies stored for the backend it was given with.
func TestOutboxFlushBindsTokensToBackends(t *testing.T) {
	// a refuses the run's token: its body stays pending, as b's does.
	a, b := newSwitchable(t, http.StatusUnauthorized), newSwitchable(t, http.StatusServiceUnavailable)
	box := filepath.Join(t.TempDir(), "outbox.db")
	for _, tt := range []struct {
		be    *switchable
		id    string
		token string
		want  string
	}{
		{a, "inj-a", "token-of-a", "delivery failed: the backend refused the token (401 or 403); 1 signature body stored in outbox " + box + " (flush with the right token, given by INJECTKIT_TOKEN, the config file's token or --token: "},
		{b, "inj-b", "token-of-b", "delivery failed; 1 signature body stored in outbox " + box + " (flush with: "},
	} {
		env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": tt.token}
		if r := run(t, registry(), env, "run", "noop", "--inject-id", tt.id, "--target", "127.0.0.1",
			"--backend-url", tt.be.URL, "--log-level", "error"); r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Fatalf("%s: exit %d, want 1 (stored) and %q\n%s", tt.id, r.code, tt.want, r.stderr)
		}
	}
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	// A mistyped token: the backend refuses it, the body stays pending.
	// The backend named by the environment is named so.
	a.set(http.StatusUnauthorized)
	f := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_BACKEND_URL": a.URL},
		"outbox", "flush", "--token", "typo", "--log-level", "error")
	if f.code != 1 || !strings.Contains(f.stdout, "0 delivered, 1 still pending, 0 rejected") || !strings.Contains(f.stderr, "the backend refused the token") ||
		!strings.Contains(f.stdout, "1 signature body for "+b.URL+" left pending: not the backend of env INJECTKIT_BACKEND_URL "+a.URL+
			" (flush it with --backend-url "+b.URL+" and its token, given by INJECTKIT_TOKEN, the config file's token or --token)") {
		t.Fatalf("flush of a with a mistyped token: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	a.set(http.StatusOK)
	b.set(http.StatusOK)
	sentA, sentB := len(a.got()), len(b.got())
	f = run(t, registry(), env, "outbox", "flush", "--backend-url", a.URL, "--token", "token-of-a", "--log-level", "error")
	if f.code != 0 || !strings.Contains(f.stdout, "1 delivered") || !strings.Contains(f.stdout, "1 signature body for "+b.URL+" left pending: not the backend of --backend-url "+a.URL) ||
		!strings.Contains(f.stdout, "0 still pending, 0 rejected (moved to the dead list), 0 being sent by another process; 1 left pending for other backends") {
		t.Fatalf("flush of a: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	if got := a.got()[sentA:]; len(got) != 1 || got[0].Auth != "Bearer token-of-a" || got[0].Path != "/api/injects/inj-a/callback" {
		t.Errorf("a received %+v", got)
	}
	if n := len(b.got()); n != sentB {
		t.Errorf("b received %d requests during a's flush", n-sentB)
	}
	f = run(t, registry(), env, "outbox", "flush", "--backend-url", b.URL, "--token", "token-of-b", "--log-level", "error")
	if f.code != 0 || !strings.Contains(f.stdout, "1 delivered") {
		t.Fatalf("flush of b: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	if got := b.got()[sentB:]; len(got) != 1 || got[0].Auth != "Bearer token-of-b" || got[0].Path != "/api/injects/inj-b/callback" {
		t.Errorf("b received %+v", got)
	}
	for _, r := range append(a.got(), b.got()...) {
		if (r.Auth == "Bearer token-of-a" || r.Auth == "Bearer typo") != strings.Contains(r.Path, "inj-a") {
			t.Errorf("%s received with %q", r.Path, r.Auth)
		}
	}
}

// keepInOutbox runs inject id of noop on 127.0.0.1 under env, against a
// backend at url that refuses it (a 5xx: kept pending; a 4xx: kept in the
// dead list), and fails the test unless the run exits 1, its callback
// kept in the outbox.
func keepInOutbox(t *testing.T, env map[string]string, id, url string) {
	t.Helper()
	r := run(t, registry(), env, "run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--backend-url", url, "--log-level", "error")
	if r.code != 1 {
		t.Fatalf("run %s: exit %d, want 1 (kept in the outbox)\n%s", id, r.code, r.stderr)
	}
}
