package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// newPrefix begins the name of the file a creation initialises, beside the
// outbox, before it links it to the outbox's path.
func (s *Store) newPrefix() string { return "." + filepath.Base(s.path) + ".new-" }

// create makes the outbox file at s.path, which did not exist, whole or
// not at all: it is initialised under a temporary name in its directory
// and linked to its path once complete, so that a failure (a full disk)
// leaves no empty or half-written file at the path for the next command
// to trip on. A file another process created meanwhile is kept as it is.
// Where the file system has no hard links, the file is created in place,
// as bbolt creates it. A temporary file a killed process left behind is
// removed by the next process to open the outbox (see removeLeftovers);
// one that process removed while this one was about to lock it is made
// again.
func (s *Store) create() error {
	for range 3 {
		if err := s.createOnce(); !errors.Is(err, errTempGone) {
			return err
		}
	}
	return nil // bbolt creates the file in place
}

// errTempGone says the temporary file of a creation was removed before it
// was locked: another process took it for a killed process's leftover.
var errTempGone = errors.New("temporary file removed meanwhile")

func (s *Store) createOnce() error {
	f, err := os.CreateTemp(filepath.Dir(s.path), s.newPrefix()+"*")
	if err != nil {
		return fmt.Errorf("outbox %s: create: %w", s.path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("outbox %s: create: %w", s.path, err)
	}
	// No other process knows the temporary name but one removing
	// leftovers, which locks it for as long as it takes to remove it.
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Nanosecond})
	if errors.Is(err, berrors.ErrTimeout) {
		return errTempGone
	}
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
	// is the outbox. ENOENT: the temporary file was removed before this
	// process locked it. Any other failure (no hard links here): bbolt
	// creates the file in place.
	err = os.Link(tmp, s.path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := os.Lstat(tmp); errors.Is(lerr, fs.ErrNotExist) {
			return errTempGone
		}
	}
	if err != nil {
		return nil
	}
	// The link is made durable before a body is stored under it: each
	// commit fsyncs the file, not the directory entry naming it, and a
	// power cut could lose that name with every body fsync'd into the
	// file since (a compaction syncs its rename likewise). A file system
	// that cannot sync a directory (EINVAL) keeps the link as it can.
	if err := s.syncDir(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("outbox %s: create: sync its directory: %w", s.path, err)
	}
	return nil
}

// syncDir fsyncs the outbox's directory.
func (s *Store) syncDir() error {
	dir := filepath.Dir(s.path)
	err := syncPath(dir)
	if s.hooks.dirSynced != nil {
		s.hooks.dirSynced(dir)
	}
	return err
}

// removeLeftovers removes the files a killed process left beside the
// outbox: the new files of compactions cut short (the caller holds the
// file's lock, so no compaction runs) and the temporary files of
// creations cut short, those no live process holds locked.
func (s *Store) removeLeftovers() {
	if s.opts.ReadOnly {
		return
	}
	dir := filepath.Dir(s.path)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), s.compactPrefix()):
			_ = os.Remove(name)
		case strings.HasPrefix(e.Name(), s.newPrefix()) && e.Type().IsRegular():
			removeUnlocked(name)
		}
	}
}
