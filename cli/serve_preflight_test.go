package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// serve says at start, in one WARN, that nmap is not on PATH (or not
// executable), as nmap's injects would each fail, ERROR exit 127: it
// registered nmap without a word. It serves nmap all the same, and says
// nothing when nmap is there. Not parallel: PATH is the process's.
func TestServeWarnsOfAnInjectorThatCannotRun(t *testing.T) {
	reg := registry(func(r *framework.Registry) { r.Register("nmap", func() framework.Executor { return nmap.New() }) })
	const warn = "injector cannot run on this machine: every inject of nmap fails until it can"
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "nmap"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExec := t.TempDir()
	if err := os.WriteFile(filepath.Join(notExec, "nmap"), []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       string // in the WARN, "" for none
	}{
		{"not on PATH", t.TempDir(), "nmap not found on PATH (install it: apt-get install nmap)"},
		{"not executable", notExec, "is not executable"},
		{"on PATH", fake, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "", "--injectors", "nmap,noop")
			startedOrExited(t, d, p)
			got := d.stderr.String()
			if len(p.Registrations()) == 0 {
				t.Fatalf("serve did not start:\n%s", got)
			}
			if tt.want == "" {
				if strings.Contains(got, warn) {
					t.Errorf("nmap on PATH, yet serve warned:\n%s", got)
				}
				return
			}
			if strings.Count(got, warn) != 1 || !strings.Contains(got, tt.want) {
				t.Errorf("serve did not start with one WARN %q saying %q:\n%s", warn, tt.want, got)
			}
		})
	}
}
