package cli_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// Bad input to run is refused (exit 2, naming it) before the outbox is
// opened: no outbox file is created, nothing reaches the backend.
func TestRunBadInputCreatesNoOutbox(t *testing.T) {
	backend := testkit.NewBackend(t)
	https := strings.Replace(backend.URL, "http://", "https://", 1)
	noPEM := writeFile(t, "ca.pem", "no certificate here\n")
	msg := contractMessage(t, openaev.ContractID("noop"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"openaev, credentials in the URL", []string{"noop", "--target", "192.0.2.1", "--profile", "openaev", "--inject-id", "a",
			"--backend-url", strings.Replace(backend.URL, "http://", "http://u:p@", 1)}, `(--backend-url): must not hold credentials`},
		{"callback, CA file without PEM", []string{"noop", "--target", "192.0.2.1", "--inject-id", "a", "--backend-url", https,
			"--ca-file", noPEM}, `invalid ca_file "` + noPEM + `" (--ca-file): no PEM certificate found`},
		{"openaev, CA file without PEM", []string{"noop", "--target", "192.0.2.1", "--profile", "openaev", "--inject-id", "a",
			"--backend-url", https, "--ca-file", noPEM}, `invalid ca_file "` + noPEM + `" (--ca-file): no PEM certificate found`},
		{"message, credentials in the URL", []string{"noop", "--openaev-message", msg,
			"--backend-url", strings.Replace(backend.URL, "http://", "http://u:p@", 1)}, `(--backend-url): must not hold credentials`},
		{"message, CA file without PEM", []string{"noop", "--openaev-message", msg, "--backend-url", https, "--ca-file", noPEM},
			`invalid ca_file "` + noPEM + `" (--ca-file): no PEM certificate found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ob := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, registry(), nil, append(append([]string{"run"}, tt.args...), "--token", "tok", "--outbox", ob, "--log-level", "error")...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 saying %q", r.code, r.stderr, tt.want)
			}
			if _, err := os.Stat(ob); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("outbox file: %v, want none", err)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}
