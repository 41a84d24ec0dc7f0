package cli_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// serve interrupted before it started, while it reads its config file (a
// FIFO nobody writes), exits 130 as run does, and its help says so: the
// help listed 130 only for a second signal during the graceful stop, and
// a signal as a graceful stop with exit 0.
func TestServeInterruptedBeforeStartIsDocumented(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "serve.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the signal arrives while serve waits for the FIFO's writer
	sess := newSession(false, false)
	sess.ctx = ctx
	r := sess.run(t, registry(), "serve", "--config", fifo)
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, `interrupted while reading config "`+fifo+`"`) {
		t.Fatalf("exit %d, want %d naming the config file\n%s", r.code, cli.ExitInterrupted, r.stderr)
	}
	help := run(t, registry(), nil, "serve", "--help").stdout
	_, codes, ok := strings.Cut(help, "EXIT CODES:\n")
	if !ok {
		t.Fatalf("no EXIT CODES in serve's help:\n%s", help)
	}
	entry := regexp.MustCompile(`(?ms)^ +130  (.*?)\n +[0-9]+  |^ +130  (.*?)\n\n`).FindStringSubmatch(codes)
	if entry == nil {
		t.Fatalf("serve's help lists no exit 130:\n%s", codes)
	}
	if text := strings.Join(strings.Fields(entry[1]+entry[2]), " "); !strings.Contains(text, "before it started") || !strings.Contains(text, "config") {
		t.Errorf("serve's help does not say an interrupt before it started exits 130: %q", text)
	}
}
