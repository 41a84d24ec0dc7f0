package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// fifo makes a named pipe in a test directory.
func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "targets.fifo")
	testkit.FIFO(t, p)
	return p
}

// An interrupt while the open of a FIFO waits for its writer ends the open
// with the interrupted exit code, naming the setting and the path.
func TestOpenInputInterruptedWhileOpening(t *testing.T) {
	p := fifo(t)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := openInput(ctx, "targets_file", "", p)
		errc <- err
	}()
	cancel()
	err := <-errc
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitInterrupted {
		t.Fatalf("err = %v, want exit %d", err, ExitInterrupted)
	}
	if !strings.Contains(err.Error(), "targets_file") || !strings.Contains(err.Error(), p) {
		t.Errorf("err = %q, want the setting and the path", err)
	}
	// The abandoned open completes once a writer comes, and its file is
	// closed: the writer then sees no reader.
	w, werr := os.OpenFile(p, os.O_WRONLY, 0)
	if werr != nil {
		t.Fatal(werr)
	}
	defer w.Close()
}

// An interrupt while a read waits for the writer's data ends the read with
// the interrupted error.
func TestOpenInputInterruptedWhileReading(t *testing.T) {
	p := fifo(t)
	ctx, cancel := context.WithCancel(t.Context())
	type res struct {
		in  *input
		err error
	}
	opened := make(chan res, 1)
	go func() {
		in, err := openInput(ctx, "inject_file", "", p)
		opened <- res{in, err}
	}()
	w, err := os.OpenFile(p, os.O_WRONLY, 0) // the writer stays silent
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := <-opened
	if r.err != nil {
		t.Fatal(r.err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r.in)
		readErr <- err
	}()
	cancel()
	err = <-readErr
	if !interruptedErr(err) {
		t.Fatalf("read err = %v, want interrupted", err)
	}
	if err := r.in.Close(); err != nil {
		t.Errorf("Close after the interrupt: %v", err)
	}
}

// Without an interrupt the input reads like the file it is, and a missing
// file is a usage error naming the setting.
func TestOpenInputPlainFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "targets.txt")
	if err := os.WriteFile(p, []byte("127.0.0.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := openInput(t.Context(), "targets_file", "", p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(in)
	if err != nil || string(b) != "127.0.0.1\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = openInput(t.Context(), "targets_file", " (--targets-file)", p+".missing")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitUsage || !strings.Contains(err.Error(), `invalid targets_file "`+p+`.missing" (--targets-file): `) {
		t.Fatalf("missing file: %v, want a usage error naming targets_file, the path and where it was given", err)
	}
}
