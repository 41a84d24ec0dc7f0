package nmap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ErrNotInstalled is returned when no nmap binary is found on PATH.
var ErrNotInstalled = errors.New("nmap not found on PATH (install it: apt-get install nmap)")

// maxStderr bounds the nmap standard error kept in an ExitError.
const maxStderr = 4 << 10

// waitDelay bounds how long Wait waits for nmap's output pipes once nmap is
// killed or has ended (and what was left of its process group with it,
// waitGroup): a process that left the group (setsid) may still hold them,
// or, where nmap is reaped before its group is killed (proc_reap.go), one
// of the group.
const waitDelay = 2 * time.Second

// ExitError reports an nmap run that exited with a non-zero code, or was
// killed by a signal it was not sent by the runner.
type ExitError struct {
	// Code is nmap's exit code, or 128 plus the signal's number when a
	// signal ended it (the shell's convention).
	Code int
	// Stderr is the end of nmap's standard error, at most 4 KiB.
	Stderr string
	// Signal is the signal that ended nmap (someone killed it: the
	// inject's other scans are not run), nil when nmap exited.
	Signal os.Signal
}

func (e *ExitError) Error() string {
	head := fmt.Sprintf("nmap exited with code %d", e.Code)
	if e.Signal != nil {
		head = fmt.Sprintf("nmap was killed by a signal (%v, code %d)", e.Signal, e.Code)
	}
	if msg := strings.TrimSpace(e.Stderr); msg != "" {
		return head + ": " + msg
	}
	return head
}

// runFunc runs nmap with args, its standard input read from stdin and its
// standard output streamed to stdout; its standard error is written to
// stderr too (nil: kept only for an ExitError). It returns ErrNotInstalled
// (no nmap on PATH; one that is not executable fails to start),
// ctx's error when ctx ended the run (nmap and its process group killed),
// an *ExitError, or another error starting nmap.
type runFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// runNmap is the real runner: nmap from PATH, no shell, in its own process
// group, with the process's environment (as Execute gave it: environOf)
// less injectkit's settings and the AWS credentials (childEnv). Once nmap ends, on its own or killed,
// what is left of its process group is killed (waitGroup): nothing it
// started outlives it but a process that left the group (setsid), and the
// report it wrote is kept.
func runNmap(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	path, err := lookNmap()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = childEnv(environOf(ctx))
	cmd.Stdin = stdin
	cmd.Stdout = chunked(stdout)
	tail := &tailBuffer{max: maxStderr}
	cmd.Stderr = chunked(tail)
	if stderr != nil {
		cmd.Stderr = chunked(io.MultiWriter(tail, stderr))
	}
	setProcessGroup(cmd)
	cmd.WaitDelay = waitDelay
	// The thread that starts nmap lives as long as nmap runs: on Linux the
	// kernel kills nmap when that thread ends (dieWithParent).
	runtime.LockOSThread()
	if err = cmd.Start(); err == nil {
		err = waitGroup(cmd)
	} else {
		err = startError(path, err)
	}
	runtime.UnlockOSThread()
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		// nmap exited 0, but waitDelay later a process still held its
		// output: one that left nmap's group, or one of the group where
		// the group is killed only after nmap is reaped (proc_reap.go).
		// What nmap wrote was read, and the parser says whether it is a
		// whole report.
		err = nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: exitCode(ee), Stderr: tail.String(), Signal: exitSignal(ee)}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", errStart, err)
	}
	return nil
}

// lookNmap returns the path of the nmap on PATH, or why there is none to
// run: ErrNotInstalled, or errStart for a file named nmap that is not
// executable, or one found in the working directory through a PATH entry
// "." or empty (exec.ErrDot), which is refused: whoever can write there
// would choose the program run.
func lookNmap() (string, error) {
	path, err := exec.LookPath("nmap")
	if errors.Is(err, exec.ErrDot) {
		return "", fmt.Errorf("%w: the nmap found on PATH is ./%s: a PATH entry \".\" or empty "+
			"resolves nmap to the working directory, which is refused (remove that entry, or put nmap's directory on PATH "+
			"as an absolute path)", errStart, filepath.Base(path))
	}
	if err != nil {
		if found := notExecutable(os.Getenv("PATH")); found != "" {
			return "", fmt.Errorf("%w: %s found on PATH is not executable: %w", errStart, found, fs.ErrPermission)
		}
		return "", fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	return path, nil
}

// startError is why the nmap at path, which exists, could not be
// started (err, from exec.Cmd.Start): when the kernel says it does not
// exist (ENOENT), the missing file is the interpreter its #! line names (a
// wrapper script), and the error names it, as the shell's "bad
// interpreter" does, not nmap.
func startError(path string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, openErr := os.Open(path)
	if openErr != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	line, _, _ := strings.Cut(string(head[:n]), "\n")
	interp, ok := strings.CutPrefix(line, "#!")
	// The kernel ends the interpreter's path at a space or a tab only: a
	// carriage return (a script saved with Windows line endings) is part
	// of the name it looks for.
	fields := strings.FieldsFunc(interp, func(r rune) bool { return r == ' ' || r == '\t' })
	if !ok || len(fields) == 0 {
		return err
	}
	why := "does not exist"
	if strings.HasSuffix(fields[0], "\r") {
		why += " (the line ends in a carriage return: the script has Windows line endings)"
	}
	return fmt.Errorf("%s found on PATH cannot be started: its interpreter %q (its #! line) %s: %w", path, fields[0], why, err)
}

// notExecutable returns the first regular file named nmap in the
// directories of path, a PATH value, "" when there is none: the file
// exec.LookPath passed over as not executable, which the shell reports
// as "Permission denied" (126), not "command not found" (a directory
// named nmap is not a command at all).
func notExecutable(path string) string {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "." // as exec.LookPath reads an empty entry
		}
		p := filepath.Join(dir, "nmap")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// secretEnvPrefixes are the prefixes of the environment variables nmap
// never sees: injectkit's own settings (INJECTKIT_TOKEN,
// INJECTKIT_SHODAN_API_KEY and every other) and the AWS SDK's
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN…). nmap
// reads none of them; it keeps PATH, HOME, LANG, NMAPDIR and the rest.
var secretEnvPrefixes = [...]string{"INJECTKIT_", "AWS_"}

// childEnv returns environ, a list of key=value, without the variables
// nmap must not inherit (see secretEnvPrefixes). It is never nil: a nil
// exec.Cmd.Env would hand nmap the whole environment.
func childEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		secret := false
		for _, p := range secretEnvPrefixes {
			secret = secret || strings.HasPrefix(kv, p)
		}
		if !secret {
			out = append(out, kv)
		}
	}
	return out
}

// errStart marks a failure to start nmap or to wait for it.
var errStart = errors.New("run nmap")

// readChunk is the most of nmap's output one read takes: os/exec copies an
// output that is not a file with a 32 KiB buffer of its own, unless the
// writer reads it itself (io.ReaderFrom, see chunkedWriter). nmap writes
// its report a host at a time, and the parser reads it 4 KiB at a time.
const readChunk = 4 << 10

// chunked returns w as os/exec should be handed it: a file as it is (nmap
// writes to it directly), nil as it is, any other writer copied to with a
// readChunk buffer.
func chunked(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok || w == nil {
		return w
	}
	return chunkedWriter{w}
}

// chunkedWriter is a writer os/exec copies nmap's output to with a
// readChunk buffer (ReadFrom) instead of its own 32 KiB one.
type chunkedWriter struct{ w io.Writer }

func (c chunkedWriter) Write(p []byte) (int, error) { return c.w.Write(p) }

// ReadFrom copies r to the writer, readChunk bytes at most a read (or by
// the writer's own ReadFrom, when it has one).
func (c chunkedWriter) ReadFrom(r io.Reader) (int64, error) {
	return io.CopyBuffer(c.w, r, make([]byte, readChunk))
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
	cut bool
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) > 2*b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
		b.cut = true
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	if len(b.buf) > b.max {
		return "…" + string(b.buf[len(b.buf)-b.max:])
	}
	if b.cut {
		return "…" + string(b.buf)
	}
	return string(b.buf)
}
