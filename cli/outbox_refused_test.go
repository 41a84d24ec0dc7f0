package cli_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// A body the backend refuses for good (400, 410, 422) goes to the dead
// list; run, outbox flush and retry-dead each say what the backend
// answered (its status and the start of its body, redacted of the token
// the backend echoed) and that the same body will be refused again: what
// can fix it (the backend changed, outbox move, the run's input) and
// outbox drop, in both profiles.
func TestRefusedBodySaysTheAnswerAndTheFix(t *testing.T) {
	const token = "tok-refused-9876"
	for _, status := range []int{http.StatusBadRequest, http.StatusGone, http.StatusUnprocessableEntity} {
		for _, profile := range []string{"callback", "openaev"} {
			t.Run(profile+"/"+strconv.Itoa(status), func(t *testing.T) {
				t.Parallel()
				env, _ := outboxEnv(t)
				args := []string{"run", "noop", "--inject-id", "inj-r", "--target", "127.0.0.1", "--log-level", "error"}
				var url, body string
				var answer func(int)
				if profile == "openaev" {
					p := noopPlatform(t, "inj-r")
					env["INJECTKIT_TOKEN"] = platformToken
					url, body = p.URL, `"{\"message\":\"scripted failure\"}"`
					answer = func(code int) { p.FailComplete("inj-r", code, 100) }
					args = append(args, "--profile", "openaev")
				} else {
					be := transporttest.NewScriptedBackend(t)
					env["INJECTKIT_TOKEN"] = token
					// The backend echoes the token, then says more than the line shows.
					url, body = be.URL, `"{\"message\":\"refused for [REDACTED]\",\"pad\":\"`+strings.Repeat("x", 150)
					answer = func(code int) {
						be.SetReply(transporttest.Reply{Status: code, Header: http.Header{"Retry-After": {"0"}},
							Body: `{"message":"refused for ` + token + `","pad":"` + strings.Repeat("x", 300) + `"}`})
					}
				}
				args = append(args, "--backend-url", url)
				said := "the backend refused the body as it is (" + strconv.Itoa(status) + ") and will refuse it again: retry-dead it only once the backend changed"
				check := func(what string, r result, code int, line, drop string) {
					t.Helper()
					if r.code != code || !strings.Contains(r.stderr, line) || !strings.Contains(r.stderr, said) ||
						!strings.Contains(r.stderr, "outbox move it to a backend that takes it") || !strings.Contains(r.stderr, "outbox drop "+drop) ||
						strings.Contains(r.stderr+r.stdout, token) {
						t.Errorf("%s: exit %d, want %d, %q and the hint %q (drop %s), never the token:\n%s%s", what, r.code, code, line, said, drop, r.stdout, r.stderr)
					}
				}
				answer(status)
				check("run", run(t, registry(), env, args...), 1, "rejected by the backend (status "+strconv.Itoa(status)+": "+body, "<id>")
				check("retry-dead", run(t, registry(), env, "outbox", "retry-dead", "1", "--backend-url", url, "--log-level", "error"), 1,
					"rejected: status "+strconv.Itoa(status)+": ", "1")

				// A body stored while the backend was down, refused by the flush.
				answer(http.StatusServiceUnavailable)
				if r := run(t, registry(), env, append(args[:len(args):len(args)], "--inject-id", "inj-r")...); r.code != 1 || !strings.Contains(r.stderr, "stored in outbox") {
					t.Fatalf("run against 503: exit %d\n%s", r.code, r.stderr)
				}
				answer(status)
				check("flush", run(t, registry(), env, "outbox", "flush", "--backend-url", url, "--log-level", "error"), 1,
					"not delivered (1 rejected by the backend, moved to the dead list: status "+strconv.Itoa(status)+": "+body, "<id>")
			})
		}
	}
}

// A backend's answer in UTF-8 longer than the line shows is cut on a
// character's start, by outbox list's LAST ERROR and by the run's line
// alike: never half a character, bytes that are not UTF-8.
func TestRefusedAnswerCutOnACharacter(t *testing.T) {
	be := transporttest.NewScriptedBackend(t)
	be.SetReply(transporttest.Reply{Status: http.StatusBadRequest, Body: `{"message":"` + strings.Repeat("é", 300) + `"}`})
	env, _ := outboxEnv(t)
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-u", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	l := run(t, registry(), env, "outbox", "list")
	for what, out := range map[string]string{"run": r.stderr, "outbox list": l.stdout} {
		if !utf8.ValidString(out) || !strings.Contains(out, "é…") {
			t.Errorf("%s: want the answer cut after a whole character, then …, all of it UTF-8:\n%q", what, out)
		}
	}
}

// The outbox's help says which answers put a body in the dead list as a
// run does: a 401 or 403 refuses the token, not the body, which stays
// pending for a flush with the right one.
func TestOutboxHelpSaysARefusedTokenKeepsBodiesPending(t *testing.T) {
	h := run(t, registry(), nil, "outbox", "--help")
	const says = "a 4xx other than 401, 403, 407, 408, 409 and 429, a 501 or 505) are dead"
	if !strings.Contains(h.stdout, says) || !strings.Contains(h.stdout, "a token refused (401, 403) leaves them pending") {
		t.Errorf("outbox --help does not say %q:\n%s", says, h.stdout)
	}
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		be := newSwitchable(t, status)
		env, _ := outboxEnv(t)
		run(t, registry(), env, "run", "noop", "--inject-id", "inj-t", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
		if l := run(t, registry(), env, "outbox", "list"); !strings.Contains(l.stdout, ": 1 pending, 0 dead") {
			t.Errorf("a body answered %d, as the help says: want it pending, not dead:\n%s", status, l.stdout)
		}
	}
}

// A flush that leaves bodies names the list of its own outbox, given by
// --outbox or INJECTKIT_OUTBOX: the list as printed shows them, where one
// without --outbox would list the default outbox.
func TestFlushIncompleteNamesItsOutbox(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	env, box := outboxEnv(t)
	env["HOME"], env["XDG_STATE_HOME"] = t.TempDir(), ""
	run(t, registry(), env, "run", "noop", "--inject-id", "inj-l", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	m := regexp.MustCompile(`\(see: (injectkit outbox list[^)]*)\)`).FindStringSubmatch(f.stderr)
	if f.code != 1 || m == nil || !strings.Contains(m[1], "--outbox "+box) {
		t.Fatalf("flush: exit %d, want 1 and the list of %s:\n%s", f.code, box, f.stderr)
	}
	delete(env, "INJECTKIT_OUTBOX")
	if l := run(t, registry(), env, strings.Fields(m[1])[1:]...); l.code != 0 || !strings.Contains(l.stdout, ": 1 pending, 0 dead") {
		t.Errorf("%s: exit %d, want the body pending:\n%s%s", m[1], l.code, l.stdout, l.stderr)
	}
}

// A 405 to the callback profile's route gets the run's route hint (an
// OpenAEV platform, most likely); a flush or retry-dead of such a body,
// which says no route hint, says what can fix it as for any other
// refusal.
func TestRefused405HintedByFlushAndRetryDead(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	env, _ := outboxEnv(t)
	run(t, registry(), env, "run", "noop", "--inject-id", "inj-5", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	be.set(http.StatusMethodNotAllowed)
	const said = "the backend refused the body as it is (405) and will refuse it again"
	for _, args := range [][]string{{"outbox", "flush"}, {"outbox", "retry-dead", "1"}} {
		r := run(t, registry(), env, append(args, "--backend-url", be.URL, "--log-level", "error")...)
		if r.code != 1 || !strings.Contains(r.stderr, "hint: "+said) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s%s", args[1], r.code, said, r.stdout, r.stderr)
		}
	}
}
