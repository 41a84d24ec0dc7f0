package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/transport"
)

// Sentinels matched with errors.Is.
var (
	// ErrNotFound is returned for an id the outbox does not hold (in the
	// state asked for).
	ErrNotFound = errors.New("no such outbox entry")
	// ErrClosed is returned by a Store after Close.
	ErrClosed = errors.New("outbox closed")
	// ErrAborted is the cause of a send stopped by its Deliverer's Abort:
	// the bodies not delivered stay pending.
	ErrAborted = errors.New("sending stopped (aborted)")
	// ErrFull matches a *FullError.
	ErrFull = errors.New("outbox full")
	// ErrLocked matches a *LockedError.
	ErrLocked = errors.New("outbox locked")
	// ErrCorrupt matches a *CorruptError.
	ErrCorrupt = errors.New("outbox corrupt")
	// ErrBusy matches a *BusyError.
	ErrBusy = errors.New("outbox entry being sent")
	// ErrNotDead matches a *NotDeadError.
	ErrNotDead = errors.New("outbox entry not dead")
	// ErrCorruptEntry matches a *CorruptEntryError.
	ErrCorruptEntry = errors.New("outbox entry corrupt")
	// ErrTakenMeanwhile is a SendRetried whose record another process
	// took, delivered or settled while it was being sent: it is not put
	// back in the dead list; or a Deliverer's body another process took
	// over while it waited its turn: not posted, left to that process.
	ErrTakenMeanwhile = errors.New("another process took the outbox entry meanwhile")
)

// CorruptEntryError reports a RetryDead of a corrupt record (in the dead
// list as ReasonCorrupt, or one whose stored metadata cannot be read):
// nothing in it can be sent, so it stays until dropped. The record
// exists: it is not ErrNotFound.
type CorruptEntryError struct {
	Path string
	ID   uint64
}

func (e *CorruptEntryError) Error() string {
	return fmt.Sprintf("outbox %s: %d is corrupt: nothing in it can be sent (remove it with outbox drop)", e.Path, e.ID)
}

// Is reports whether target is ErrCorruptEntry.
func (e *CorruptEntryError) Is(target error) bool { return target == ErrCorruptEntry }

// NotDeadError reports a RetryDead of a record that is pending (another
// process moved it back first): nothing was changed. Owner is the live
// process sending it, 0 when none is; OtherStore, that it is this
// process, through another Store it opened on the same file.
type NotDeadError struct {
	Path       string
	ID         uint64
	Owner      int
	OtherStore bool
}

func (e *NotDeadError) Error() string {
	switch {
	case e.OtherStore:
		return fmt.Sprintf("outbox %s: %d is pending, not dead: being sent by %s; not retried", e.Path, e.ID, otherStore(e.Owner))
	case e.Owner != 0:
		return fmt.Sprintf("outbox %s: %d is pending, not dead: being sent by pid %d; not retried", e.Path, e.ID, e.Owner)
	}
	return fmt.Sprintf("outbox %s: %d is pending, not dead; not retried (outbox flush sends it)", e.Path, e.ID)
}

// otherStore names, in an error, another Store of this process (pid) on
// the same file as the owner of a record.
func otherStore(pid int) string {
	return "another Store of this process (pid " + strconv.Itoa(pid) + ") open on the same outbox"
}

// Is reports whether target is ErrNotDead.
func (e *NotDeadError) Is(target error) bool { return target == ErrNotDead }

// BusyError reports a record Drop (or DropSend) left alone: a live process
// (Owner, 0 when it is this one) is sending it, or, Storing, storing the
// bodies of its send. OtherStore: Owner is this process, sending it
// through another Store it opened on the same file (a library user's
// two runtimes): that Store's to settle, or to give back as it closes.
type BusyError struct {
	Path       string
	ID         uint64
	Owner      int
	OtherStore bool
	Storing    bool
	// Running: ID is the start of a run its process still runs (see
	// DropStart).
	Running bool
}

func (e *BusyError) Error() string {
	by, remedy := "pid "+strconv.Itoa(e.Owner), "drop it once that process has ended"
	switch {
	case e.OtherStore:
		by, remedy = otherStore(e.Owner), "drop it once that Store has closed: Close gives back what it holds and is not posting"
	case e.Owner == 0:
		by, remedy = "this process", "drop it once this process is done with it"
	}
	doing := "sent"
	switch {
	case e.Storing:
		doing = "stored"
	case e.Running:
		doing = "run"
	}
	id := strconv.FormatUint(e.ID, 10)
	if e.Running {
		id = RunID(e.ID)
	}
	return fmt.Sprintf("outbox %s: %s is being %s by %s; not dropped (%s)", e.Path, id, doing, by, remedy)
}

// ErrAmbiguous matches an *AmbiguousError.
var ErrAmbiguous = errors.New("outbox id names more than one record")

// AmbiguousError reports an id that names more than one record (two
// starts an earlier version numbered alike): nothing was done to either.
type AmbiguousError struct {
	Path string
	ID   string
	// Names are the records the id names (the starts' inject ids, one
	// per start: an inject whose runs share the id is named as often).
	Names []string
}

func (e *AmbiguousError) Error() string {
	injects := slices.Compact(slices.Sorted(slices.Values(e.Names))) // each named once
	of := "inject"
	if len(injects) > 1 {
		of = "injects"
	}
	return fmt.Sprintf("outbox %s: %s names %d runs (of %s %s), numbered alike by an earlier version; not dropped "+
		"(each is forgotten once its inject runs to its end)", e.Path, e.ID, len(e.Names), of, strings.Join(injects, ", "))
}

// Is reports whether target is ErrAmbiguous.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// Is reports whether target is ErrBusy.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// FullError reports bodies that would take the outbox past its bound.
// Nothing of the Put was stored.
type FullError struct {
	Path      string
	Used, Max int64 // bytes of bodies stored, and the bound
	Need      int64 // bytes the Put asked for
}

func (e *FullError) Error() string {
	const hint = "flush or drop entries, or raise --outbox-max-bytes"
	switch {
	case e.Used > e.Max: // a bound lowered below what is stored: no Put fits
		return fmt.Sprintf("outbox %s full: %d of %d bytes used (over the limit): %s", e.Path, e.Used, e.Max, hint)
	case e.Used == e.Max:
		return fmt.Sprintf("outbox %s full: %d of %d bytes used (no room left): %s", e.Path, e.Used, e.Max, hint)
	}
	return fmt.Sprintf("outbox %s full: %d of %d bytes used, %d more needed (%s)", e.Path, e.Used, e.Max, e.Need, hint)
}

// Is reports whether target is ErrFull.
func (e *FullError) Is(target error) bool { return target == ErrFull }

// LockedError reports an outbox another process kept locked for longer
// than the timeout (Waited 0: the lock was tried once). PID is 0 when the
// holder left no record; Stale when the process the record names has
// ended (the lock is held by another program, or an injectkit process
// opening the outbox). Listed is set when the holder left no record and
// the system's list of file locks named it (see lockHolderOf): PID is
// then that process, Command its program's name, and Shared says it holds
// a read lock, as outbox list does while it reads.
type LockedError struct {
	Path    string
	Waited  time.Duration
	PID     int
	Command string
	Since   time.Time
	Stale   bool
	Listed  bool
	Shared  bool
}

func (e *LockedError) Error() string {
	// An injectkit process records itself once it holds the lock, and
	// removes its record just before it lets go of it; one that could not
	// write it (a full disk) holds the lock unrecorded.
	holder := "another process (no holder recorded in " + e.Path + ".lock: an injectkit process opening or closing the outbox, " +
		"one holding it that could not write its record (a full disk), or another program)"
	if e.PID != 0 {
		holder = "process " + strconv.Itoa(e.PID)
		if e.Command != "" {
			holder += " (" + e.Command + ")"
		}
		if !e.Since.IsZero() {
			holder += " since " + e.Since.UTC().Format(time.RFC3339)
		}
	}
	switch {
	case e.Listed && e.Shared:
		holder += ", reading it (a shared lock, as outbox list holds while it reads, writing no record in " + e.Path + ".lock)"
	case e.Listed:
		holder += ", which left no record in " + e.Path + ".lock (an injectkit process opening or closing the outbox, " +
			"one holding it that could not write its record (a full disk), or another program)"
	}
	if e.PID != 0 && e.Stale {
		holder = "another program, or an injectkit process opening the outbox (no injectkit process holds it: " +
			e.Path + ".lock is a stale record of " + holder + ", which has ended)"
	}
	if e.Waited <= 0 {
		return fmt.Sprintf("outbox %s is locked by %s; did not wait (lock timeout 0)", e.Path, holder)
	}
	return fmt.Sprintf("outbox %s is locked by %s; gave up after %s", e.Path, holder, e.Waited)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// CorruptError reports an outbox file that cannot be read as one.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	if errors.Is(e.Err, errPageDamaged) {
		return fmt.Sprintf("outbox %s is damaged: %v (move it aside to start an empty one)", e.Path, errPageDamaged)
	}
	return fmt.Sprintf("outbox %s is corrupt or not an outbox: %v (move it aside to start an empty one)", e.Path, e.Err)
}

// errPageDamaged is the cause of a *CorruptError for a fault or a panic
// bbolt hit reading a page (a damaged one, or one cut off the file): the
// runtime's text says nothing to the user, and is left out.
var errPageDamaged = errors.New("a page of it cannot be read")

// Unwrap returns the underlying error.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// UnremovedError reports delivered bodies (the backend answered 2xx) whose
// removal from the outbox failed and that it still holds: they stay
// pending, and the next resend posts them again under their
// Idempotency-Key.
type UnremovedError struct {
	Path string
	N    int
	IDs  []uint64 // the bodies' ids, N of them
	Err  error
}

func (e *UnremovedError) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = strconv.FormatUint(id, 10)
	}
	if e.N == 1 && len(ids) == 1 {
		return fmt.Sprintf("outbox %s: delivered body %s could not be removed and stays pending; a flush posts it again under its Idempotency-Key (drop it with: injectkit outbox drop %s): %v",
			e.Path, ids[0], ids[0], e.Err)
	}
	return fmt.Sprintf("outbox %s: %d delivered bodies could not be removed and stay pending (ids %s); a flush posts them again under their Idempotency-Key (drop them with: injectkit outbox drop <id>): %v",
		e.Path, e.N, strings.Join(ids, ", "), e.Err)
}

// Unwrap returns the underlying error.
func (e *UnremovedError) Unwrap() error { return e.Err }

// UnwrittenError reports the writes the store made after their callers
// returned (lazily, riding with the next commit) that failed: nothing of
// them was kept. What names the first of them, N counts them all, Err is
// the last failure. Each costs a later process some care, never a
// result: a note of a complete lost (NoteComplete), another process does
// not know the backend may not show it yet; a run's end lost (Run.End,
// ForgetStarts), its start counts once more as a run that ended the
// process, should the inject's message come again.
type UnwrittenError struct {
	Path string
	N    int
	What []string
	Err  error
}

func (e *UnwrittenError) Error() string {
	named := strings.Join(e.What, "; ")
	if more := e.N - len(e.What); more > 0 {
		named += fmt.Sprintf("; and %d more", more)
	}
	if e.N == 1 {
		return fmt.Sprintf("outbox %s: a write made in the background failed and was not kept (%s): %v", e.Path, named, e.Err)
	}
	return fmt.Sprintf("outbox %s: %d writes made in the background failed and were not kept (%s): %v", e.Path, e.N, named, e.Err)
}

// Unwrap returns the underlying error.
func (e *UnwrittenError) Unwrap() error { return e.Err }

// UnstoredError reports a send whose bodies could not all be stored (the
// outbox or the disk full): Delivered lists the chunks the backend
// accepted meanwhile (0 to k-1: a body is posted once stored); the others
// of Total were neither sent nor kept (nothing of the send stays stored).
type UnstoredError struct {
	Delivered []int
	Total     int
	Err       error
	// Unsent, when the profile names them (Bodies.Unsent), are the
	// signature targets the backend did not get, encoded as the profile
	// sends them.
	Unsent []json.RawMessage
	// Bodies are the send's bodies, the profile's, whose Seq yields them
	// again: those past Delivered are what a run that keeps them nowhere
	// prints (see openaev.Profile.Undelivered).
	Bodies Bodies
}

func (e *UnstoredError) Error() string {
	msg := "store signatures before sending: " + e.Err.Error()
	switch k := len(e.Delivered); {
	case k == 0 && e.Total > 1:
		return msg + fmt.Sprintf(" (delivered chunks none of %d; chunks 0-%d neither sent nor kept)", e.Total, e.Total-1)
	case k == 0:
		return msg
	case k == 1:
		msg += " (delivered chunk 0"
	default:
		msg += fmt.Sprintf(" (delivered chunks 0-%d", k-1)
	}
	return msg + fmt.Sprintf(" of %d; chunks %d-%d neither sent nor kept)", e.Total, len(e.Delivered), e.Total-1)
}

// Unwrap returns the store's error.
func (e *UnstoredError) Unwrap() error { return e.Err }

// failedChunk places a chunk's error in its send, as transport's
// Client.Send does.
func failedChunk(err error, i, total int) error {
	var te *transport.TransmissionError
	if total > 1 && errors.As(err, &te) {
		cp := *te
		cp.Chunk, cp.Total = i, total
		cp.Delivered = make([]int, i)
		for k := range cp.Delivered {
			cp.Delivered[k] = k
		}
		return &cp
	}
	return err
}
