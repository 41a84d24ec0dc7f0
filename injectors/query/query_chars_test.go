package query

import (
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/injectkit/injectkit/internal/testkit"
)

// TestQueryWithUnseenCharactersRefused: a query holding a control
// character (a line break, a tab, NUL, DEL, a C1 one) or a format
// character (a bidi override, a zero-width one, a byte order mark), or a
// line separator, is refused before anything is sent or stored, exit 2,
// naming where it was given (the flag, the inject file's line, the config
// file's key and line, the environment variable) and showing it escaped:
// a bidi override makes what an analyst reads differ from what was sent,
// a line break splits the log lines collectors match.
func TestQueryWithUnseenCharactersRefused(t *testing.T) {
	queries := []struct{ name, query, shown string }{
		{"right-to-left override", "apache\u202eevil", `"apache\u202eevil"`},
		{"left-to-right embedding", "\u202aport:22", `"\u202aport:22"`},
		{"right-to-left isolate", "apache \u2067x\u2069", `"apache \u2067x\u2069"`},
		{"zero-width space", "apa\u200bche", `"apa\u200bche"`},
		{"right-to-left mark", "apache\u200f", `"apache\u200f"`},
		{"byte order mark", "\ufeffapache", `"\ufeffapache"`},
		{"soft hyphen", "apa\u00adche", `"apa\u00adche"`},
		{"line separator", "apache\u2028port:22", `"apache\u2028port:22"`},
		{"newline", "apache\nport:22", `"apache\nport:22"`},
		{"carriage return", "apache\rport:22", `"apache\rport:22"`},
		{"tab", "apache\tport:22", `"apache\tport:22"`},
		{"NUL", "apache\x00", `"apache\x00"`},
		{"DEL", "apache\x7f", `"apache\x7f"`},
		{"C1 CSI", "apache\u009b31m", `"apache\u009b31m"`},
	}
	sources := []struct {
		name  string
		args  func(t *testing.T, q string) ([]string, map[string]string)
		where string
	}{
		{"flag", func(t *testing.T, q string) ([]string, map[string]string) { return []string{"--query", q}, nil }, "invalid --query "},
		{"inject file", func(t *testing.T, q string) ([]string, map[string]string) { return queryArgs(t, q, true), nil },
			"inject.json:1: invalid targets[0].query "},
		{"config file", func(t *testing.T, q string) ([]string, map[string]string) {
			return []string{"--config", testkit.WriteFile(t, "config.yaml", "log_level: error\nquery: "+strconv.Quote(q)+"\n")}, nil
		}, "invalid query %s (config file "},
		{"environment", func(t *testing.T, q string) ([]string, map[string]string) {
			return nil, map[string]string{"INJECTKIT_QUERY": q}
		}, "invalid query %s (env INJECTKIT_QUERY)"},
	}
	for _, q := range queries {
		for _, src := range sources {
			for _, command := range []string{"run", "validate"} {
				t.Run(q.name+"/"+src.name+"/"+command, func(t *testing.T) {
					srv := newStandIn(t)
					env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey, "INJECTKIT_OUTBOX": "none"}
					args, extra := src.args(t, q.query)
					for k, v := range extra {
						env[k] = v
					}
					code, out, errs := runCLI(t, Name, env, append([]string{"injectkit", command, "query"}, args...)...)
					want := src.where + q.shown
					if strings.Contains(src.where, "%s") {
						want = strings.Replace(src.where, "%s", q.shown, 1)
					}
					if code != 2 || !strings.Contains(errs.String(), want) || !strings.Contains(errs.String(), "non-printable character") {
						t.Errorf("exit %d, want 2 with %q and the character named:\n%s", code, want, errs.String())
					}
					if out.Len() != 0 {
						t.Errorf("stdout written: %s", out)
					}
					if i := strings.IndexFunc(errs.String(), func(r rune) bool {
						return r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028')
					}); i >= 0 {
						t.Errorf("stderr holds the character unescaped at byte %d: %q", i, errs.String())
					}
					if got := srv.Requests(); len(got) != 0 {
						t.Errorf("%d requests sent to the engine", len(got))
					}
				})
			}
		}
	}
}

// TestQueryWithSpacesAndScriptsAccepted: what the rule lets through, a
// no-break space, an ideographic space, right-to-left letters (which a
// reader sees as they are), is sent as written.
func TestQueryWithSpacesAndScriptsAccepted(t *testing.T) {
	for _, q := range []string{"org:\"Zürich\u00a0AG\"", "product:nginx\u3000port:443", "org:\"שלום\" port:22", "title:\"مرحبا\""} {
		t.Run(q, func(t *testing.T) {
			srv := newStandIn(t)
			code, _, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
				"INJECTKIT_OUTBOX": "none"}, "injectkit", "run", "query", "--log-level", "error", "--query", q)
			if code != 0 {
				t.Fatalf("exit %d, want 0:\n%s", code, errs.String())
			}
			got := srv.Requests()
			if len(got) != 1 || got[0].Query != q {
				t.Errorf("requests %+v, want one for %q", got, q)
			}
		})
	}
}
