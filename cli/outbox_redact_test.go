package cli_test

import (
	"path/filepath"
	"testing"
)

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
