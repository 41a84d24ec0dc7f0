package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A token that cannot travel in an Authorization header is refused
// naming where it was given (the flag, the variable, the config file's
// line), as every other setting is, and never its value, by every
// command that takes one.
func TestTokenErrorNamesItsSource(t *testing.T) {
	conf := writeFile(t, "c.yaml", "backend_url: http://127.0.0.1:1\ntoken: \"sekrit\\0tok\"\n")
	serveConf := writeFile(t, "s.yaml", "token: \"sekrit\\0tok\"\n")
	crConf := writeFile(t, "cr.yaml", "token: \"sekrit\\rtok\"\n")
	lineBreak := writeFile(t, "lb.yaml", "backend_url: http://127.0.0.1:1\ntoken: \"sekrit\\ntok\"\n")
	run1 := []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-tok", "--outbox", "none", "--log-level", "error"}
	backend := []string{"--backend-url", "http://127.0.0.1:1"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "00000000-0000-4000-8000-000000000001",
		"--injectors", "noop", "--listen-addr", "", "--outbox", "none"}
	tests := []refusal{
		{"run --token", nil, append(append(run1, backend...), "--token", "sekrit\ntok"), `invalid token (secret) (--token): holds a control character`},
		{"validate --token", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--token", "sekrit\ntok"},
			`invalid token (secret) (--token): holds a control character`},
		{"run env", map[string]string{"INJECTKIT_TOKEN": "sekrit\x01tok"}, append(run1, backend...),
			`invalid token (secret) (env INJECTKIT_TOKEN): holds a control character`},
		{"run config file", nil, append(run1, "--config", conf), `invalid token (secret) (config file ` + conf + `:2): holds a control character`},
		{"run config file, a line break", nil, append(run1, "--config", lineBreak),
			`invalid token (secret) (config file ` + lineBreak + `:2): holds a control character`},
		{"run non-ASCII", nil, append(append(run1, backend...), "--token", "sekrit\u00e9tok"),
			`invalid token (secret) (--token): holds a character outside ASCII`},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", "none", "--token", "sekrit\ttok"}, backend...),
			`invalid token (secret) (--token): holds a control character`},
		{"serve --token", nil, append(serve, "--token", "sekrit\ntok"), `invalid token (secret) (--token): holds a control character`},
		// A token read from a file saved with a byte order mark
		// (INJECTKIT_TOKEN="$(cat token.txt)"), a zero-width space pasted
		// with it: the character is named, as it prints as nothing.
		{"run env, a byte order mark", map[string]string{"INJECTKIT_TOKEN": "\ufeffsekrittok"}, append(run1, backend...),
			`invalid token (secret) (env INJECTKIT_TOKEN): holds a character outside ASCII, U+FEFF at byte 0`},
		{"serve env, a zero-width space", map[string]string{"INJECTKIT_TOKEN": "sekrit\u200btok"}, serve,
			`invalid token (secret) (env INJECTKIT_TOKEN): holds a character outside ASCII, U+200B at byte 6`},
		{"serve config file, a carriage return", nil, append(serve, "--config", crConf),
			`invalid token (secret) (config file ` + crConf + `:1): holds a control character, U+000D at byte 6`},
		{"serve config file", nil, append(serve, "--config", serveConf), `invalid token (secret) (config file ` + serveConf + `:1): holds a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			checkRefused(t, r, tt.want)
			checkNotShown(t, r, "sekrit")
		})
	}
}

// t67: a token bound for plain http:// on another host than this machine
// gets one WARN line at start (validate and run share it, and outbox
// flush); a loopback URL, an https:// one or no token gets none. Nothing
// here is sent to a host that is not loopback: validate sends nothing,
// and the flush's outbox holds only a loopback backend's body, left
// pending as another backend's.
func TestWarnTokenInClear(t *testing.T) {
	const warn = "the token goes in clear over http://"
	tests := []struct {
		name  string
		url   string
		token bool
		want  bool
	}{
		{"another host", "http://192.0.2.10:8080", true, true},
		{"another host, credentials in the URL", "http://u:p@192.0.2.10:8080", false, true},
		{"another host, upper-case scheme", "HTTP://backend.example:8080", true, true},
		{"127.0.0.1", "http://127.0.0.1:8080", true, false},
		{"127.8.9.10", "http://127.8.9.10:8080", true, false},
		{"::1", "http://[::1]:8080", true, false},
		{"localhost", "http://localhost:8080", true, false},
		{"https", "https://192.0.2.10:8443", true, false},
		{"no token", "http://192.0.2.10:8080", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"validate", "noop", "--target", "192.0.2.1", "--inject-id", "inj-c", "--backend-url", tt.url}
			if tt.token {
				args = append(args, "--token", "tok-clear-1")
			}
			r := run(t, registry(), nil, args...)
			if n := strings.Count(r.stderr, warn); r.code != 0 || n != map[bool]int{true: 1, false: 0}[tt.want] ||
				strings.Contains(r.stderr, "tok-clear-1") || strings.Contains(r.stderr, ":p@") {
				t.Errorf("exit %d, %d WARN lines, want %v:\n%s", r.code, n, tt.want, r.stderr)
			}
		})
	}
	t.Run("outbox flush", func(t *testing.T) {
		be := newSwitchable(t, http.StatusServiceUnavailable)
		box := filepath.Join(t.TempDir(), "outbox.db")
		env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok-clear-1"}
		keepInOutbox(t, env, "inj-c", be.URL)
		// A dead body of the flush's backend, which a flush never sends:
		// a backend the outbox knows, so that the flush goes on (see
		// TestFlushOfABackendTheOutboxHoldsNothingFor).
		recs := storeBodies(t, box, outbox.Entry{InjectID: "inj-dead", Phase: "p", BaseURL: "http://192.0.2.10:8080", Body: []byte(`{}`)})
		withStore(t, box, func(s *outbox.Store) error {
			return s.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, "refused", "answer 400")
		})
		before := len(be.got())
		f := run(t, registry(), env, "outbox", "flush", "--backend-url", "http://192.0.2.10:8080")
		if strings.Count(f.stderr, warn) != 1 || len(be.got()) != before {
			t.Errorf("flush: exit %d, %d requests, stderr %q; want one WARN, nothing sent", f.code, len(be.got())-before, f.stderr)
		}
	})
}

// A token given with an empty backend URL (a URL from an unset variable,
// say) goes nowhere: the run prints its output, exit 0, and says on
// stderr that the token is unused, naming where each was given, never
// the token. Without a token nothing is said.
func TestTokenWithoutBackendWarns(t *testing.T) {
	const token = "tok-3f9a7c21e5"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		warn string
	}{
		{"flag", nil, []string{"--backend-url", "", "--token", token}, `a token was given (--token) but no backend URL`},
		{"environment", map[string]string{"INJECTKIT_TOKEN": token}, nil, `a token was given (env INJECTKIT_TOKEN) but no backend URL`},
		{"no token", nil, []string{"--backend-url", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "noop", "--target", "127.0.0.1", "-o", "json"}, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "127.0.0.1") {
				t.Fatalf("exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
			}
			checkNotShown(t, r, token)
			if got := strings.Contains(r.stderr, "the token is unused"); got != (tt.warn != "") || !strings.Contains(r.stderr, tt.warn) {
				t.Errorf("stderr:\n%s\nwant the warning %q: %v", r.stderr, tt.warn, tt.warn != "")
			}
		})
	}
}

// A token shorter than 8 characters is hardly a real one, and redacting it
// wherever it stands as a word garbles the logs ("outbox" in every hint):
// one WARN line says so; a longer token gets none.
func TestShortTokenWarns(t *testing.T) {
	const warn = "the token is shorter than 8 characters, hardly a real one"
	for _, tc := range []struct {
		token string
		warns bool
	}{
		{"T", true},
		{"outbox", true},
		{"abcdefg", true},
		{"abcdefgh", false},
	} {
		t.Run(tc.token, func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-short", "--target", "127.0.0.1",
				"--backend-url", be.URL, "--token", tc.token)
			if r.code != 0 || strings.Count(r.stderr, warn) != map[bool]int{true: 1, false: 0}[tc.warns] {
				t.Errorf("exit %d, want 0 and the WARN %v:\n%s", r.code, tc.warns, r.stderr)
			}
		})
	}
}

// A short token's WARN says what follows from it: a target holding it as
// a word is refused as one holding any token is (exit 2, nothing sent),
// where the WARN spoke of redacted logs alone.
func TestShortTokenWarnSaysTargetRefused(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-short", "--target", "10.0.0.1",
		"--backend-url", be.URL, "--token", "1")
	if r.code != 2 || !strings.Contains(r.stderr, "holds a secret") ||
		!strings.Contains(r.stderr, "an inject id or target holding it as a word is refused") {
		t.Errorf("exit %d, want 2, refused as holding the token, the WARN saying why:\n%s", r.code, r.stderr)
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// A backend URL's user:password goes as a Basic Authorization header when
// no token is given: a 401 then names them, not a token, and the flush
// hint says to give them right. Given with a token, whose Bearer header
// would replace them without a word, they are refused (exit 2, nothing
// sent) by run, validate and outbox flush.
func TestBackendURLCredentials(t *testing.T) {
	be := newSwitchable(t, http.StatusUnauthorized)
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	withUser := strings.Replace(be.URL, "http://", "http://bob:Wr0ngPw96@", 1)
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-basic", "--target", "127.0.0.1", "--backend-url", withUser, "--log-level", "error")
	want := "delivery failed: the backend refused the backend URL's user:password (401 or 403); 1 signature body stored in outbox " + box +
		" (flush with the right user:password in --backend-url: "
	if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "token") || strings.Contains(r.stderr, "Wr0ngPw96") {
		t.Errorf("exit %d, want 1 and %q:\n%s", r.code, want, r.stderr)
	}
	if got := be.got(); len(got) != 1 || !strings.HasPrefix(got[0].Auth, "Basic ") {
		t.Fatalf("requests %+v, want one with Basic credentials", got)
	}
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", withUser, "--log-level", "error")
	if !strings.Contains(f.stderr, "flush incomplete: the backend refused the backend URL's user:password (401 or 403): 1 signature body left pending, "+
		"not moved to the dead list (flush again with the right user:password in --backend-url)") {
		t.Errorf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	sent := len(be.got())
	refusal := `invalid backend_url "` + strings.Replace(be.URL, "http://", "http://REDACTED@", 1) + `" (--backend-url): holds a user:password while a token is given`
	for _, args := range [][]string{
		{"run", "noop", "--inject-id", "inj-both", "--target", "127.0.0.1", "--backend-url", withUser, "--token", "t0ken-of-the-run"},
		{"validate", "noop", "--inject-id", "inj-both", "--target", "127.0.0.1", "--backend-url", withUser, "--token", "t0ken-of-the-run"},
		{"outbox", "flush", "--backend-url", withUser, "--token", "t0ken-of-the-run"},
	} {
		r := run(t, registry(), env, args...)
		if r.code != 2 || !strings.Contains(r.stderr, refusal) || strings.Contains(r.stderr, "Wr0ngPw96") {
			t.Errorf("%s: exit %d, want 2 and %q:\n%s", args[0], r.code, refusal, r.stderr)
		}
	}
	if n := len(be.got()) - sent; n != 0 {
		t.Errorf("%d requests sent with both credentials", n)
	}
}

// A URL whose password holds '/', '?' or '#' as it is, given anywhere a
// URL is read (a flag, the environment, the config file; run, validate,
// outbox flush, serve, a URL setting), is refused with exit 2 naming the
// setting and saying how to write the password, and no piece of the
// password is shown.
func TestURLPasswordNeverShownWhenUnparsable(t *testing.T) {
	reg := registry(withQuery)
	for _, pw := range []string{"Zx9Q/w7RealPass", "Zx9Q?w7RealPass", "Zx9Q#w7RealPass", "1234/w7RealPass"} {
		bad := "http://svc:" + pw + "@127.0.0.1:18601"
		cfg := writeFile(t, "c.yaml", "backend_url: '"+bad+"'\n")
		tmp := filepath.Dir(filepath.Dir(cfg))
		run1 := []string{"noop", "--target", "127.0.0.1", "--inject-id", "v"}
		tests := []refusal{
			{"run flag", nil, append(append([]string{"run"}, run1...), "--backend-url", bad), `invalid backend_url`},
			{"validate flag", nil, append(append([]string{"validate"}, run1...), "--backend-url", bad), `(--backend-url)`},
			{"validate env", map[string]string{"INJECTKIT_BACKEND_URL": bad}, append([]string{"validate"}, run1...), `(env INJECTKIT_BACKEND_URL)`},
			{"validate config", nil, append(append([]string{"validate"}, run1...), "--config", cfg), `invalid backend_url`},
			{"outbox flush", nil, []string{"outbox", "flush", "--outbox", t.TempDir() + "/ob.db", "--backend-url", bad}, `invalid backend_url`},
			{"outbox flush config", nil, []string{"outbox", "flush", "--outbox", t.TempDir() + "/ob.db", "--config", cfg}, `invalid backend_url`},
			{"serve", nil, []string{"serve", "--openaev-url", bad, "--token", serveToken, "--injector-id", injectorID}, `invalid openaev_url`},
			{"shodan base URL", map[string]string{"INJECTKIT_SHODAN_BASE_URL": bad, "INJECTKIT_SHODAN_API_KEY": "k"},
				[]string{"validate", "query", "--query", "apache"}, `invalid query.shodan_base_url`},
		}
		for _, tt := range tests {
			t.Run(pw+"/"+tt.name, func(t *testing.T) {
				r := run(t, reg, tt.env, append(tt.args, "--log-level", "error")...)
				// The temporary directory's name ends in random digits,
				// which may hold "1234": only what is not the path counts.
				out := strings.ReplaceAll(r.stdout+r.stderr, tmp, "TMP")
				switch {
				case r.code != 2:
					t.Fatalf("exit %d, want 2:\n%s", r.code, out)
				case !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "%2F %3F %23"):
					t.Errorf("stderr lacks %q and the hint:\n%s", tt.want, r.stderr)
				}
				for _, piece := range []string{"Zx9Q", "1234", "w7RealPass", "RealPass"} {
					if strings.Contains(out, piece) {
						t.Errorf("shows %q of the password:\n%s", piece, out)
					}
				}
			})
		}
	}
}

// A URL setting whose scheme is mistyped parses as a path or an opaque
// part, its user information with it: whichever setting it is, the
// refusal (exit 2) names the setting and shows the URL masked up to the
// '@', never its password in any encoding.
func TestURLTypoRefusedWithoutPassword(t *testing.T) {
	const secret = "S3cr3tUinfo96"
	box := filepath.Join(t.TempDir(), "outbox.db")
	reg := registry(withQuery, func(r *framework.Registry) {
		r.Register("cloudscan", func() framework.Executor { return cloudscan.New() })
	})
	red := httpx.NewRedactor(secret)
	for _, typo := range []struct{ raw, shown string }{
		{"http//u:" + secret + "@127.0.0.1:1", `"http//REDACTED@127.0.0.1:1"`},
		{"http:/u:" + secret + "@127.0.0.1:1", `"http:/REDACTED@127.0.0.1:1"`},
		{"http:///u:" + secret + "@127.0.0.1:1", `"http:///REDACTED@127.0.0.1:1"`},
		{"http:u:" + secret + "@127.0.0.1:1", `"http:REDACTED@127.0.0.1:1"`},
		{"http//u:" + secret + "@127.0.0.1:1/?x=1", `"(unparsable URL)"`},
	} {
		for _, tt := range []struct {
			name, field string
			env         map[string]string
			args        []string
		}{
			{"backend-url", "--backend-url", nil, []string{"validate", "noop", "--target", "127.0.0.1", "--backend-url", typo.raw}},
			{"openaev-url", "--openaev-url", nil, []string{"serve", "--openaev-url", typo.raw, "--token", "tok",
				"--injector-id", "9a6e0000-0000-4000-8000-000000000096", "--listen-addr", ""}},
			{"shodan", "env INJECTKIT_SHODAN_BASE_URL", map[string]string{"INJECTKIT_SHODAN_BASE_URL": typo.raw, "INJECTKIT_SHODAN_API_KEY": "k"},
				[]string{"validate", "query", "--query", "apache"}},
			{"cloudscan", "env INJECTKIT_CLOUDSCAN_ENDPOINT_URL", map[string]string{"INJECTKIT_CLOUDSCAN_ENDPOINT_URL": typo.raw},
				[]string{"validate", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}},
			{"outbox move", "--to", nil, []string{"outbox", "move", "--outbox", box, "--from", "http://127.0.0.1:2", "--to", typo.raw}},
			{"outbox flush", "--backend-url", nil, []string{"outbox", "flush", "--outbox", box, "--backend-url", typo.raw}},
		} {
			t.Run(tt.name+" "+typo.raw, func(t *testing.T) {
				r := run(t, reg, tt.env, tt.args...)
				if r.code != 2 || !strings.Contains(r.stderr, typo.shown) || !strings.Contains(r.stderr, tt.field) {
					t.Errorf("exit %d, want 2 showing %s and naming %s:\n%s", r.code, typo.shown, tt.field, r.stderr)
				}
				if out := r.stdout + r.stderr; strings.Contains(out, "S3cr3t") || red.Redact(out) != out {
					t.Errorf("the password is shown:\n%s%s", r.stdout, r.stderr)
				}
			})
		}
	}
}
