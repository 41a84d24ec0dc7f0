package outbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Defaults of Options.
const (
	DefaultMaxBytes = 1 << 30          // 1 GiB of bodies
	DefaultTimeout  = 30 * time.Second // wait for another process's lock
	DefaultLease    = 15 * time.Minute // a delivering process owns a body at most this long
)

// Bucket and key names.
var (
	bucketPending = []byte("pending")
	bucketDead    = []byte("dead")
	bucketBodies  = []byte("bodies")
	bucketMeta    = []byte("meta")
	keyFormat     = []byte("format")
	keyUsed       = []byte("used")
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// MaxBytes bounds the bytes of bodies stored, pending and dead
	// (default DefaultMaxBytes).
	MaxBytes int64
	// Timeout is how long Open, and in Shared mode each operation, waits
	// for a lock another process holds. 0 (or less) does not wait: the
	// lock is tried once. DefaultTimeout is the usual value.
	Timeout time.Duration
	// Shared closes the file between operations so that other processes
	// can use it (see the package doc).
	Shared bool
	// Lease is how long a process delivering a body owns it (default
	// DefaultLease), renewed while its POST lasts half a lease before
	// it ends (at once when the POST starts with less than half left):
	// past it, another process may resend the body even if the owner
	// still runs.
	Lease time.Duration
	// Command names the process in the lock record (default: its
	// arguments).
	Command string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ReadOnly opens the file only to read it (on a read-only file system,
	// say): it must exist and be an outbox already, no lock record is
	// written, other readers share the lock, and every write fails.
	ReadOnly bool
	// Secrets are redacted, in every form httpx.Redact knows, from
	// what the store keeps of a failure (a record's LastError and
	// DeadBody) and from the errors and log lines of Send, Settle and a
	// Resender: the bearer tokens of the backends the bodies go to.
	Secrets []string
	// RemovalWaits, when set, is called once each time the removal of
	// bodies the backend accepted finds the file held by another process
	// past Timeout: the removal waits for it without a limit (a body left
	// pending would be posted again), and the caller may say so.
	RemovalWaits func(path string)
	// LockUnrecorded, when set, is called once, the first time the record
	// naming this process as the lock's holder cannot be written (a full
	// disk): the file is used all the same, locked, but another process
	// waiting for it cannot say which process holds it.
	LockUnrecorded func(err error)
	// LeaseRenewal, when set, is told when the renewal of the lease of a
	// body this process is posting fails (err: past the lease's end,
	// another process may take the body and post it too), once until a
	// renewal of that body's lease succeeds again (err nil); the
	// renewals that keep failing meanwhile are not told.
	LeaseRenewal func(id uint64, err error)
	// SidecarIgnored, when set, is told once of each file beside the outbox
	// not read (err says why): another user's (see trusted), or the file of
	// attempts of an ended process that cannot be read, its bodies held.
	SidecarIgnored func(path string, err error)
}

// Store is an outbox file. It is safe for concurrent use.
type Store struct {
	path  string
	opts  Options
	pid   int
	start uint64 // this process's start time (see processStart), 0 when unknown
	// nonce names this Store among its process's, at random: its notes of
	// attempts (see attemptsPath) and its claims (see mine) are its own.
	nonce string

	mu              sync.Mutex
	db              *bolt.DB
	opening         *opening      // the opening of the file in flight, if any (see acquireWithin)
	due             bool          // OpenDeferred met a lock: whileLockedAtOpen is still to do
	unopened        error         // the lock the last opening met while due (see LockWait)
	ready           chan struct{} // closed once whileLockedAtOpen is done (see Opened)
	fileID          uint64        // fileIdent of the file db maps: the index marks name it (index.go)
	users           int
	closing, closed bool // Close was called; it closed the store
	compactFailed   bool // a compaction failed: this Store tries no other
	emptying        int  // sends stored whole whose bodies are still being posted: no compaction meanwhile (see storeFirst)
	unrecorded      bool // a lock record could not be written (see LockUnrecorded)
	// claims are the pending records this process is delivering now.
	claims map[uint64]bool
	// retried are the records RetryDead moved back to pending for this
	// Store, not claimed since (see giveBack); taking counts the claims
	// in flight, which Close waits for (see beginClaim).
	retried map[uint64]bool
	taking  sync.WaitGroup
	// runs are the starts this Store recorded whose run has not ended
	// (seq to inject id, see StartRun); Close removes them.
	runs  map[uint64]string
	endMu sync.Mutex // held by EndOpenRuns

	// deferred are the records delivered whose removal is not yet
	// committed (see deleteLater), each with the size its removal names
	// (-1: unknown); guarded by mu.
	deferred map[uint64]int
	later    sync.WaitGroup // removals in flight
	// unremoved holds the delivered bodies whose removal failed, the
	// last error unremovedErr; guarded by mu (see noteUnremoved).
	unremoved    map[uint64]bool
	unremovedErr error
	// unwritten names the first lazy writes that failed, unwrittenN
	// counts them, unwrittenErr is the last error; guarded by mu (see
	// noteUnwritten).
	unwritten    []string
	unwrittenN   int
	unwrittenErr error

	wmu       sync.Mutex // guards queue, leading, lazy and lazyTimer (see write)
	queue     []*writeOp
	leading   bool
	lazy      []*writeOp // writes riding with the next commit (see writeLater)
	patient   int        // how many of lazy are patient (see takeLazy)
	flushing  bool       // flushLazy commits every lazy write (see takeLazy)
	lazyTimer *time.Timer
	lazyAt    time.Time             // when the lazy writes waiting are due: the first of them
	timerAt   time.Time             // when lazyTimer fires
	commits   atomic.Int64          // group transactions run (see commit)
	refused   atomic.Pointer[error] // the file system refused the last write (see noteWrite)
	attempts  attemptLog            // the attempts of this process in flight (see startAttempt)
	hooks     commitHooks
}

// open is Open, the file left open (a user of it counted: see acquire)
// when it succeeds; the caller releases it.
func open(path string, opts Options) (*Store, error) { return openWithin(path, opts, -1) }

// openWithin is open, the first opening waiting at most wait for another
// process's lock (less than 0: Options.Timeout; never more), and returning
// the Store with a failure of that opening (see OpenDeferred).
func openWithin(path string, opts Options, wait time.Duration) (*Store, error) {
	if path == "" {
		return nil, errors.New("outbox: empty path")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	opts.Timeout = max(opts.Timeout, 0)
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Command == "" {
		opts.Command = strings.Join(os.Args, " ")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	if err := CheckFile(abs); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", abs, err)
	}
	if opts.ReadOnly {
		// Nothing is created: bbolt would initialise an empty file.
		if fi, err := os.Stat(abs); err != nil || fi.Size() == 0 {
			if err == nil {
				err = errors.New("empty file")
			}
			return nil, fmt.Errorf("outbox %s: open read-only: %w", abs, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("outbox %s: create directory: %w", abs, err)
	}
	pid := os.Getpid()
	s := &Store{path: abs, opts: opts, pid: pid, start: processStart(pid), nonce: rand.Text()[:8],
		claims: map[uint64]bool{}, retried: map[uint64]bool{}, runs: map[uint64]string{}}
	if _, err := os.Lstat(abs); !opts.ReadOnly && errors.Is(err, fs.ErrNotExist) {
		if err := s.create(); err != nil {
			return nil, err
		}
	}
	s.ready = make(chan struct{})
	if wait < 0 || wait > opts.Timeout {
		wait = opts.Timeout
	}
	db, err := s.acquireWithin(wait)
	if err != nil {
		return s, err // the caller sees a lock to defer (see OpenDeferred)
	}
	if err := s.whileLockedAtOpen(db); err != nil {
		s.release()
		// Resent now, a body of an attempt cut short could go twice.
		return nil, errors.Join(err, s.Close())
	}
	close(s.ready)
	return s, nil
}

// whileLockedAtOpen does what an opening of the Store does first under
// the file's lock, on db, which the caller holds: the leftovers of
// compactions and creations removed, the attempts of processes that ended
// counted (before any body is claimed: one of an attempt cut short could
// be posted twice), this Store's file of attempts made ready.
func (s *Store) whileLockedAtOpen(db *bolt.DB) error {
	s.removeLeftovers()
	if err := s.recoverAttemptsBy(func(fn func(*bolt.Tx) error) error { return s.write(db, fn) }); err != nil {
		return err
	}
	if !s.opts.ReadOnly {
		s.prepareAttempts()
	}
	return nil
}

// Path returns the absolute path of the outbox file.
func (s *Store) Path() string { return s.path }

// MaxBytes returns the bound on stored bodies.
func (s *Store) MaxBytes() int64 { return s.opts.MaxBytes }

func (s *Store) closeDB() error {
	if !s.opts.ReadOnly {
		s.compactAndUnrecord(s.db)
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("outbox %s: close: %w", s.path, err)
	}
	return nil
}

// openDB opens the bbolt file, turning a damaged file into a *CorruptError
// and a lock held longer than wait into a *LockedError.
func (s *Store) openDB(wait time.Duration) (db *bolt.DB, err error) {
	var file *os.File
	// bbolt waits for ever on a zero timeout, and tries the lock only once
	// on a timeout shorter than its 50 ms retry interval.
	bopts := &bolt.Options{
		ReadOnly: s.opts.ReadOnly,
		Timeout:  max(wait, time.Nanosecond),
		OpenFile: openChecked(s.path, &file),
	}
	// A page bbolt reads past the end of a file truncated meanwhile is a
	// fault: a panic, recovered below, instead of a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if file != nil {
				_ = file.Close() // releases the lock a panicking Open kept
			}
			db, err = nil, &CorruptError{Path: s.path, Err: errPageDamaged}
		}
	}()
	db, err = bolt.Open(s.path, 0o600, bopts)
	var ce *CorruptError
	switch {
	case errors.As(err, &ce): // truncated (see checkSize)
		return nil, err
	case errors.Is(err, berrors.ErrTimeout):
		return nil, s.lockedError(wait)
	case err != nil && isIOError(err):
		return nil, fmt.Errorf("outbox %s: %w", s.path, err)
	case err != nil:
		// ErrInvalid, ErrChecksum, ErrVersionMismatch, "file size too
		// small", …: the file's content is at fault.
		return nil, &CorruptError{Path: s.path, Err: err}
	}
	if s.replaced(file) { // compacted while this process waited for its lock (see compact)
		_ = db.Close()
		return s.openDB(wait)
	}
	if err := s.adopt(db, file); err != nil {
		return nil, err
	}
	if s.opts.ReadOnly {
		if err := s.check(db); err != nil {
			_ = db.Close()
			return nil, err
		}
		return db, nil
	}
	if err := s.writeLockRecord(); err != nil && !s.unrecorded {
		// Best effort: the lock (flock) is held, only its holder is not named to
		// others. A full disk must not keep an operator from listing or draining it.
		s.unrecorded = true
		if s.opts.LockUnrecorded != nil {
			s.opts.LockUnrecorded(err)
		}
	}
	if err := s.init(db); err != nil {
		_ = os.Remove(s.lockPath())
		_ = db.Close()
		return nil, err
	}
	s.rebuildIndexes(db) // indexes an earlier version did not keep
	return db, nil
}

// init creates the buckets of a new file and checks an existing one is an
// outbox. A file that has them all is only read: in Shared mode the file is
// opened for each operation, which then costs no commit of its own.
func (s *Store) init(db *bolt.DB) error {
	ready := false
	err := s.tx(db, false, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil // the writable pass below says what is wrong
		}
		if err := s.checkMark(meta.Get(keyFormat)); err != nil {
			return err
		}
		ready = tx.Bucket(bucketPending) != nil && tx.Bucket(bucketDead) != nil && tx.Bucket(bucketBodies) != nil
		return nil
	})
	if err != nil || ready {
		return err
	}
	return s.tx(db, true, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return &CorruptError{Path: s.path, Err: errors.New("a bbolt file without the outbox format mark")}
			}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, []byte(format)); err != nil {
				return err
			}
		}
		if err := s.checkMark(meta.Get(keyFormat)); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketPending, bucketDead, bucketBodies} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}
