package cli

import (
	"errors"
	"io"
	"sync"
	"syscall"
)

// stdoutError is a write to the command's stdout that failed: a pipe
// closed early (`| head`), a full disk (`>/dev/full`).
type stdoutError struct{ err error }

func (e *stdoutError) Error() string { return "stdout not written: " + e.err.Error() }
func (e *stdoutError) Unwrap() error { return e.err }

// stdoutWriter is the stdout Run hands to every command. It keeps the
// first write that failed, after which every write fails at once with the
// same *stdoutError: the command goes on with what it does (a run
// delivers, stores and removes its bodies, sends its terminal callbacks),
// and Run says once, at the end, that stdout was not written, and exits by
// the one rule of the README's exit-code table (see stdoutExit).
//
// A reader that stopped reading (EPIPE: `| head -n 1`) is no failure,
// but for a command whose stdout is its product (see stdoutProduct): it
// is normal Unix usage, as `ls | head -n 1`, so every later write is
// dropped and succeeds, the command exits with its own code, and nothing
// is said. A stdout that fails otherwise (a full disk) is a failure
// whatever the command.
type stdoutWriter struct {
	w  io.Writer
	mu sync.Mutex
	// err is the first write that failed.
	err error
	// gone is the write that found the reader gone, its output dropped
	// since (unless product).
	gone error
	// reports is set by a command whose stdout only reports what it sent
	// (see stdoutReports).
	reports bool
	// product is set by a command whose stdout is its product, kept
	// nowhere else (see stdoutProduct).
	product bool
}

// Interface guards.
var (
	_ io.Writer = (*stdoutWriter)(nil)
	_ Terminal  = (*stdoutWriter)(nil)
)

func (s *stdoutWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	if s.gone != nil {
		return len(p), nil
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil && readerGone(err) && !s.product {
		s.gone = err
		return len(p), nil
	}
	if err != nil {
		s.err = &stdoutError{err: err}
		return n, s.err
	}
	return n, nil
}

// readerGone reports whether err is a write to a pipe whose reader
// closed it (EPIPE).
func readerGone(err error) bool { return errors.Is(err, syscall.EPIPE) }

// readerLeft reports whether w is Run's stdout and its reader stopped
// reading (`| head`), its output dropped since: a command whose stdout
// is only for that reader (outbox list) stops making it at once, rather
// than walk a million records nobody reads.
func readerLeft(w io.Writer) bool {
	s, ok := w.(*stdoutWriter)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone != nil
}

// stdoutProduct marks w, the command's stdout, as its product, kept
// nowhere else (a run without a backend URL: the bodies it would have
// sent, or its summary): a reader that stops reading early fails it, as
// any other failed write does (see stdoutExit). Any other stdout
// drops its output once its reader is gone (see stdoutWriter). A writer
// that is not Run's stdout is left as it is.
func stdoutProduct(w io.Writer) {
	s, ok := w.(*stdoutWriter)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.product = true
	if s.gone != nil && s.err == nil { // dropped already: lost
		s.err = &stdoutError{err: s.gone}
	}
}

// IsTerminal says whether the stdout it wraps is a terminal.
func (s *stdoutWriter) IsTerminal() bool { return isTerminal(s.w) }

// failed returns whether the command's stdout only reports what it sent,
// and the first write that failed, nil when none did.
func (s *stdoutWriter) failed() (reports bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reports, s.err
}

// stdoutReports marks w, the command's stdout, as a report of what the
// command sends (run with a backend URL: its summary, or the bodies it
// sent; outbox flush, retry-dead, drop): the exit code stays the
// sending's when it cannot be written. It returns w as a writer whose
// failures are left to Run: recorded, never returned (nor logged by the
// writer's caller). A writer that is not Run's stdout is returned as is.
func stdoutReports(w io.Writer) io.Writer {
	s, ok := w.(*stdoutWriter)
	if !ok {
		return w
	}
	s.mu.Lock()
	s.reports = true
	s.mu.Unlock()
	return reportWriter{s: s}
}

// reportWriter writes to Run's stdout and leaves its failure to Run.
type reportWriter struct{ s *stdoutWriter }

func (r reportWriter) Write(p []byte) (int, error) {
	_, _ = r.s.Write(p)
	return len(p), nil
}

// IsTerminal says whether the stdout it wraps is a terminal.
func (r reportWriter) IsTerminal() bool { return r.s.IsTerminal() }

// stdoutExit applies the one rule for a stdout that could not be written,
// once the command returned code, having printed its error (said: that
// error was the write's): one line on stderr says stdout was not written
// (unless the error said so), and a command that would exit 0 exits
// ExitDelivery, its output lost, unless its stdout only reported what it
// sent, delivered all the same.
func stdoutExit(o Options, out *stdoutWriter, code int, said bool) int {
	reports, err := out.failed()
	if err == nil {
		return code
	}
	if code == ExitOK && !reports {
		code = ExitDelivery
	}
	if !said {
		o.sayExit(code, err.Error(), "")
	}
	return code
}

// stdoutFailed reports whether w is Run's stdout and a write to it
// failed.
func stdoutFailed(w io.Writer) bool {
	s, ok := w.(*stdoutWriter)
	if !ok {
		return false
	}
	_, err := s.failed()
	return err != nil
}

// isStdoutError reports whether err is a failed write of the command's
// stdout.
func isStdoutError(err error) bool {
	var se *stdoutError
	return errors.As(err, &se)
}
