package cli

import (
	"context"
	"fmt"
	"os"
)

// stdinName is the path that names the standard input for the inputs
// that may be read from it (inject_file, targets_file), and stdinShown
// how their errors name it ("stdin:3", "inject file stdin:2:13").
const (
	stdinName  = "-"
	stdinShown = "stdin"
)

// openInputOrStdin is openInput, but for path "-": the standard input,
// never closed, whose read the first interrupt stops too (readStdin).
func openInputOrStdin(ctx context.Context, key, where, path string) (*input, error) {
	if path != stdinName {
		return openInput(ctx, key, where, path)
	}
	return &input{f: os.Stdin, ctx: ctx, key: key, where: where, stdin: true, stop: func() bool { return false }}, nil
}

// readStdin reads the standard input into p in a goroutine of its own, so
// that the interrupt ends a read blocked on a terminal or a pipe (closing
// the standard input would not: it is no pollable file); that read is
// left to end with the process.
func (in *input) readStdin(p []byte) (int, error) {
	type got struct {
		b   []byte
		err error
	}
	done := make(chan got, 1)
	go func() {
		b := make([]byte, len(p))
		n, err := in.f.Read(b)
		done <- got{b[:n], err}
	}()
	select {
	case g := <-done:
		return copy(p, g.b), g.err
	case <-in.ctx.Done():
		return 0, in.interrupted()
	}
}

// shownInput is how an error about what the input path holds names it:
// stdin for "-", else the path as given.
func shownInput(path string) string {
	if path == stdinName {
		return stdinShown
	}
	return path
}

// interrupted is the error of a read of in the interrupt stopped: the
// setting and its value as the user wrote it, "-" saying stdin as
// errors about the setting's value do (targets_file "-" (stdin)).
func (in *input) interrupted() error {
	if !in.stdin {
		return interrupted(in.ctx, in.key, in.f.Name())
	}
	return &ExitError{Code: ExitInterrupted,
		Err: fmt.Errorf("interrupted while reading %s %q (%s): nothing was run, sent or stored: %w", in.key, stdinName, stdinShown, context.Cause(in.ctx))}
}
