package cli

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// A command's logger writes each line to stderr at once (one write per
// entry, nothing buffered), so its Sync has nothing to flush: it never
// fsyncs the file stderr is. An fsync there costs a run a disk flush
// whenever stderr is redirected to a file (`2>run.log`), and was only
// done when no secret was configured (a redacting writer has no Sync).
// A pipe shows it: fsync(2) of a pipe fails with EINVAL.
func TestLoggerSyncNeverFsyncsStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, lc := range []logConfig{{}, {Format: "json"}} {
		log, err := newLogger(w, lc)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("written at once")
		if err := log.Sync(); err != nil {
			t.Errorf("format %q: Sync = %v, want nil (no fsync of the file)", lc.Format, err)
		}
		line, err := bufio.NewReader(r).ReadString('\n')
		if err != nil || !strings.Contains(line, "written at once") {
			t.Errorf("format %q: stderr read %q, %v; want the line, written before Sync", lc.Format, line, err)
		}
	}
}
