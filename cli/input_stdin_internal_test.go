package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// An error about the targets_file or inject_file setting read as stdin
// names its value as the user wrote it, "-", as `targets_file "-"
// (--targets-file): holds no target` does, the reason naming stdin; errors
// about what it holds name it stdin:N. The interrupt's said
// `targets_file "stdin"`, a file of that name.
func TestStdinSettingNamedAsWritten(t *testing.T) {
	stdin := func(ctx context.Context, data string) *input {
		r, w, err := os.Pipe() // a pipe of its own: an interrupted read is left blocked on its own
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		if data != "" {
			if _, err := w.WriteString(data); err != nil {
				t.Fatal(err)
			}
			w.Close()
		}
		return &input{f: r, ctx: ctx, key: "targets_file", where: " (--targets-file)", stdin: true, stop: func() bool { return false }}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the interrupt, the pipe written by no one
	_, err := io.ReadAll(stdin(ctx, ""))
	var ee *ExitError
	want := `interrupted while reading targets_file "-" (stdin): nothing was run, sent or stored: context canceled`
	if !errors.As(err, &ee) || ee.Code != ExitInterrupted || err.Error() != want {
		t.Errorf("interrupted: %v\nwant exit %d, %s", err, ExitInterrupted, want)
	}

	_, err = io.ReadAll(stdin(context.Background(), "127.0.0.1\n127.0.0.2\n").bound(8))
	want = `invalid targets_file "-" (--targets-file): stdin is larger than 8 bytes (8 bytes), the most it may hold`
	if !errors.As(err, &ee) || ee.Code != ExitUsage || err.Error() != want {
		t.Errorf("too large: %v\nwant exit %d, %s", err, ExitUsage, want)
	}
	if strings.Contains(err.Error(), `"stdin"`) {
		t.Errorf("names a file stdin: %v", err)
	}
}
