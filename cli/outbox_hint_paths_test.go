package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunFlushHintPathsAbsolute checks that the flush command a failed
// run prints names its outbox and its config file by absolute paths, as
// its CA file: run as printed from another directory, it delivers.
func TestRunFlushHintPathsAbsolute(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "cfgdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cfgdir", "h.yaml"), []byte("backend_url: "+be.URL+"\ntoken: tok-abs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := run(t, registry(), nil, "run", "noop", "--target", "10.0.0.1", "--inject-id", "inj-abs", "--outbox", "ob1.db",
		"--config", filepath.Join("cfgdir", "h.yaml"), "--log-level", "error")
	m := flushWith.FindStringSubmatch(r.stderr)
	if r.code != 1 || m == nil {
		t.Fatalf("exit %d, want 1 and a flush command:\n%s", r.code, r.stderr)
	}
	args := strings.Fields(m[1])[1:]
	for i, a := range args {
		if (a == "--outbox" || a == "--config" || a == "--ca-file") && !filepath.IsAbs(args[i+1]) {
			t.Errorf("%s %s is relative in %q", a, args[i+1], m[1])
		}
	}
	be.set(http.StatusOK)
	t.Chdir(t.TempDir())
	f := run(t, registry(), nil, args...)
	got := be.got()
	if f.code != 0 || got[len(got)-1].Code != http.StatusOK || got[len(got)-1].Auth != "Bearer tok-abs" {
		t.Fatalf("%s from another directory: exit %d, want 0 and the body delivered with the run's token\n%s", m[1], f.code, f.stderr)
	}
}
