package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
)

// validate says an inject for nmap is valid when nmap is not on PATH, as
// it is (exit 0), and adds one WARN on stderr that its run would fail
// until nmap is there, as serve's start does; nothing when nmap is on
// PATH. Not parallel: PATH is the process's.
func TestValidateWarnsOfAnInjectorThatCannotRun(t *testing.T) {
	withNmap := registry(func(r *framework.Registry) { r.Register("nmap", func() framework.Executor { return nmap.New() }) })
	const warn = "injector cannot run on this machine: every inject of nmap fails until it can"
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "nmap"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       string // in the WARN, "" for none
	}{
		{"not on PATH", t.TempDir(), "nmap not found on PATH (install it: apt-get install nmap)"},
		{"on PATH", fake, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			r := run(t, withNmap, nil, "validate", "nmap", "--target", "127.0.0.1")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "valid: nmap on 1 network target") {
				t.Fatalf("exit %d, stdout %q, want 0 and valid:\n%s", r.code, r.stdout, r.stderr)
			}
			if tt.want == "" {
				if strings.Contains(r.stderr, warn) {
					t.Errorf("nmap on PATH, yet validate warned:\n%s", r.stderr)
				}
				return
			}
			if strings.Count(r.stderr, warn) != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr has no one WARN %q saying %q:\n%s", warn, tt.want, r.stderr)
			}
		})
	}
}
