package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// cannotRunWarn is the WARN serve's start and validate give for an
// injector whose injects would each fail on this machine (nmap not on
// PATH, or not executable).
const cannotRunWarn = "injector cannot run on this machine: every inject of nmap fails until it can"

// preflightCase is one PATH for nmap, and what the WARN says of it ("":
// no WARN).
type preflightCase struct {
	name, path string
	want       string
}

// preflightCases returns a registry serving the real nmap injector and
// the PATHs it is checked on: none holding nmap, one holding a file that
// is not a program (when notExec), one holding a stand-in nmap.
func preflightCases(t *testing.T, notExec bool) (*framework.Registry, []preflightCase) {
	t.Helper()
	reg := registry(withNmapScanner)
	write := func(content string, mode os.FileMode) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "nmap"), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cases := []preflightCase{{"not on PATH", t.TempDir(), "nmap not found on PATH (install it: apt-get install nmap)"}}
	if notExec {
		cases = append(cases, preflightCase{"not executable", write("not a program\n", 0o644), "is not executable"})
	}
	return reg, append(cases, preflightCase{"on PATH", write("#!/bin/sh\nexit 0\n", 0o755), ""})
}

// checkPreflightWarn checks that stderr holds one WARN saying tt.want,
// or none when tt.want is "".
func checkPreflightWarn(t *testing.T, who string, tt preflightCase, stderr string) {
	t.Helper()
	if tt.want == "" {
		if strings.Contains(stderr, cannotRunWarn) {
			t.Errorf("nmap on PATH, yet %s warned:\n%s", who, stderr)
		}
		return
	}
	if strings.Count(stderr, cannotRunWarn) != 1 || !strings.Contains(stderr, tt.want) {
		t.Errorf("%s gave no one WARN %q saying %q:\n%s", who, cannotRunWarn, tt.want, stderr)
	}
}

// serve says at start, in one WARN, that nmap is not on PATH (or not
// executable), as nmap's injects would each fail, ERROR exit 127: it
// registered nmap without a word. It serves nmap all the same, and says
// nothing when nmap is there. Not parallel: PATH is the process's.
func TestServeWarnsOfAnInjectorThatCannotRun(t *testing.T) {
	reg, tests := preflightCases(t, true)
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
			checkPreflightWarn(t, "serve", tt, got)
		})
	}
}

// validate says an inject for nmap is valid when nmap is not on PATH, as
// it is (exit 0), and adds one WARN on stderr that its run would fail
// until nmap is there, as serve's start does; nothing when nmap is on
// PATH. Not parallel: PATH is the process's.
func TestValidateWarnsOfAnInjectorThatCannotRun(t *testing.T) {
	reg, tests := preflightCases(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			r := run(t, reg, nil, "validate", "nmap", "--target", "127.0.0.1")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "valid: nmap on 1 network target") {
				t.Fatalf("exit %d, stdout %q, want 0 and valid:\n%s", r.code, r.stdout, r.stderr)
			}
			checkPreflightWarn(t, "validate", tt, r.stderr)
		})
	}
}
