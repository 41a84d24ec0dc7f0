package cli_test

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// `outbox flush` of the openaev profile's terminal callbacks: a stored
// "complete" superseded by a later run, a flush interrupted, a flush
// without a platform (the runs that store them are in
// openaev_outbox_test.go).

// A stored "complete" of an inject that a later run completed is
// superseded at the flush, as at serve's resend: dropped, not sent again.
// A legacy platform answers 409 to a "complete" of an inject no longer
// pending, which kept the body pending for ever.
func TestOutboxFlushSupersededComplete(t *testing.T) {
	t.Parallel()
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithLegacyIngestion())
	registered(t, p, platformToken, registry())
	const id = "inj-twice"
	p.AddInject(id, openaev.ContractID("noop"))
	p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
	env, box := outboxEnv(t)
	args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", p.URL, "--log-level", "error"}
	checkKept(t, run(t, registry(), env, args...), box)
	if r := run(t, registry(), env, args...); r.code != 0 {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	completions := len(p.Completions(id))
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL, "--log-level", "error")
	if f.code != 0 || !strings.Contains(f.stdout, "0 delivered, 1 superseded (dropped: the platform shows the inject finished), 0 still pending") {
		t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	if n := len(p.Completions(id)); n != completions {
		t.Errorf("the flush sent the superseded complete: %d completions, want %d", n, completions)
	}
	wantOutboxEmpty(t, registry(), env, "after the flush")
}

// A stored "complete" carrying signatures, superseded at the flush by
// another run that completed the inject, is not sent, and its signatures
// go as a "data" callback: the platform holds the signatures of every
// target of both runs (the stored run's first body's targets too, which
// were lost), and the inject was completed once. As in the tester's case
// (19 bodies for inject oa-7), the stand-in answers 503 to the complete.
func TestOutboxFlushSupersededCompleteSendsItsSignatures(t *testing.T) {
	t.Parallel()
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy ingestion %v", legacy), func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVariant(openaevtest.Current, legacy))
			registered(t, p, platformToken, registry())
			const id = "oa-7"
			p.AddInject(id, openaev.ContractID("noop"))
			p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
			const targets = 40
			inject := assetsInjectFile(t, id, targets)
			env, _ := outboxEnv(t)
			args := []string{"run", "--inject-file", inject, "--profile", "openaev", "--backend-url", p.URL,
				"--max-payload-size", "2048", "--log-level", "error"}
			r := run(t, registry(), env, args...)
			m := openaevStoredLine.FindStringSubmatch(r.stderr)
			if r.code != 1 || m == nil {
				t.Fatalf("first run: exit %d, want 1 and its bodies stored; stderr:\n%s", r.code, r.stderr)
			}
			kept, _ := strconv.Atoi(m[1])
			if kept < 3 {
				t.Fatalf("%d bodies stored, want a complete and data", kept)
			}
			if r := run(t, registry(), env, args...); r.code != 0 {
				t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
			}
			// The second run's signatures, per target: the first run's are
			// as many.
			perAsset := func() map[string]int {
				n := map[string]int{}
				for _, sigs := range p.Signatures(id) {
					for _, s := range sigs {
						n[s.Asset]++
					}
				}
				// A signature sent again to expectations holding it is
				// taken and stored once (openaevtest, rule 5): count it.
				for _, c := range p.Calls(id) {
					for _, s := range c.SignaturesRepeated {
						n[s.Asset]++
					}
				}
				return n
			}
			second := perAsset()
			if len(second) != targets {
				t.Fatalf("the second run stored signatures of %d targets, want %d", len(second), targets)
			}
			f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL, "--log-level", "error")
			want := fmt.Sprintf("%d delivered, 1 superseded (its signatures sent as data: the platform shows the inject finished), 0 still pending", kept-1)
			if f.code != 0 || !strings.Contains(f.stdout, want) {
				t.Errorf("flush: exit %d, want 0 and %q\n%s%s", f.code, want, f.stdout, f.stderr)
			}
			var short []string
			for asset, n := range perAsset() {
				if n != 2*second[asset] {
					short = append(short, fmt.Sprintf("%s: %d of %d", asset, n, 2*second[asset]))
				}
			}
			if len(short) > 0 {
				slices.Sort(short)
				t.Errorf("targets without both runs' signatures after the flush: %v", short)
			}
			if n := len(p.Completions(id)); n != 1 {
				t.Errorf("the inject was completed %d times, want once", n)
			}
			if dropped := p.Dropped(); len(dropped) > 0 {
				t.Errorf("the platform dropped %d callbacks: %s", len(dropped), dropped[0].Reason)
			}
			wantOutboxEmpty(t, registry(), env, "after the flush")
		})
	}
}

// A flush interrupted (SIGINT, SIGTERM, SIGHUP: its context ends) while
// sending a body exits 130 and counts every body of both profiles still
// pending: the body whose post it cut short in flight (the callback
// profile's first) with that attempt counted and its last error saying so
// (the backend may have received it), as a run's and a retry-dead's, the
// others keeping the last error of their last real attempt. An openaev
// "complete" alone is resent after a read of its inject's status: the
// interrupt cuts that read, the complete is never sent, and it keeps its
// last error unchanged (the read's attempt is not the complete's).
func TestOutboxFlushInterrupted(t *testing.T) {
	t.Parallel()
	callback := func(id string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "p", Body: []byte(`{}`)}
	}
	complete := func(id string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "complete", Body: []byte(`{}`),
			Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/" + id}
	}
	for _, tc := range []struct {
		name    string
		entries []outbox.Entry
		cut     int    // bodies cut short in flight
		counted string // the bodies still pending, each profile's as its run counts them
	}{
		{name: "both profiles, the first body cut short", entries: []outbox.Entry{callback("a"), callback("b"), complete("c")}, cut: 1,
			counted: "2 signature bodies and 1 terminal callback body"},
		{name: "an openaev complete alone, its status read cut short", entries: []outbox.Entry{complete("os3")},
			counted: "1 terminal callback body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, be := interruptingBackend(t)
			box := filepath.Join(t.TempDir(), "outbox.db")
			for i := range tc.entries {
				tc.entries[i].BaseURL = be.URL
			}
			withStore(t, box, func(s *outbox.Store) error {
				recs, err := s.Put(tc.entries...)
				for _, r := range recs {
					err = errors.Join(err, s.MarkFailed(r.ID, 1, "503 from the run", time.Now()))
				}
				return err
			})
			sess := newSession(false, false)
			sess.ctx, sess.env = ctx, map[string]string{"INJECTKIT_OUTBOX": box}
			f := sess.run(t, registry(), "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
			n := len(tc.entries)
			want := fmt.Sprintf("injectkit: flush interrupted (context canceled): %s still pending, unchanged (flush again to send them)\n",
				tc.counted)
			if tc.cut > 0 {
				want = fmt.Sprintf("injectkit: flush interrupted (context canceled): %s still pending, 1 cut short in flight "+
					"(the backend may have received it: its last error says so), the others unchanged (flush again to send them)\n", tc.counted)
			}
			if f.code != cli.ExitInterrupted || !strings.Contains(f.stdout, fmt.Sprintf(": 0 delivered, %d still pending,", n)) || f.stderr != want {
				t.Fatalf("exit %d, want %d and %q\n%s%s", f.code, cli.ExitInterrupted, want, f.stdout, f.stderr)
			}
			if l := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "list", "-o", "json"); strings.Count(l.stdout, `"last_error": "503 from the run"`) != n-tc.cut ||
				strings.Count(l.stdout, `"last_error": "attempt 1 cut short by the interrupt while in flight (the backend may have received it)`) != tc.cut {
				t.Errorf("want the body cut short in flight saying so, the others their last error:\n%s", l.stdout)
			}
		})
	}
}

// A flush without --backend-url sends nothing, and its per-backend lines
// and its error count each profile's bodies as its summary does: the
// callback profile's signature bodies, the openaev profile's terminal
// callback bodies.
func TestOutboxFlushWithoutBackendCountsByProfile(t *testing.T) {
	t.Parallel()
	const a, b = "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"
	complete := func(id, base string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "complete", Body: []byte(`{}`), BaseURL: base,
			Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/" + id}
	}
	box := filepath.Join(t.TempDir(), "outbox.db")
	withStore(t, box, func(s *outbox.Store) error {
		_, err := s.Put(complete("c1", a),
			outbox.Entry{InjectID: "s1", Phase: "p", Body: []byte(`{}`), BaseURL: b}, complete("c2", b))
		return err
	})
	f := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "flush", "--log-level", "error")
	for _, want := range []string{
		"1 terminal callback body for " + a + " left pending: no --backend-url given",
		"1 signature body and 1 terminal callback body for " + b + " left pending: no --backend-url given",
	} {
		if !strings.Contains(f.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, f.stdout)
		}
	}
	if want := "flush incomplete: 1 signature body and 2 terminal callback bodies pending and no --backend-url given"; f.code == 0 || !strings.Contains(f.stderr, want) {
		t.Errorf("exit %d, stderr lacks %q:\n%s", f.code, want, f.stderr)
	}
}

// t104: outbox move counts each profile's bodies as run, flush and list
// do: the callback profile's signature bodies, the openaev profile's
// terminal callback bodies (it said "1 signature body moved" for an
// openaev complete).
func TestOutboxMoveCountsByProfile(t *testing.T) {
	t.Parallel()
	const from, to = "http://127.0.0.1:1", "http://127.0.0.1:2"
	complete := func(id string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "complete", Body: []byte(`{}`), BaseURL: from,
			Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/" + id}
	}
	callback := func(id string) outbox.Entry {
		return outbox.Entry{InjectID: id, Phase: "p", Body: []byte(`{}`), BaseURL: from}
	}
	for _, tc := range []struct {
		name    string
		entries []outbox.Entry
		counted string
	}{
		{"an openaev complete", []outbox.Entry{complete("c1")}, "1 terminal callback body"},
		{"a callback body", []outbox.Entry{callback("s1")}, "1 signature body"},
		{"both profiles", []outbox.Entry{complete("c1"), callback("s1"), complete("c2")}, "1 signature body and 2 terminal callback bodies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			box := filepath.Join(t.TempDir(), "outbox.db")
			withStore(t, box, func(s *outbox.Store) error {
				_, err := s.Put(tc.entries...)
				return err
			})
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "move", "--from", from, "--to", to)
			if want := ": " + tc.counted + " moved from " + from + " to " + to; r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Fatalf("move: exit %d, want 0 saying %q:\n%s%s", r.code, want, r.stdout, r.stderr)
			}
		})
	}
}
