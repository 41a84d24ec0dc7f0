package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// format marks a file as an injectkit outbox.
const format = "injectkit-outbox/1"

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
	// for a lock another process holds (default DefaultTimeout).
	Timeout time.Duration
	// Shared closes the file between operations so that other processes
	// can use it (see the package doc).
	Shared bool
	// Lease is how long a process delivering a body owns it (default
	// DefaultLease): past it, another process may resend the body even if
	// the owner still runs.
	Lease time.Duration
	// Command names the process in the lock record (default: its
	// arguments).
	Command string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Store is an outbox file. It is safe for concurrent use.
type Store struct {
	path string
	opts Options
	pid  int

	mu     sync.Mutex
	db     *bolt.DB
	users  int
	closed bool
	// claims are the pending records this process is delivering now.
	claims map[uint64]bool

	wmu     sync.Mutex // guards queue and leading (see write)
	queue   []*writeOp
	leading bool
}

// Open opens or creates the outbox at path, creating its directory (mode
// 0700) if needed. In Shared mode the file is checked and closed again.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("outbox: empty path")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
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
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("outbox %s: create directory: %w", abs, err)
	}
	s := &Store{path: abs, opts: opts, pid: os.Getpid(), claims: map[uint64]bool{}}
	if _, err := s.acquire(); err != nil {
		return nil, err
	}
	s.release()
	return s, nil
}

// Path returns the absolute path of the outbox file.
func (s *Store) Path() string { return s.path }

// MaxBytes returns the bound on stored bodies.
func (s *Store) MaxBytes() int64 { return s.opts.MaxBytes }

// Close closes the file. Records a process was delivering stay pending.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.db == nil {
		return nil
	}
	return s.closeDB()
}

// acquire returns the open database, opening it if needed. Each acquire is
// paired with a release.
func (s *Store) acquire() (*bolt.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.db == nil {
		db, err := s.openDB()
		if err != nil {
			return nil, err
		}
		s.db = db
	}
	s.users++
	return s.db, nil
}

func (s *Store) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users--
	if s.users == 0 && s.db != nil && (s.opts.Shared || s.closed) {
		_ = s.closeDB()
	}
}

func (s *Store) closeDB() error {
	_ = os.Remove(s.lockPath())
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("outbox %s: close: %w", s.path, err)
	}
	return nil
}

func (s *Store) lockPath() string { return s.path + ".lock" }

// openDB opens the bbolt file, turning a damaged file into a *CorruptError
// and a lock held too long into a *LockedError.
func (s *Store) openDB() (db *bolt.DB, err error) {
	var file *os.File
	bopts := &bolt.Options{
		Timeout: s.opts.Timeout,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			file = f
			return f, err
		},
	}
	defer func() {
		if v := recover(); v != nil {
			if file != nil {
				_ = file.Close() // releases the lock a panicking Open kept
			}
			db, err = nil, &CorruptError{Path: s.path, Err: fmt.Errorf("%v", v)}
		}
	}()
	db, err = bolt.Open(s.path, 0o600, bopts)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, s.lockedError()
	case err != nil && isIOError(err):
		return nil, fmt.Errorf("outbox %s: %w", s.path, err)
	case err != nil:
		// ErrInvalid, ErrChecksum, ErrVersionMismatch, "file size too
		// small", …: the file's content is at fault.
		return nil, &CorruptError{Path: s.path, Err: err}
	}
	if err := s.writeLockRecord(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.init(db); err != nil {
		_ = os.Remove(s.lockPath())
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// init creates the buckets of a new file and checks an existing one is an
// outbox.
func (s *Store) init(db *bolt.DB) error {
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
		if got := string(meta.Get(keyFormat)); got != format {
			return &CorruptError{Path: s.path, Err: fmt.Errorf("format %q, want %q", got, format)}
		}
		for _, b := range [][]byte{bucketPending, bucketDead, bucketBodies} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// tx runs fn in a transaction, turning a panic of bbolt on a damaged page
// into a *CorruptError.
func (s *Store) tx(db *bolt.DB, writable bool, fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &CorruptError{Path: s.path, Err: fmt.Errorf("%v", v)}
		}
	}()
	if writable {
		err = db.Update(fn)
	} else {
		err = db.View(fn)
	}
	var ce *CorruptError
	var le *LockedError
	switch {
	case err == nil, errors.As(err, &ce), errors.As(err, &le), errors.Is(err, ErrNotFound), errors.Is(err, ErrFull):
		return err
	case errors.Is(err, berrors.ErrBucketNotFound), errors.Is(err, berrors.ErrIncompatibleValue):
		return &CorruptError{Path: s.path, Err: err}
	}
	return fmt.Errorf("outbox %s: %w", s.path, err)
}

// do runs fn in a transaction on the database, opening it if needed.
func (s *Store) do(writable bool, fn func(*bolt.Tx) error) error {
	db, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
	if writable {
		return s.write(db, fn)
	}
	return s.tx(db, false, fn)
}

// writeLockRecord notes this process as the holder of the file's lock.
func (s *Store) writeLockRecord() error {
	rec := fmt.Sprintf("pid=%d\ncommand=%s\nsince=%s\n", s.pid,
		strings.NewReplacer("\n", " ", "\r", " ").Replace(s.opts.Command), s.opts.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(s.lockPath(), []byte(rec), 0o600); err != nil {
		return fmt.Errorf("outbox %s: write lock record: %w", s.path, err)
	}
	return nil
}

// lockedError reads the holder's lock record.
func (s *Store) lockedError() error {
	e := &LockedError{Path: s.path, Waited: s.opts.Timeout}
	if raw, err := os.ReadFile(s.lockPath()); err == nil {
		e.PID, e.Command, e.Since = parseLockRecord(raw)
	}
	return e
}

// parseLockRecord reads the lines pid=, command= and since= of a lock
// record; anything else, or a malformed value, is ignored.
func parseLockRecord(raw []byte) (pid int, command string, since time.Time) {
	for line := range strings.Lines(string(raw)) {
		k, v, _ := strings.Cut(strings.TrimRight(line, "\r\n"), "=")
		switch k {
		case "pid":
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				pid = n
			}
		case "command":
			command = v
		case "since":
			since, _ = time.Parse(time.RFC3339, v)
		}
	}
	return pid, command, since
}

// isIOError reports whether an error of bolt.Open comes from the system
// (permissions, a missing directory) rather than from the file's content.
func isIOError(err error) bool {
	var pe *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &errno)
}

// alive reports whether a process other than this one exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
