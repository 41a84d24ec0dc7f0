package outbox

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// writeForeignBolt writes a bbolt file that is not an outbox.
func writeForeignBolt(path string) error {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("users"))
		if err != nil {
			return err
		}
		return b.Put([]byte("alice"), []byte("1"))
	})
}

// damageRecord replaces old with new in the stored metadata of record id,
// pending or dead, as a flipped byte on disk would.
func damageRecord(t *testing.T, s *Store, id uint64, old, new string) {
	t.Helper()
	err := s.do(true, func(tx *bolt.Tx) error {
		for _, b := range []*bolt.Bucket{tx.Bucket(bucketPending), tx.Bucket(bucketDead)} {
			if v := b.Get(key(id)); v != nil {
				if !bytes.Contains(v, []byte(old)) {
					return fmt.Errorf("record %d has no %q: %s", id, old, v)
				}
				return b.Put(key(id), bytes.Replace(v, []byte(old), []byte(new), 1))
			}
		}
		return fmt.Errorf("no record %d", id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// liveProcess starts a process that lives as long as the test (a sleep),
// to own records as another process sharing the outbox would, and returns
// its pid.
func liveProcess(t *testing.T) int {
	t.Helper()
	p := exec.Command("sleep", "30")
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Process.Kill(); _ = p.Wait() })
	return p.Process.Pid
}

// endedProcess starts a process and waits until it has ended, and
// returns its pid and start time: an owner of records that is gone.
func endedProcess(t *testing.T) (pid int, start uint64) {
	t.Helper()
	p := exec.Command("sleep", "30")
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	pid, start = p.Process.Pid, processStart(p.Process.Pid)
	_ = p.Process.Kill()
	_ = p.Wait()
	return pid, start
}

// completeEntry is the body the tests of attempts store and send: inject
// i-1's "complete", for a backend nothing listens on.
func completeEntry() Entry {
	return Entry{InjectID: "i-1", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"x":1}`)}
}

// putComplete puts completeEntry in s and returns its record.
func putComplete(t *testing.T, s *Store) Record {
	t.Helper()
	recs, err := s.Put(completeEntry())
	if err != nil {
		t.Fatal(err)
	}
	return recs[0]
}

// reopenedRecord opens the outbox at path afresh, as the next process
// would, and returns its record id.
func reopenedRecord(t *testing.T, path string, id uint64) Record {
	t.Helper()
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// interruptedRecord puts a leased record, notes its send cut short by err
// (NoteInterrupted, which must return the last failure) and returns the
// record as stored after.
func interruptedRecord(t *testing.T, err error) Record {
	t.Helper()
	s, _, rec := putLeased(t)
	if last := s.NoteInterrupted(rec, nil, err); last == nil {
		t.Fatalf("NoteInterrupted(%v) = nil, want the last failure", err)
	}
	after, gerr := s.Get(rec.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	return after
}

// lockedWithoutRecord returns the path of an outbox a Store of this
// process holds (as "injectkit serve") until the test ends, its lock
// record removed: locked, by no holder on record.
func lockedWithoutRecord(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outbox.db")
	holder := mustOpen(t, path, Options{Command: "injectkit serve"})
	t.Cleanup(func() { holder.Close() })
	if err := os.Remove(path + ".lock"); err != nil {
		t.Fatal(err)
	}
	return path
}

// retriedDead moves body id to the dead list after attempts, as a platform
// that refused it with status and body would (lastErr the error noted),
// then back to
// the pending list as `outbox retry-dead` does, and returns its record as
// it stood dead.
func retriedDead(t *testing.T, s *Store, id uint64, attempts, status int, body, lastErr string) Record {
	t.Helper()
	if err := s.MoveToDead(id, attempts, status, body, lastErr); err != nil {
		t.Fatal(err)
	}
	was, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetryDead(id); err != nil {
		t.Fatal(err)
	}
	return was
}
