package cli_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
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
