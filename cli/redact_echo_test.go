package cli_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A loopback backend answering 422 with an error body that echoes the
// token as Java backends do (Gson writes "=" and "'" as \u003d and
// \u0027) or as HTML character references (&#039;, &#X3d;), the whole
// Authorization header in base64, or the base64 of a Gson-written
// object holding it: neither stderr (text and JSON logs) nor
// the outbox's stored error (outbox list, -o json) shows the token in any
// form.
func TestEchoedTokenRedactedEverywhere(t *testing.T) {
	const tok = "it's-dG9rZW4tc2VjcmV0MTIz=="
	gson := strings.NewReplacer("=", `\u003d`, "'", `\u0027`)
	echoes := map[string]func(auth string) string{
		"Gson-escaped": func(a string) string {
			return `{"message":"invalid token ` + gson.Replace(strings.TrimPrefix(a, "Bearer ")) + `"}`
		},
		"HTML references": func(a string) string {
			return "<p>bad token: " + strings.NewReplacer("'", "&#039;", "=", "&#X3d;").Replace(strings.TrimPrefix(a, "Bearer ")) + "</p>"
		},
		"base64 header": func(a string) string { return `{"echo":"` + base64.StdEncoding.EncodeToString([]byte(a)) + `"}` },
		"base64 of a Gson object": func(a string) string {
			return `{"echo":"` + base64.StdEncoding.EncodeToString([]byte(`{"authorization":"`+gson.Replace(a)+`"}`)) + `"}`
		},
	}
	for name, echo := range echoes {
		for _, format := range []string{"console", "json"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				be := testkit.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusUnprocessableEntity)
					_, _ = io.WriteString(w, echo(r.Header.Get("Authorization")))
				})
				env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "echo.db")}
				r := run(t, registry(), env, "run", "noop", "--inject-id", "tEcho", "--target", "127.0.0.1",
					"--backend-url", be.URL, "--token", tok, "--log-format", format)
				if r.code == 0 || len(be.Requests()) == 0 {
					t.Fatalf("run: exit %d after %d requests, want the 422 refused\n%s", r.code, len(be.Requests()), r.stderr)
				}
				shown := map[string]string{"run's stderr": r.stderr}
				for _, args := range [][]string{{"outbox", "list"}, {"outbox", "list", "-o", "json"}} {
					l := run(t, registry(), env, args...)
					shown[strings.Join(args, " ")] = l.stdout + l.stderr
				}
				if !strings.Contains(shown["outbox list -o json"], "REDACTED") {
					t.Errorf("outbox list -o json holds no redacted error:\n%s", shown["outbox list -o json"])
				}
				for where, s := range shown {
					if showsToken(s, tok) {
						t.Errorf("%s shows the token:\n%s", where, s)
					}
				}
			})
		}
	}
}

// showsToken reports whether s holds tok raw, with any of its characters
// \u-escaped (the backslash doubled any number of times), or three bytes
// in a row of it in base64 (either alphabet, any alignment).
func showsToken(s, tok string) bool {
	decoded := regexp.MustCompile(`\\+u[0-9a-fA-F]{4}`).ReplaceAllStringFunc(s, func(e string) string {
		n, _ := strconv.ParseUint(e[len(e)-4:], 16, 16)
		return string(rune(n))
	})
	if strings.Contains(decoded, tok) {
		return true
	}
	for _, run := range regexp.MustCompile(`[A-Za-z0-9+/_-]+`).FindAllString(s, -1) {
		run = strings.NewReplacer("-", "+", "_", "/").Replace(run)
		for off := range min(4, len(run)) {
			b, _ := base64.RawStdEncoding.DecodeString(run[off:][:(len(run)-off)/4*4])
			for i := 0; i+3 <= len(tok); i++ {
				if bytes.Contains(b, []byte(tok[i:i+3])) {
					return true
				}
			}
		}
	}
	return false
}
