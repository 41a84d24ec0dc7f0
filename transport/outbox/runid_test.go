package outbox

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestRunsNumberedAlikeByEarlierVersions checks that a run number two
// starts share (the first version that kept starts numbered them from the
// starts bucket, the next from the outbox's sequence) is refused by
// DropStart, neither start dropped, and that a new start is numbered above
// every start and both sequences, which it raises: no version still running
// numbers its next start like it. Each start is at most the sequence it
// was numbered from, as those versions left them.
func TestRunsNumberedAlikeByEarlierVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ended := func(seq uint64) startRun { // this pid, another start: a process that has ended
		return startRun{Seq: seq, Owner: os.Getpid(), OwnerStart: 1, At: time.Now()}
	}
	err = s.do(true, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStarts)
		if err != nil {
			return err
		}
		if err := b.SetSequence(3); err != nil { // the first version's count
			return err
		}
		// A body stored (1), then the next version's starts, numbered
		// from the outbox's sequence: mid's 2 (a number the first version
		// gave old too), then, bodies and sends numbered meanwhile, old's 7.
		if err := tx.Bucket(bucketMeta).SetSequence(7); err != nil {
			return err
		}
		if err := writeStarts(b, startsRecord{InjectID: "old", Runs: []startRun{ended(2), ended(7)}}); err != nil {
			return err
		}
		return writeStarts(b, startsRecord{InjectID: "mid", Runs: []startRun{ended(2)}})
	})
	if err != nil {
		t.Fatal(err)
	}

	_, err = s.DropStart(2)
	var ae *AmbiguousError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAmbiguous) || ae.ID != "run-2" || len(ae.Names) != 2 {
		t.Fatalf("DropStart(2) of two starts: %v, want an *AmbiguousError naming run-2 and both injects", err)
	}
	if runs, _ := s.Starts(); len(runs) != 3 {
		t.Errorf("after the refusal: %d starts, want the 3 kept", len(runs))
	}

	run, _, err := s.StartRun("new", 0)
	if err != nil || run == nil {
		t.Fatalf("StartRun: %v", err)
	}
	defer run.End()
	if run.seq != 8 {
		t.Errorf("new start numbered %d, want 8: above every start (7) and both sequences", run.seq)
	}
	err = s.do(false, func(tx *bolt.Tx) error {
		if b, m := tx.Bucket(bucketStarts).Sequence(), tx.Bucket(bucketMeta).Sequence(); b != 8 || m != 8 {
			t.Errorf("sequences: starts %d, outbox %d; want both 8", b, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.DropStart(7); err != nil || got.InjectID != "old" {
		t.Errorf("DropStart(7), named once: %+v, %v; want old's start dropped", got, err)
	}
}

// TestParseRunID checks the ids of starts read back: leading zeros are
// read as in a body's number ("07" is 7), so "run-07" is run-7.
func TestParseRunID(t *testing.T) {
	for _, tc := range []struct {
		id  string
		seq uint64
		ok  bool
	}{
		{"run-57", 57, true},
		{"run-057", 57, true},
		{"run-0", 0, false},
		{"run-", 0, false},
		{"run-x", 0, false},
		{"run--1", 0, false},
		{"run-+1", 0, false},
		{"57", 0, false},
		{"RUN-57", 0, false},
	} {
		if seq, ok := ParseRunID(tc.id); seq != tc.seq && tc.ok || ok != tc.ok {
			t.Errorf("ParseRunID(%q) = %d, %v; want %d, %v", tc.id, seq, ok, tc.seq, tc.ok)
		}
	}
}

// TestStartRunReadsNoOtherStart checks that numbering a start reads the
// two sequences alone, not every start recorded (which bound every
// number issued: see nextRunSeq): a start among 2 000 others' costs no
// allocation per start recorded.
func TestStartRunReadsNoOtherStart(t *testing.T) {
	const others = 2000
	s := openTemp(t, Options{})
	err := s.do(true, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStarts)
		if err != nil {
			return err
		}
		for i := range others {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			r := startsRecord{InjectID: "other-" + strconv.Itoa(i), Runs: []startRun{{Seq: seq, Owner: os.Getpid(), OwnerStart: 1, At: time.Now()}}}
			if err := writeStarts(b, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	allocs := testing.AllocsPerRun(5, func() {
		i++
		run, _, err := s.StartRun("new-"+strconv.Itoa(i), 0)
		if err != nil || run == nil {
			t.Fatalf("StartRun: %v", err)
		}
		if run.seq != others+uint64(i) {
			t.Fatalf("start numbered %d, want %d", run.seq, others+i)
		}
	})
	if allocs >= others {
		t.Errorf("a start among %d others allocated %.0f times: it reads them", others, allocs)
	}
}
