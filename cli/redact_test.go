package cli_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// pipedConfig returns a path that gives content once, as --config
// <(cat c.yaml) does: a pipe, written and closed.
func pipedConfig(t *testing.T, content string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	if _, err := w.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("/dev/fd/%d", r.Fd())
}

// Every error run, validate, serve and the outbox commands exit with is
// redacted of every secret they were given, the token and each Secret
// setting, from every source (flag, environment, config file, one a pipe
// gives once), one another source overrode too, in the forms the error
// quotes it: as written, JSON-escaped (%q), URL-encoded. A config file's
// were shown in clear when the configuration failed to load (a duration,
// a count refused) and, overridden, after it loaded.
func TestExitErrorsRedactEverySecretGiven(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	const quoted = `S3cr3t"Tok\en` // %q escapes it as JSON does
	dir, tokFile, setFile := secretFiles(t, tok)
	quotedFile := filepath.Join(dir, "quoted.yaml")
	if err := os.WriteFile(quotedFile, []byte("token: '"+quoted+"'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"}
	serveAs := func(args ...string) []string { return append(append([]string{}, serve...), args...) }
	const lockRefused = `invalid outbox_lock_timeout "[REDACTED]" (--outbox-lock-timeout)`
	tests := []struct {
		name string
		env  map[string]string
		args func() []string // built when the case runs: a pipe gives its content once
		want string
	}{
		{"run, --token", nil, func() []string { return []string{"run", "leaky", "--token", tok, "--outbox-lock-timeout", tok} }, lockRefused},
		{"run, env token", map[string]string{"INJECTKIT_TOKEN": tok}, func() []string { return []string{"run", "leaky", "--outbox-lock-timeout", tok} }, lockRefused},
		{"run, config token", nil, func() []string { return []string{"run", "leaky", "--config", tokFile, "--outbox-lock-timeout", tok} }, lockRefused},
		{"validate, config token", nil, func() []string {
			return []string{"validate", "leaky", "--config", tokFile, "--outbox-lock-timeout", tok}
		}, lockRefused},
		{"run, config token JSON-escaped", nil, func() []string {
			return []string{"run", "leaky", "--config", quotedFile, "--outbox-lock-timeout", quoted}
		}, lockRefused},
		{"run, config token from a pipe", nil, func() []string {
			return []string{"run", "leaky", "--config", pipedConfig(t, "token: '"+tok+"'\n"), "--outbox-lock-timeout", tok}
		}, lockRefused},
		{"run, config Secret setting", nil, func() []string { return []string{"run", "leaky", "--config", setFile, "--outbox-lock-timeout", tok} }, lockRefused},
		{"run, env Secret setting", map[string]string{"LEAKY_SECRET": tok}, func() []string { return []string{"run", "leaky", "--max-targets", tok} }, `"[REDACTED]"`},
		{"run, config token overridden by --token, URL-encoded", nil, func() []string {
			return []string{"run", "leaky", "--config", tokFile, "--token", "other", "--target", "127.0.0.1",
				"--backend-url", "ftp://127.0.0.1:1/" + url.PathEscape(tok)}
		}, `invalid backend_url "ftp://127.0.0.1:1/[REDACTED]" (--backend-url)`},
		{"serve, --token", nil, func() []string { return serveAs("--token", tok, "--timeout", tok) }, `invalid timeout "[REDACTED]" (--timeout)`},
		{"serve, env token", map[string]string{"INJECTKIT_TOKEN": tok}, func() []string { return serveAs("--workers", tok) }, `invalid workers "[REDACTED]" (--workers)`},
		{"serve, config token", nil, func() []string { return serveAs("--config", tokFile, "--timeout", tok) }, `invalid timeout "[REDACTED]" (--timeout)`},
		{"serve, config token JSON-escaped", nil, func() []string { return serveAs("--config", quotedFile, "--timeout", quoted) }, `invalid timeout "[REDACTED]" (--timeout)`},
		{"serve, config token from a pipe", nil, func() []string {
			return serveAs("--config", pipedConfig(t, "token: '"+tok+"'\n"), "--shutdown-timeout", tok)
		}, `invalid shutdown_timeout "[REDACTED]" (--shutdown-timeout)`},
		{"serve, config Secret setting", nil, func() []string { return serveAs("--token", "other", "--config", setFile, "--outbox-lock-timeout", tok) }, lockRefused},
		{"serve, env Secret setting", map[string]string{"LEAKY_SECRET": tok}, func() []string { return serveAs("--token", "other", "--timeout", tok) }, `invalid timeout "[REDACTED]" (--timeout)`},
		{"serve, config token overridden by --token", nil, func() []string {
			return []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--config", tokFile, "--token", "other", "--injector-id", tok}
		}, `invalid injector_id "[REDACTED]" (--injector-id)`},
		{"serve, config Secret setting overridden by env", map[string]string{"LEAKY_SECRET": "other"}, func() []string {
			return []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "other", "--config", setFile, "--injector-id", tok}
		}, `invalid injector_id "[REDACTED]" (--injector-id)`},
		{"outbox list, config token from a pipe", nil, func() []string {
			return []string{"outbox", "list", "--outbox", filepath.Join(dir, "ob.db"), "--config", pipedConfig(t, "token: '"+tok+"'\n"), "--outbox-lock-timeout", tok}
		}, lockRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withLeaky("")), tt.env, tt.args()...)
			checkRefused(t, r, tt.want)
			for _, secret := range []string{tok, quoted} {
				if leaks(r.stdout+r.stderr, secret) {
					t.Errorf("shows the secret %q:\n%s%s", secret, r.stdout, r.stderr)
				}
			}
		})
	}
}

// A usage error quoting the command's positional words goes through the
// redaction of every other error: the token (--token or INJECTKIT_TOKEN)
// or an injector's Secret setting pasted as a word is shown [REDACTED],
// the other words as written.
func TestArgsErrorRedactsSecrets(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	tests := []redactedRefusal{
		{"run, --token", nil, []string{"run", "noop", "--token=" + tok, tok}, `run takes one injector name, got "noop [REDACTED]"`},
		{"validate, env token", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"validate", "noop", tok}, `validate takes one injector name, got "noop [REDACTED]"`},
		{"run, Secret setting", map[string]string{"LEAKY_SECRET": tok}, []string{"run", "leaky", tok}, `run takes one injector name, got "leaky [REDACTED]"`},
		{"injectors", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"injectors", "noop", tok}, `injectors takes at most one injector name, got "noop [REDACTED]"`},
		{"version", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"version", tok}, `version takes no arguments, got "[REDACTED]"`},
		{"serve", nil, []string{"serve", "--token", tok, tok}, `serve takes no arguments, got "[REDACTED]"`},
		{"completion", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"completion", "bash", tok}, `completion takes one shell, bash, zsh or fish, got "bash [REDACTED]"`},
	}
	checkRedactedRefusals(t, tests)
}

// The redaction of a command's words holds for every command, the
// outbox's included, and for every source of a secret: --token,
// INJECTKIT_TOKEN, the config file's token key and its Secret settings
// (by --config or INJECTKIT_CONFIG).
func TestWordsErrorRedactsEverySource(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	dir, tokFile, setFile := secretFiles(t, tok)
	envTok := map[string]string{"INJECTKIT_TOKEN": tok}
	tests := []redactedRefusal{
		{"outbox flush, --token", nil, []string{"outbox", "flush", "--backend-url", "http://127.0.0.1:1", "--token", tok, tok}, `outbox flush takes no arguments, got "[REDACTED]"`},
		{"outbox flush, env token", envTok, []string{"outbox", "flush", tok}, `outbox flush takes no arguments, got "[REDACTED]"`},
		{"outbox list, env token", envTok, []string{"outbox", "list", tok}, `outbox list takes no arguments, got "[REDACTED]"`},
		{"outbox list, config token", nil, []string{"outbox", "list", "--config", tokFile, tok}, `outbox list takes no arguments, got "[REDACTED]"`},
		{"outbox compact, env token", envTok, []string{"outbox", "compact", tok}, `outbox compact takes no arguments, got "[REDACTED]"`},
		{"outbox retry-dead, two words", envTok, []string{"outbox", "retry-dead", "7", tok}, `want one outbox id, got "7 [REDACTED]"`},
		{"outbox retry-dead, config token", nil, []string{"outbox", "retry-dead", "--config", tokFile, "7", tok}, `want one outbox id, got "7 [REDACTED]"`},
		{"outbox drop, the token as id", envTok, []string{"outbox", "drop", "--outbox", filepath.Join(dir, "ob.db"), tok}, `invalid id "[REDACTED]"`},
		{"run, config token", nil, []string{"run", "noop", "--config", tokFile, "x", tok}, `run takes one injector name, got "noop x [REDACTED]"`},
		{"run, INJECTKIT_CONFIG token", map[string]string{"INJECTKIT_CONFIG": tokFile}, []string{"run", "noop", "x", tok}, `run takes one injector name, got "noop x [REDACTED]"`},
		{"validate, config token", nil, []string{"validate", "noop", "--config", tokFile, tok}, `validate takes one injector name, got "noop [REDACTED]"`},
		{"serve, config token", nil, []string{"serve", "--config", tokFile, tok}, `serve takes no arguments, got "[REDACTED]"`},
		{"run, config Secret setting", nil, []string{"run", "leaky", "--config", setFile, tok}, `run takes one injector name, got "leaky [REDACTED]"`},
	}
	checkRedactedRefusals(t, tests)
}

// redactedRefusal is a command line refused for its words: the refusal
// (exit 2) must say want, and nothing may show the secret.
type redactedRefusal struct {
	name string
	env  map[string]string
	args []string
	want string
}

// checkRedactedRefusals runs each refusal as a subtest.
func checkRedactedRefusals(t *testing.T, tests []redactedRefusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withLeaky("")), tt.env, tt.args...)
			checkRefused(t, r, tt.want)
			checkNotShown(t, r, "S3cr3t")
		})
	}
}

// secretFiles writes, in a directory of its own, the config files that
// give secret tok: tok.yaml its token key, set.yaml the leaky injector's
// Secret setting.
func secretFiles(t *testing.T, tok string) (dir, tokFile, setFile string) {
	t.Helper()
	dir = t.TempDir()
	tokFile = filepath.Join(dir, "tok.yaml")
	setFile = filepath.Join(dir, "set.yaml")
	for p, content := range map[string]string{tokFile: "token: '" + tok + "'\n", setFile: "leaky:\n  secret: '" + tok + "'\n"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, tokFile, setFile
}

// Every error an outbox command exits with goes through the redaction of
// run's and serve's: a config file, CA file, backend URL, outbox path or
// lock timeout refused is quoted with the token or a Secret setting, from
// any source, shown [REDACTED].
func TestOutboxErrorsRedactSecrets(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	dir, tokFile, setFile := secretFiles(t, tok)
	ob := filepath.Join(dir, "ob.db")
	envTok := map[string]string{"INJECTKIT_TOKEN": tok}
	backend := []string{"--outbox", ob, "--backend-url", "http://127.0.0.1:1"}
	tests := []redactedRefusal{
		{"flush, --token, CA file", nil, append([]string{"outbox", "flush", "--token", tok, "--ca-file", filepath.Join(dir, tok)}, backend...),
			`invalid ca_file "` + dir + `/[REDACTED]" (--ca-file)`},
		{"retry-dead, env token, CA file", envTok, append([]string{"outbox", "retry-dead", "7", "--ca-file", "/nonexistent/" + tok}, backend...),
			`invalid ca_file "/nonexistent/[REDACTED]" (--ca-file)`},
		{"flush, env token, backend URL", envTok, []string{"outbox", "flush", "--outbox", ob, "--backend-url", tok},
			`invalid backend_url "[REDACTED]" (--backend-url)`},
		{"flush, config token, backend URL", nil, []string{"outbox", "flush", "--config", tokFile, "--outbox", ob, "--backend-url", "http://127.0.0.1:1/" + tok + "%zz"},
			`invalid backend_url "http://127.0.0.1:1/[REDACTED]%zz" (--backend-url)`},
		{"list, config token, lock timeout", nil, []string{"outbox", "list", "--config", tokFile, "--outbox", ob, "--outbox-lock-timeout", tok},
			`invalid outbox_lock_timeout "[REDACTED]" (--outbox-lock-timeout)`},
		{"drop, config Secret setting, lock timeout", nil, []string{"outbox", "drop", "--config", setFile, "--outbox", ob, "--outbox-lock-timeout", tok, "7"},
			`invalid outbox_lock_timeout "[REDACTED]" (--outbox-lock-timeout)`},
		{"compact, env Secret setting, config file", map[string]string{"LEAKY_SECRET": tok}, []string{"outbox", "compact", "--config", filepath.Join(dir, tok+".yaml")},
			`invalid config "` + dir + `/[REDACTED].yaml" (--config)`},
		{"list, env token, outbox path", envTok, []string{"outbox", "list", "--outbox", filepath.Join(dir, tok, "\x01")},
			`[REDACTED]`},
	}
	checkRedactedRefusals(t, tests)
}

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
				be := transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
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
