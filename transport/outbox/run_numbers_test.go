package outbox

import (
	"encoding/json"
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

// TestEncodeStarts checks that a starts record is stored as json.Marshal
// writes it, whatever its inject id, zone and runs.
func TestEncodeStarts(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 30, 0, 123456789, time.UTC)
	run := func(seq uint64, start uint64, at time.Time) startRun {
		return startRun{Seq: seq, Owner: 4242, OwnerStart: start, At: at}
	}
	tests := []struct {
		name string
		rec  startsRecord
	}{
		{"one run", startsRecord{InjectID: "0b2f6c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", Runs: []startRun{run(7, 9876543210, at)}}},
		{"several runs", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at), run(18446744073709551615, 2, at.Add(time.Hour))}}},
		{"no owner start", startsRecord{InjectID: "i-1", Runs: []startRun{run(3, 0, at)}}},
		{"no runs", startsRecord{InjectID: "i-1"}},
		{"negative owner", startsRecord{InjectID: "i-1", Runs: []startRun{{Seq: 1, Owner: -1, At: at}}}},
		{"whole second", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at.Truncate(time.Second))}}},
		{"monotonic clock", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, time.Now())}}},
		{"local zone", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at.In(time.FixedZone("X", -(3*3600+30*60))))}}},
		{"zone of seconds", startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, at.In(time.FixedZone("LMT", 561)))}}},
		{"id with a quote", startsRecord{InjectID: `a"b\c`, Runs: []startRun{run(1, 1, at)}}},
		{"id for HTML", startsRecord{InjectID: "<a&b>", Runs: []startRun{run(1, 1, at)}}},
		{"id with a control", startsRecord{InjectID: "a\tb\x7f", Runs: []startRun{run(1, 1, at)}}},
		{"id not ASCII", startsRecord{InjectID: "é\u2028\xff", Runs: []startRun{run(1, 1, at)}}},
		{"empty id", startsRecord{Runs: []startRun{run(1, 1, at)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeStarts(tt.rec)
			if err != nil || string(got) != string(want) {
				t.Errorf("encodeStarts = %s, %v; want %s", got, err, want)
			}
		})
	}
	for _, year := range []int{-1, 10000} {
		rec := startsRecord{InjectID: "i-1", Runs: []startRun{run(1, 1, time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC))}}
		if _, err := encodeStarts(rec); err == nil {
			t.Errorf("year %d: encodeStarts = nil error, want json.Marshal's", year)
		}
	}
}
