package cli_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A backend that moved for good (301): the run keeps its bodies and its
// hint names `outbox move`; a flush with the new URL leaves them as
// another backend's, one with the old URL meets the 301 again and names
// move too. Once moved, pending and dead alike, a flush with the new URL
// delivers each pending body once, with its token, retry-dead the dead
// one, and nothing is sent twice.
func TestOutboxMoveAfterARedirect(t *testing.T) {
	moved := newSwitchable(t, http.StatusOK)
	old := newSwitchable(t, http.StatusUnprocessableEntity) // the first run's body goes dead
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok-move-1"}
	runTo := func(id string) result {
		return run(t, registry(), env, "run", "noop", "--inject-id", id, "--backend-url", old.URL, "--target", "127.0.0.1", "--log-level", "error")
	}
	if r := runTo("inj-dead"); r.code != 1 || !strings.Contains(r.stderr, "rejected by the backend") {
		t.Fatalf("run against a 422: exit %d\n%s", r.code, r.stderr)
	}
	// The backend redirects each callback to its own path under the new
	// base URL: only a Location ending in this inject's callback path
	// fills --to.
	redirectTo := func(id string) {
		old.SetReply(transporttest.Reply{Status: http.StatusMovedPermanently,
			Header: http.Header{"Location": {moved.URL + "/api/injects/" + id + "/callback"}}})
	}
	move := "injectkit outbox move --outbox " + box + " --from " + old.URL + " --to " + moved.URL
	for _, id := range []string{"inj-a", "inj-b"} {
		redirectTo(id)
		r := runTo(id)
		if r.code != 1 || !strings.Contains(r.stderr, "1 signature body stored in outbox") ||
			!strings.Contains(r.stderr, "injectkit: hint: the backend moved for good (301 or 308 to "+moved.URL+"/api/injects/"+id+"/callback)") ||
			!strings.Contains(r.stderr, move+"; ") || !strings.Contains(r.stderr, "INJECTKIT_TOKEN set") {
			t.Fatalf("run against a 301: exit %d, want 1 and a hint naming %q:\n%s", r.code, move, r.stderr)
		}
	}

	flushTo := func(url string) result {
		return run(t, registry(), env, "outbox", "flush", "--backend-url", url, "--log-level", "error")
	}
	// The outbox holds nothing for the new URL: nothing sent, exit 2,
	// naming the move.
	if f := flushTo(moved.URL); f.code != 2 || f.stdout != "" || moved.Len() != 0 ||
		!strings.Contains(f.stderr, "holds no body stored for --backend-url "+moved.URL+"; it holds pending bodies for: "+old.URL+" (2 signature bodies)") ||
		!strings.Contains(f.stderr, "if their backend moved to this URL, give them this one first with: "+move+")") {
		t.Fatalf("flush to the new URL before the move: exit %d, %d requests\n%s%s", f.code, moved.Len(), f.stdout, f.stderr)
	}
	redirectTo("inj-a") // the first body flushed
	if f := flushTo(old.URL); f.code != 1 || !strings.Contains(f.stderr, "injectkit: hint: the backend moved for good") || !strings.Contains(f.stderr, move+"\n") {
		t.Fatalf("flush to the old URL: exit %d, want 1 and a hint naming %q\n%s%s", f.code, move, f.stdout, f.stderr)
	}

	m := run(t, registry(), env, "outbox", "move", "--from", old.URL, "--to", moved.URL, "-o", "json")
	var got struct {
		Outbox, From, To     string
		Moved, Pending, Dead int
		Busy                 int
	}
	if err := json.Unmarshal([]byte(m.stdout), &got); err != nil || m.code != 0 || got.Moved != 3 || got.Pending != 2 || got.Dead != 1 ||
		got.Busy != 0 || got.From != old.URL || got.To != moved.URL || got.Outbox != box {
		t.Fatalf("move -o json: exit %d, %v, %+v\n%s%s", m.code, err, got, m.stdout, m.stderr)
	}
	if again := run(t, registry(), env, "outbox", "move", "--from", old.URL, "--to", moved.URL); again.code != 1 ||
		!strings.Contains(again.stderr, "nothing moved: outbox "+box+" holds no body stored for "+old.URL+" (it holds bodies for: "+moved.URL+")") {
		t.Errorf("move again: exit %d, want 1 naming what the outbox holds\n%s%s", again.code, again.stdout, again.stderr)
	}
	// The pending bodies backed off against the old URL (5 min after its
	// 301): moved, they are due now, their attempts kept.
	for _, r := range listOutbox(t, env).Records {
		if r.State == "pending" && (r.Next != "due" || r.Attempts == 0) {
			t.Errorf("moved pending body %s: next %q after %d attempts, want due, its attempts kept", r.InjectID, r.Next, r.Attempts)
		}
	}

	before := old.Len()
	if f := flushTo(moved.URL); f.code != 0 || !strings.Contains(f.stdout, "2 delivered, 0 still pending") {
		t.Fatalf("flush after the move: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	list := listOutbox(t, env)
	if len(list.Records) != 1 || list.Records[0].State != "dead" {
		t.Fatalf("after the flush: %+v, want the dead body alone", list.Records)
	}
	if r := run(t, registry(), env, "outbox", "retry-dead", strconv.FormatUint(list.Records[0].ID, 10), "--backend-url", moved.URL); r.code != 0 {
		t.Fatalf("retry-dead after the move: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if f := flushTo(moved.URL); f.code != 0 || !strings.Contains(f.stdout, "0 delivered, 0 still pending") {
		t.Errorf("flush once all were delivered: exit %d\n%s", f.code, f.stdout)
	}
	if old.Len() != before {
		t.Errorf("%d more requests to the old URL after the move", old.Len()-before)
	}
	seen := map[string]bool{}
	for _, r := range moved.got() {
		id := strings.TrimSuffix(strings.TrimPrefix(r.Path, "/api/injects/"), "/callback")
		if want := transport.IdempotencyKey(id, "execution_complete", 0, r.Body); r.Key != want || r.Auth != "Bearer tok-move-1" || seen[r.Key] {
			t.Errorf("request for %s: key %q (want %q, sent before: %t), auth %q", r.Path, r.Key, want, seen[r.Key], r.Auth)
		}
		seen[r.Key] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d bodies reached the new URL, want 3 (2 pending, 1 dead)", len(seen))
	}
}

// What move refuses (exit 2, naming the setting and its value, nothing
// changed), what finds nothing to move (exit 1, naming the backends the
// outbox holds), and a body another live process is sending (left as it
// was, exit 1).
func TestOutboxMoveRefusals(t *testing.T) {
	// OLD is the backend the body was stored for, BOX the outbox.
	const old, to = "OLD", "https://127.0.0.1:2"
	tests := []struct {
		name    string
		args    []string
		absent  bool // no outbox file
		sending bool // a live process posts the stored body
		code    int
		say     string
		never   string
		unmoved bool
	}{
		{"moved", []string{"--from", old, "--to", to}, false, false, 0, "outbox BOX: 1 signature body moved from " + old + " to " + to + " (1 pending, 0 dead; nothing sent)", "", false},
		{"the old URL spelled otherwise, with credentials", []string{"--from", "HTTP://user:pw-secret@OLDHOST/", "--to", "https://u:pw-secret@127.0.0.1:2/"}, false, false, 0,
			"1 signature body moved from OLD to https://127.0.0.1:2", "pw-secret", false},
		{"no --from", []string{"--to", to}, false, false, 2, `invalid from "": required (--from`, "", true},
		{"--from not a URL", []string{"--from", "OLDHOST", "--to", to}, false, false, 2, `invalid from "OLDHOST" (--from)`, "", true},
		{"--to with a query", []string{"--from", old, "--to", to + "/?x=1"}, false, false, 2, `invalid to "` + to + `/?x=REDACTED" (--to): must not have a query or fragment`, "", true},
		{"--to not http, its credentials never shown", []string{"--from", old, "--to", "ftp://u:pw-secret@h"}, false, false, 2, `invalid to "ftp://h" (--to): scheme must be http or https`, "pw-secret", true},
		{"--to the backend of --from", []string{"--from", old, "--to", "http://OLDHOST/"}, false, false, 2,
			`invalid to "http://OLDHOST/" (--to): the backend of from "` + old + `" (--from): give the base URL it moved to`, "", true},
		// t100: only a copy of a hint whose URL was redacted holds it.
		{"--to copied from a redacted output", []string{"--from", old, "--to", to + "/[REDACTED]"}, false, false, 2,
			`invalid to "` + to + `/[REDACTED]" (--to): holds [REDACTED], a secret an output withheld`, "", true},
		{"--to holding [REDACTED] escaped", []string{"--from", old, "--to", to + "/%5Bredacted%5D"}, false, false, 2,
			`holds [REDACTED], a secret an output withheld`, "", true},
		{"another backend", []string{"--from", "http://127.0.0.1:3", "--to", to}, false, false, 1,
			"nothing moved: outbox BOX holds no body stored for http://127.0.0.1:3 (it holds bodies for: " + old + ")", "", true},
		{"no outbox file", []string{"--from", old, "--to", to}, true, false, 1, "nothing moved: outbox BOX holds no body stored for " + old + " (no such file", "", true},
		{"being sent by a live process", []string{"--from", old, "--to", to}, false, true, 1,
			"move incomplete: 1 signature body stored for " + old + " not moved: being sent by another process", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box}
			be := newSwitchable(t, http.StatusServiceUnavailable) // answers at once: the run keeps its body
			old := be.URL
			fill := strings.NewReplacer("OLDHOST", strings.TrimPrefix(old, "http://"), "OLD", old, "BOX", box)
			args := strings.Fields(fill.Replace(strings.Join(tt.args, " ")))
			if !tt.absent {
				if r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-1", "--backend-url", old, "--target", "127.0.0.1", "--log-level", "error"); r.code != 1 {
					t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
				}
			}
			if tt.sending {
				live := exec.Command("sleep", "60")
				if err := live.Start(); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = live.Process.Kill(); _ = live.Wait() }()
				outboxtest.Update(t, box, func(tx *bolt.Tx) error {
					return outboxtest.EditAll(tx.Bucket([]byte("pending")), func(v []byte) ([]byte, error) {
						var r map[string]any
						if err := json.Unmarshal(v, &r); err != nil {
							return nil, err
						}
						delete(r, "owner_start") // unknown: the pid alone decides
						r["owner"], r["owner_format"], r["lease_until"] = live.Process.Pid, 2, time.Now().Add(time.Hour)
						return json.Marshal(r)
					})
				})
			}
			r := run(t, registry(), env, append([]string{"outbox", "move"}, args...)...)
			say := fill.Replace(tt.say)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, say) || tt.never != "" && strings.Contains(r.stdout+r.stderr, tt.never) {
				t.Errorf("exit %d, want %d saying %q (never %q):\n%s%s", r.code, tt.code, say, tt.never, r.stdout, r.stderr)
			}
			if tt.absent {
				return
			}
			if l := listOutbox(t, env); len(l.Records) != 1 {
				t.Fatalf("records after move: %+v", l.Records)
			}
			l := run(t, registry(), env, "outbox", "list")
			if stays := strings.Contains(l.stdout, old+" (callback)"); stays != tt.unmoved {
				t.Errorf("the body's backend after the move: still %s: %t, want %t\n%s", old, stays, tt.unmoved, l.stdout)
			}
		})
	}
}

// The move hint's --to is filled from a 301's Location ending in the
// inject's own callback path whether the inject's id came from
// --inject-id or only from --inject-file.
func TestRunMovedHintInjectID(t *testing.T) {
	tests := []struct {
		name string
		args func(t *testing.T, id string) []string
	}{
		{name: "--inject-id", args: func(_ *testing.T, id string) []string {
			return []string{"noop", "--inject-id", id, "--target", "127.0.0.1"}
		}},
		{name: "--inject-file", args: func(t *testing.T, id string) []string {
			return []string{"--inject-file", writeFile(t, "inject.json", `{"inject_id":"`+id+`","injector":"noop","targets":[{"value":"127.0.0.1"}]}`)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-moved-file"
			moved := newSwitchable(t, http.StatusOK)
			old := newSwitchable(t, http.StatusOK)
			old.SetReply(transporttest.Reply{Status: http.StatusMovedPermanently,
				Header: http.Header{"Location": {moved.URL + "/api/injects/" + id + "/callback"}}})
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok-move-2"}
			args := append([]string{"run", "--backend-url", old.URL, "--log-level", "error"}, tt.args(t, id)...)
			r := run(t, registry(), env, args...)
			move := "injectkit outbox move --outbox " + box + " --from " + old.URL + " --to " + moved.URL + ";"
			if r.code != 1 || !strings.Contains(r.stderr, move) {
				t.Fatalf("run against a 301: exit %d, want 1 and a hint naming %q:\n%s", r.code, move, r.stderr)
			}
		})
	}
}

// t100: a 301 whose Location holds the token (the backend's new path
// under it) would print a runnable --to of a redacted URL, which stored
// sends the bodies to a URL the backend never gave. The hint prints
// NEW_URL instead, saying why, on the run's hint as on the flush's.
func TestMovedHintWithholdsARedactedURL(t *testing.T) {
	const id, token = "inj-moved-secret", "tok-in-the-location-7f3a"
	moved := newSwitchable(t, http.StatusOK)
	old := newSwitchable(t, http.StatusOK)
	old.SetReply(transporttest.Reply{Status: http.StatusMovedPermanently,
		Header: http.Header{"Location": {moved.URL + "/" + token + "/api/injects/" + id + "/callback"}}})
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": token}
	const want = " --to NEW_URL (the URL it moved to holds a secret, withheld here: write it in full)"
	r := run(t, registry(), env, "run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--backend-url", old.URL, "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "--to '") || strings.Contains(r.stderr, token) {
		t.Errorf("run against a 301 to a URL holding the token: exit %d, want 1 and a hint with %q\n%s", r.code, want, r.stderr)
	}
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", old.URL, "--log-level", "error")
	if f.code != 1 || !strings.Contains(f.stderr, want) || strings.Contains(f.stderr, token) {
		t.Errorf("flush against it: exit %d, want 1 and a hint with %q\n%s", f.code, want, f.stderr)
	}
}

// The command move prints sends what it moved: flush for pending bodies,
// retry-dead for dead ones (flush leaves them), both for both; and, when
// --to holds a user:password, it says to add it (not shown), as a run's
// flush hint does. It used to print flush for dead bodies alone, and the
// URL bare.
func TestOutboxMovePrintsTheCommandThatSends(t *testing.T) {
	const from, to = "http://127.0.0.1:1", "http://127.0.0.1:2"
	tests := []struct {
		name       string
		dead       []bool // per body stored for from: moved to the dead list
		to         string
		want, none []string
	}{
		{name: "pending", dead: []bool{false}, to: to,
			want: []string{"flush them with: injectkit outbox flush --outbox BOX --backend-url " + to + "\n"},
			none: []string{"retry-dead", "user:password"}},
		{name: "dead only", dead: []bool{true, true}, to: to,
			want: []string{"resend each with: injectkit outbox retry-dead <id> --outbox BOX --backend-url " + to + "\n"},
			none: []string{"outbox flush"}},
		{name: "pending and dead", dead: []bool{false, true}, to: to,
			want: []string{"flush the pending ones with: injectkit outbox flush --outbox BOX --backend-url " + to +
				"; resend each dead one with: injectkit outbox retry-dead <id> --outbox BOX --backend-url " + to + "\n"}},
		{name: "credentials in --to", dead: []bool{false}, to: "http://user:pa55w0rd-x@127.0.0.1:2",
			want: []string{"--backend-url " + to + ", adding the URL's user:password (not shown)\n"},
			none: []string{"pa55w0rd-x", "user@"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			withStore(t, box, func(s *outbox.Store) (err error) {
				for i, dead := range tt.dead {
					recs, perr := s.Put(outbox.Entry{InjectID: "inj-mv", Phase: "p", ChunkIndex: i, TotalChunks: len(tt.dead), BaseURL: from, Body: []byte(`{}`)})
					err = errors.Join(err, perr)
					if perr == nil && dead {
						err = errors.Join(err, s.MoveToDead(recs[0].ID, 1, http.StatusUnprocessableEntity, "{}", `callback rejected: status 422: "{}"`))
					}
				}
				return err
			})
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "move", "--from", from, "--to", tt.to)
			if r.code != 0 {
				t.Fatalf("move: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "BOX", box); !strings.Contains(r.stdout, w) {
					t.Errorf("move printed %q, want %q in it", r.stdout, w)
				}
			}
			for _, n := range tt.none {
				if strings.Contains(r.stdout+r.stderr, n) {
					t.Errorf("move printed %q, want no %q\n%s", r.stdout, n, r.stderr)
				}
			}
		})
	}
}
