package nmap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A PATH entry "." or empty resolves nmap to the working directory
// (exec.ErrDot): the run is refused saying so, exit 126 as for an nmap
// that cannot start, and Preflight (serve's start WARN) says the same;
// it is not reported as an nmap that is not executable. The nmap there
// is never run. Not parallel: PATH and the working directory are the
// process's.
func TestRunnerRefusesNmapInTheWorkingDirectory(t *testing.T) {
	for _, tt := range []struct{ name, entry string }{{"dot", "."}, {"empty", ""}} {
		t.Run(tt.name, func(t *testing.T) {
			wd := t.TempDir()
			ran := filepath.Join(wd, "ran")
			if err := os.WriteFile(filepath.Join(wd, "nmap"), []byte("#!/bin/sh\ntouch '"+ran+"'\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Chdir(wd)
			t.Setenv("PATH", t.TempDir()+string(os.PathListSeparator)+tt.entry)
			const want = `a PATH entry "." or empty resolves nmap to the working directory, which is refused`
			in, _ := newInject(t, nil, "127.0.0.1")
			out := New().Execute(context.Background(), in)
			if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitCannotRun || !strings.Contains(out.ErrorInfo.Message, want) ||
				strings.Contains(out.ErrorInfo.Message, "not executable") {
				t.Errorf("ErrorInfo = %+v, want exit %d saying %q", out.ErrorInfo, ExitCannotRun, want)
			}
			if err := New().Preflight(); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Preflight = %v, want it saying %q", err, want)
			}
			if _, err := os.Stat(ran); err == nil {
				t.Error("the nmap of the working directory ran")
			}
		})
	}
}
