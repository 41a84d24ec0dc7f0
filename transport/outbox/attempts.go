package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// Attempts in flight. A process killed (SIGKILL, out of memory) while it
// posts a stored body leaves nothing of that attempt in the bbolt file:
// its outcome is written after the POST. The backend may hold the body all
// the same (one that queues its callbacks answers before it shows them),
// and a restart that resent it at once would send it twice. So each
// Store notes the start of each attempt of a stored body before its
// first byte goes on the wire, in a file of its own beside the outbox,
// "<file>.sending-<pid>-<start>-<store>" (<store> random: two Stores of
// one process on one file keep their notes apart), with one write(2) and
// no fsync: the
// kernel keeps what was written when the process is killed, not when the
// machine loses power (a power cut loses the notes of the last seconds,
// and their bodies are resent at once, as before). Once the outcome is
// durable (the removal of a body delivered committed, or its record
// settled) the note is ended with an end line, and once no attempt of the
// process is in flight any more, a file of cutAttemptsFile or more is cut
// to nothing; a file grown past maxAttemptsFile is rewritten with the
// attempts in flight alone, and Close removes it, unless attempts are
// still in flight (abandoned: their outcome can no longer be written),
// whose notes it keeps, for the next opener once the process has ended
// (another Store of the process, with a file of its own, leaves them
// alone). Opening the outbox for
// writing, and each pass of a Resender, reads the files of the processes
// that ended (see liveness): each attempt they started and did not end
// counts, on its record, as an attempt that got no answer
// (Record.Unanswered), its last request started at Record.Interrupted
// (each request of an attempt is noted: see noteRequest), unless each of
// its requests got an answer saying the backend did not take the body
// (noteAnswer: a 503 say, the process killed in the wait before the next
// request), which counts as an attempt so answered; the file is then
// removed.

// maxAttemptsFile is the size past which a process's file of attempts
// is rewritten with only the attempts in flight; cutAttemptsFile the size
// from which it is cut to nothing once none is (an end line costs less
// than a truncation).
// attemptsReserve is the room kept set aside in the file ahead of its
// notes (see reserveAttempts).
const (
	maxAttemptsFile = 1 << 20
	cutAttemptsFile = 64 << 10
	attemptsReserve = 2 * cutAttemptsFile
)

// attemptLog is this Store's file of attempts in flight.
type attemptLog struct {
	mu       sync.Mutex
	f        *os.File
	size     int64
	reserved int64                // the file's blocks set aside up to there (see reserveAttempts)
	inflight map[uint64]time.Time // record id to the start of its attempt
	// asking: the attempts whose last request started has no answer
	// noted (see noteAnswer); mayHold: those of which a request may
	// have been taken (one started before the last got none noted).
	asking, mayHold map[uint64]bool
	// unasked: the attempts no request of which started yet, whose
	// start line stands for their first request (see noteRequest).
	unasked map[uint64]bool
	closed  bool            // Close was called: no attempt is made any more
	told    map[string]bool // the files beside the outbox not read, told of (see tellIgnored)
}

// unnotedError is an attempt of a stored body not made: its note could
// not be written (see startAttempt). No request of it was made, and none
// is counted (see unposted).
type unnotedError struct{ err error }

func (e *unnotedError) Error() string { return e.err.Error() }
func (e *unnotedError) Unwrap() error { return e.err }

// NotNoted reports whether err is that of a send that made no request
// because its attempt could not be noted beside the outbox (a full disk,
// a directory not writable): nothing was posted.
func NotNoted(err error) bool { return unnoted(err) }

// unnoted reports whether err ended a post before any request of it was
// made, its note not written: an *unnotedError without the
// *httpx.HTTPError of a request made before it.
func unnoted(err error) bool {
	var ue *unnotedError
	var he *httpx.HTTPError
	return errors.As(err, &ue) && !errors.As(err, &he)
}

// sendingPrefix is the prefix of the names of the files of attempts.
func (s *Store) sendingPrefix() string { return filepath.Base(s.path) + ".sending-" }

// attemptsPath is this Store's file of attempts.
func (s *Store) attemptsPath() string {
	return filepath.Join(filepath.Dir(s.path), fmt.Sprintf("%s%d-%d-%s", s.sendingPrefix(), s.pid, s.start, s.nonce))
}

// startAttempt notes that an attempt of r starts now, before its POST.
// An error (an *unnotedError: the file cannot be written) means the body
// must not be posted: a kill during that POST would leave no trace of it.
func (s *Store) startAttempt(r Record) error {
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return s.unnotedErr(r.ID, ErrClosed)
	}
	if a.f == nil {
		if err := s.openAttempts(); err != nil {
			return s.unnotedErr(r.ID, err)
		}
	}
	delete(a.asking, r.ID)
	delete(a.mayHold, r.ID)
	if err := s.noteStart(r.ID); err != nil {
		return err
	}
	a.unasked[r.ID] = true
	return nil
}

// sameStart is how soon after its attempt's start line the first request
// of an attempt must start for that line to stand for it (see noteRequest).
const sameStart = time.Millisecond

// noteRequest notes that a request of the attempt of record id in
// flight starts now (a Poster's retry, see httpx.WithSending): the next
// opener, should the process be killed during it, counts the attempt from
// its last request's start, when the backend may have taken the body. An
// error (an *unnotedError) means the request must not be made. The first
// request, started within sameStart of the attempt's start line, writes
// no line of its own: that line, written before anything went on the
// wire, says when it started closely enough for what the next opener
// does with it (an ingestion window of seconds runs from it), and a
// write(2) a post is saved (one of the few system calls serve's
// outbox adds to an inject).
func (s *Store) noteRequest(id uint64) error {
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.f == nil {
		return s.unnotedErr(id, ErrClosed)
	}
	if a.asking[id] {
		a.mayHold[id] = true // the request before it got no answer noted
	}
	a.asking[id] = true
	if a.unasked[id] {
		delete(a.unasked, id)
		if start, ok := a.inflight[id]; ok && s.opts.Now().Sub(start) < sameStart {
			return nil
		}
	}
	return s.noteStart(id)
}

// noteAnswer notes that the last request of the attempt of record id in
// flight got an answer saying the backend did not take the body, a
// status its Poster retries (httpx.WithSendingAnswered), before the wait
// for its next request: should the process be killed during that wait,
// the next opener counts an attempt whose every request was so answered
// as one that got its answer (see countInterrupted), not as one the
// backend may hold. It is noted only while every request of the attempt
// was answered so: one that got none (a 502, 504, a cut connection)
// leaves the attempt one the backend may hold. A line that cannot be
// written leaves it so too.
func (s *Store) noteAnswer(id uint64, status int) {
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.inflight[id]; !ok || a.f == nil || !a.asking[id] {
		return
	}
	delete(a.asking, id)
	if a.mayHold[id] {
		return
	}
	line := append(strconv.AppendUint(append(make([]byte, 0, 32), "a "...), id, 10), ' ')
	line = append(strconv.AppendInt(line, int64(status), 10), '\n')
	if n, err := a.f.Write(line); err == nil {
		a.size += int64(n)
	}
}

// noteStart writes the line of an attempt of record id starting now; the
// caller holds a.mu, the file open.
func (s *Store) noteStart(id uint64) error {
	a := &s.attempts
	if a.size > maxAttemptsFile {
		if err := s.rewriteAttempts(); err != nil {
			return s.unnotedErr(id, err)
		}
	}
	now := s.opts.Now()
	line := appendStart(make([]byte, 0, 48), id, now)
	if _, err := a.f.Write(line); err != nil {
		return s.unnotedErr(id, err)
	}
	a.size += int64(len(line))
	a.inflight[id] = now
	s.reserveAttempts()
	return nil
}

// reserveAttempts keeps room set aside in the file ahead of its notes,
// attemptsReserve past its end, topped up once less than half of it is
// left (see reserve): the disk filled meanwhile (by another program, a
// log, the outbox's own bodies), the notes of the next attempts still
// find the blocks they need. Without it, the first note that needed a
// block the file did not have (every 4 KiB of notes on a tmpfs) failed,
// and so did every one after it: no body was resent, though delivering
// them is what lets the outbox free its room. Best effort: a file system
// that cannot set blocks aside, or that has none left, takes the blocks
// as the notes are written, as before. The caller holds a.mu, the file
// open.
func (s *Store) reserveAttempts() {
	a := &s.attempts
	if a.reserved-a.size >= attemptsReserve/2 {
		return
	}
	if end := a.size + attemptsReserve; reserve(a.f, end) == nil {
		a.reserved = end
	}
}

// unnotedErr is the *unnotedError of record id's attempt, its note not
// written for err; a file system refusing it refuses the outbox's writes
// too (see noteWrite), a file beside it.
func (s *Store) unnotedErr(id uint64, err error) error {
	err = fmt.Errorf("outbox %s: note the attempt of record %d before its post: %w", s.path, id, err)
	s.noteWrite(err) // err is not nil: a refusal is kept, nothing forgotten
	return &unnotedError{err}
}

// prepareAttempts creates this Store's file of attempts as Open ends, its
// room set aside (see reserveAttempts), rather than at its first note: a
// daemon's first resend, or a run's first post after its inject, may come
// once the disk is full, when the file could be created but not written
// (a tmpfs gives a file its first page at its first write), and every
// body was held although the outbox could send it. One that cannot be
// created now (a disk already full, a directory not writable) does not
// fail Open: listing, dropping, compacting and a daemon's pause on a full
// outbox must work on a full disk, and no body is posted without its note
// anyway: the first note tries again (see startAttempt), and its error,
// naming the file, says why the body was not sent.
func (s *Store) prepareAttempts() {
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil && !a.closed {
		_ = s.openAttempts() // met again, and said, by the first note
	}
}

// openAttempts creates this Store's file of attempts, empty (see
// newSidecar); the caller holds a.mu.
func (s *Store) openAttempts() error {
	a := &s.attempts
	path := s.attemptsPath()
	if s.hooks.attemptsFile != nil {
		if err := s.hooks.attemptsFile(); err != nil {
			return &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
	f, err := newSidecar(path)
	if err != nil {
		return err
	}
	a.f, a.size, a.reserved, a.inflight = f, 0, 0, map[uint64]time.Time{}
	a.asking, a.mayHold, a.unasked = map[uint64]bool{}, map[uint64]bool{}, map[uint64]bool{}
	s.reserveAttempts()
	return nil
}

// appendStart appends the line of an attempt of record id started at.
func appendStart(b []byte, id uint64, at time.Time) []byte {
	b = append(b, "s "...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, at.UnixNano(), 10)
	return append(b, '\n')
}

// endAttempts ends the attempts of ids in flight: their outcome is
// durable. An id with none is passed over.
func (s *Store) endAttempts(ids ...uint64) {
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.inflight) == 0 || a.f == nil {
		return // none, or closed: the notes stay (see closeAttempts)
	}
	var lines []byte
	for _, id := range ids {
		if _, ok := a.inflight[id]; ok {
			delete(a.inflight, id)
			delete(a.asking, id)
			delete(a.mayHold, id)
			delete(a.unasked, id)
			lines = append(strconv.AppendUint(append(lines, "e "...), id, 10), '\n')
		}
	}
	switch {
	case lines == nil:
	case len(a.inflight) == 0 && a.size >= cutAttemptsFile && a.f.Truncate(0) == nil:
		// Nothing in flight: the file is cut to nothing (O_APPEND
		// writes go on at its new end). A cut that fails writes the
		// end lines instead: without them a kill would count attempts
		// that ended. The cut gave back the room set aside: it is
		// taken again at once.
		a.size, a.reserved = 0, 0
		s.reserveAttempts()
	default:
		if s.hooks.ended != nil {
			s.hooks.ended(lines)
		}
		if n, err := a.f.Write(lines); err == nil {
			a.size += int64(n)
		}
	}
}

// endSettled ends the attempt of record id once its settling wrote it
// (*err nil), found it gone or dead (ErrNotFound), or left it to another
// live process (errOwned, ErrTakenMeanwhile): a settling that could not
// be written keeps it, to be counted should this process be killed.
func (s *Store) endSettled(id uint64, err *error) {
	if e := *err; e == nil || errors.Is(e, ErrNotFound) || errors.Is(e, errOwned) || errors.Is(e, ErrTakenMeanwhile) {
		s.endAttempts(id)
	}
}

// rewriteAttempts replaces the file with one holding the attempts in
// flight alone (their starts, not the answers noted: an attempt
// interrupted after it counts as one the backend may hold, until an
// answer is noted again), and goes on writing to the file it created: the path,
// once renamed over, is not opened again (what it names then may be
// another's). The caller holds a.mu.
func (s *Store) rewriteAttempts() error {
	a := &s.attempts
	var b []byte
	for id, at := range a.inflight {
		b = appendStart(b, id, at)
	}
	path := s.attemptsPath()
	tmp := path + ".new"
	f, err := newSidecar(tmp)
	if err == nil {
		_, err = f.Write(b)
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if s.hooks.rewritten != nil {
		s.hooks.rewritten()
	}
	_ = a.f.Close()
	a.f, a.size, a.reserved = f, int64(len(b)), 0
	s.reserveAttempts()
	return nil
}

// closeAttempts removes this Store's file (see Close) when no attempt
// is in flight: every outcome it knows of is written. The notes of
// attempts still in flight (abandoned posts, whose outcome the closed
// Store can no longer write) are kept, to be counted once the process has
// ended. No attempt is noted from then on.
func (s *Store) closeAttempts() {
	a := &s.attempts
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.f == nil {
		return
	}
	_ = a.f.Close()
	if len(a.inflight) == 0 {
		_ = os.Remove(s.attemptsPath())
	}
	a.f = nil
}
