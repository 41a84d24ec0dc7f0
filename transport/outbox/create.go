package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// create makes the outbox file at s.path, which did not exist, whole or
// not at all: it is initialised under a temporary name in its directory
// and linked to its path once complete, so that a failure (a full disk)
// leaves no empty or half-written file at the path for the next command
// to trip on. A file another process created meanwhile is kept as it is.
// Where the file system has no hard links, the file is created in place,
// as bbolt creates it.
func (s *Store) create() error {
	f, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".new-*")
	if err != nil {
		return fmt.Errorf("outbox %s: create: %w", s.path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("outbox %s: create: %w", s.path, err)
	}
	// No other process knows the temporary name: its lock is free.
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Nanosecond})
	if err != nil {
		return fmt.Errorf("outbox %s: create: %w", s.path, err)
	}
	err = s.init(db)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("outbox %s: create: %w", s.path, cerr)
	}
	if err != nil {
		return err
	}
	// EEXIST: another process created the file meanwhile, and its file
	// is the outbox. Any other failure (no hard links here): bbolt
	// creates the file in place.
	_ = os.Link(tmp, s.path)
	return nil
}
