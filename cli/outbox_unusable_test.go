package cli_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

func TestOutboxUnusable(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(corrupt, []byte("definitely not a bbolt file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked.db")
	holder, err := outbox.Open(locked, outbox.Options{Command: "test holder"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	full := filepath.Join(dir, "full.db")
	crampOutbox(t, full) // 1024 bytes stored
	notDir := filepath.Join(dir, "file")
	_ = os.WriteFile(notDir, nil, 0o600)
	args := []string{"run", "noop", "--inject-id", "inj-u", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error"}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		want  []string
		down  bool // the backend answers 503
		posts int  // requests sent
	}{
		{"corrupt", map[string]string{"INJECTKIT_OUTBOX": corrupt}, nil, 2, []string{"outbox " + corrupt + " is corrupt"}, false, 0},
		{"locked", map[string]string{"INJECTKIT_OUTBOX": locked}, []string{"--outbox-lock-timeout", "200ms"}, 2,
			[]string{"outbox " + locked + " is locked by process " + strconv.Itoa(os.Getpid()) + " (test holder)"}, false, 0},
		{"already full", map[string]string{"INJECTKIT_OUTBOX": full}, []string{"--outbox-max-bytes", "1024"}, 2, []string{"outbox " + full + " full: 1024 of 1024 bytes",
			// h232: the line said "flush or drop entries", not which nor how.
			"hint: nothing ran; see what it holds with: injectkit outbox list --outbox " + full + "; send this backend's with: injectkit outbox flush --outbox " +
				full + " --backend-url " + be.URL}, false, 0},
		// A result the outbox has no room for is sent without being stored,
		// as serve sends it; only when that fails are its signatures printed.
		{"no room for the result", map[string]string{"INJECTKIT_OUTBOX": full}, []string{"--outbox-max-bytes", "1100", "--log-level", "warn"}, 0,
			[]string{`outbox full: sending the signatures without storing them`, `"used": 1024, "max_bytes": 1100`}, false, 1},
		{"no room for the result, backend down", map[string]string{"INJECTKIT_OUTBOX": full}, []string{"--outbox-max-bytes", "1100"}, 1,
			[]string{"outbox " + full + " full, and sent without storing: ", "answer 503", "undelivered signatures"}, true, 4},
		{"unwritable directory", map[string]string{"INJECTKIT_OUTBOX": filepath.Join(notDir, "outbox.db")}, nil, 2,
			[]string{filepath.Join(notDir, "outbox.db"), "create directory"}, false, 0},
		{"no default", map[string]string{"XDG_STATE_HOME": "", "HOME": ""}, nil, 2, []string{"--outbox none"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(be.got())
			if tt.down {
				be.set(http.StatusServiceUnavailable)
				defer be.set(http.StatusOK)
			}
			r := run(t, registry(), tt.env, append(append([]string(nil), args...), tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", r.code, tt.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, nil)
			if n := len(be.got()) - before; n != tt.posts {
				t.Errorf("%d requests sent, want %d", n, tt.posts)
			}
		})
	}
	// A file whose damage shows only once its records are read.
	damaged := damagedOutbox(t, dir, be.URL)
	for box, says := range map[string]string{corrupt: " is corrupt", damaged: " is damaged"} {
		for _, sub := range [][]string{{"outbox", "list"}, {"outbox", "flush", "--backend-url", be.URL}} {
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, sub...)
			if r.code != 2 || !strings.Contains(r.stderr, box+says) {
				t.Errorf("%v on %s: exit %d %s", sub, filepath.Base(box), r.code, r.stderr)
			}
		}
	}
}

// damagedOutbox returns an outbox in dir of 40 bodies for url whose
// damage shows only once its records are read.
func damagedOutbox(t *testing.T, dir, url string) string {
	t.Helper()
	damaged := filepath.Join(dir, "damaged.db")
	bodies := make([]outbox.Entry, 40)
	for i := range bodies {
		bodies[i] = outbox.Entry{InjectID: "inj-" + strconv.Itoa(i), Phase: "p", BaseURL: url, Body: []byte("{}")}
	}
	storeBodies(t, damaged, bodies...)
	wreckPages(t, damaged, []byte(`"idempotency_key"`))
	return damaged
}

// wreckPages overwrites the header of every page of the bbolt file at path
// (4 KiB pages) that holds mark.
func wreckPages(t *testing.T, path string, mark []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	n := 0
	for off := 2 * page; off+page <= len(raw); off += page {
		if bytes.Contains(raw[off:off+page], mark) {
			copy(raw[off:off+16], bytes.Repeat([]byte{0xa5}, 16))
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no page of %s holds %q", path, mark)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// outboxCommand is an outbox command (ARGS of `outbox ARGS`) that leaves
// its outbox as it was: its exit code, and what its stdout and stderr hold
// ("": stdout empty).
type outboxCommand struct {
	args   []string
	code   int
	stdout string
	stderr string
}

// runOutboxCommands runs each of tests on the outbox at box, as a subtest
// named by its arguments, checks its exit code and output, then calls
// untouched to check that it left the outbox as it was.
func runOutboxCommands(t *testing.T, box string, tests []outboxCommand, untouched func(t *testing.T)) {
	t.Helper()
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, registry(), nil, append(append([]string{"outbox"}, tt.args...), "--outbox", box)...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) ||
				(tt.stdout == "") != (r.stdout == "") {
				t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			untouched(t)
		})
	}
}

// The outbox commands read an outbox and never create one: on a path with
// no file (a typo, or no run has used it yet) list and flush say so and
// exit 0, drop and retry-dead find no id, and nothing appears on disk.
func TestOutboxCommandsOnAMissingFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	box := filepath.Join(dir, "outbox.db")
	tests := []outboxCommand{
		{[]string{"list"}, 0, "outbox " + box + ": 0 pending, 0 dead (no such file: no run has used this outbox yet)\n", ""},
		{[]string{"list", "-o", "json"}, 0, `"records": []`, ""},
		{[]string{"flush"}, 0, "outbox " + box + ": nothing to send (no such file", ""},
		{[]string{"flush", "--backend-url", "ftp://h"}, 2, "", `invalid backend_url "ftp://h" (--backend-url)`},
		{[]string{"drop", "3"}, 2, "", `invalid id "3": not found in outbox ` + box + " (no such file"},
		{[]string{"drop", "run-57"}, 2, "", `invalid id "run-57": not found in outbox ` + box + " (no such file"},
		{[]string{"drop", "03"}, 2, "", `invalid id "03": not an id as outbox list prints it (ids have no leading zero): give 3 if`},
		{[]string{"drop", "run-057"}, 2, "", `invalid id "run-057": not an id as outbox list prints it (ids have no leading zero): give run-57 if`},
		{[]string{"retry-dead", "x"}, 2, "", `invalid id "x": not an outbox id`},
		{[]string{"retry-dead", "run-57"}, 2, "", `invalid id "run-57": not an outbox id`},
	}
	runOutboxCommands(t, box, tests, func(t *testing.T) {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("the command created %s (%v)", dir, err)
		}
	})
}
