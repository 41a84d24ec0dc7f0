package cli_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// outboxListing is what `outbox list -o json` prints.
type outboxListing struct {
	Outbox   string `json:"outbox"`
	Pending  int    `json:"pending"`
	Dead     int    `json:"dead"`
	Bytes    int64  `json:"bytes"`
	MaxBytes int64  `json:"max_bytes"`
	Records  []struct {
		ID         uint64 `json:"id"`
		State      string `json:"state"`
		InjectID   string `json:"inject_id"`
		Size       int    `json:"size"`
		BaseURL    string `json:"base_url"`
		DeadStatus int    `json:"dead_status"`
		Next       string `json:"next"`
		Attempts   int    `json:"attempts"`
		LastError  string `json:"last_error"`
	} `json:"records"`
	UnfinishedRuns []struct {
		InjectID   string `json:"inject_id"`
		Unfinished int    `json:"unfinished"`
		Runs       []struct {
			ID      string `json:"id"`
			Owner   int    `json:"owner"`
			Started string `json:"started"`
			State   string `json:"state"`
		} `json:"runs"`
	} `json:"unfinished_runs"`
}

// listOutbox runs `outbox list -o json` with env and returns what it
// printed, failing the test unless it exits 0 with a listing.
func listOutbox(t *testing.T, env map[string]string) outboxListing {
	t.Helper()
	r := run(t, registry(), env, "outbox", "list", "-o", "json")
	var got outboxListing
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("list -o json: exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	return got
}

// putRecord stores rec as JSON under key in bucket (made when missing) of
// the outbox file at path, and raises the bucket's sequence to seq when
// it is lower.
func putRecord(t *testing.T, path, bucket string, key []byte, rec any, seq uint64) {
	t.Helper()
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	outboxtest.Update(t, path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		if err := b.SetSequence(max(b.Sequence(), seq)); err != nil {
			return err
		}
		return b.Put(key, raw)
	})
}

// earlierStart records in the outbox at path, as the first version that
// kept starts did (numbered from the starts bucket's own sequence), a start
// of inject id numbered seq whose process has ended.
func earlierStart(t *testing.T, path, id string, seq uint64) {
	t.Helper()
	putRecord(t, path, "starts", []byte(id), map[string]any{"inject_id": id, "runs": []map[string]any{{
		"seq": seq, "owner": os.Getpid(), "owner_start": 1, "at": time.Now()}}}, seq) // this pid, another start: ended
}

// lostSend records in the outbox at path, as a process killed while it
// stored them leaves it, a send to base whose chunks 1-4 were never
// stored; fields, when given, are added to its record.
func lostSend(t *testing.T, path, base string, id uint64, fields ...map[string]any) {
	t.Helper()
	rec := map[string]any{"id": id, "inject_id": "inj-lost", "phase": "execution_complete",
		"total_chunks": 5, "stored": 1, "base_url": base, "created": time.Now(),
		"owner": os.Getpid(), "owner_start": 1} // this pid, another start: a process that has ended
	for _, f := range fields {
		maps.Copy(rec, f)
	}
	putRecord(t, path, "sends", binary.BigEndian.AppendUint64(nil, id), rec, 0)
}

// damageBolt replaces the value of record id in bucket of the outbox box
// with bytes no decoder reads, as a flipped byte on disk would.
func damageBolt(t *testing.T, box, bucket string, id uint64) {
	t.Helper()
	outboxtest.Update(t, box, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucket)).Put(binary.BigEndian.AppendUint64(nil, id), []byte("\x00damaged on disk\xff"))
	})
}

// crampedBytes are the bytes of bodies a cramped outbox holds: the least
// limit run and serve take.
const crampedBytes = 1024

// storeBodies stores each of entries, by a Put of its own (as a run
// keeps its one body), in the outbox file at box, made if need be, and
// returns their records, pending.
func storeBodies(t *testing.T, box string, entries ...outbox.Entry) []outbox.Record {
	t.Helper()
	var recs []outbox.Record
	withStore(t, box, func(s *outbox.Store) (err error) {
		for _, e := range entries {
			got, perr := s.Put(e)
			recs, err = append(recs, got...), errors.Join(err, perr)
		}
		return err
	})
	return recs
}

// withStore opens the outbox file at box, made if need be, for f to
// write in, and closes it; an error of any of them fails the test.
func withStore(t *testing.T, box string, f func(*outbox.Store) error) {
	t.Helper()
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f(s), s.Close()); err != nil {
		t.Fatal(err)
	}
}

// crampOutbox stores in the outbox at box one pending body of
// crampedBytes, for another inject, and returns the --outbox-max-bytes
// that leaves one byte free: room for no result, under a limit run takes
// (one below 1024 is refused). wantOutboxCramped checks that the run
// stored nothing beside it.
func crampOutbox(t *testing.T, box string) (maxBytes string) {
	t.Helper()
	storeBodies(t, box, outbox.Entry{InjectID: "cramp", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: bytes.Repeat([]byte("x"), crampedBytes)})
	return strconv.Itoa(crampedBytes + 1)
}

// wantOutboxCramped checks that env's outbox, cramped by crampOutbox,
// holds its one body and nothing else, after what the test did (when).
func wantOutboxCramped(t *testing.T, env map[string]string, when string) {
	t.Helper()
	l := listOutbox(t, env)
	if l.Pending != 1 || l.Dead != 0 || len(l.Records) != 1 || l.Records[0].InjectID != "cramp" {
		t.Errorf("outbox holds more than its cramp %s: %+v", when, l)
	}
}

// outboxOpeners is every command that opens the outbox, each with the
// arguments it needs to get that far (a backend nothing listens on): the
// commands a test of the outbox's path or lock runs in turn.
func outboxOpeners() [][]string {
	return [][]string{
		{"outbox", "list"},
		{"outbox", "flush", "--backend-url", "http://127.0.0.1:1"},
		{"outbox", "drop", "1"},
		{"outbox", "retry-dead", "1", "--backend-url", "http://127.0.0.1:1"},
		{"outbox", "move", "--from", "http://127.0.0.1:1", "--to", "http://127.0.0.1:2"},
		{"outbox", "compact"},
		{"run", "noop", "--target", "127.0.0.1", "--inject-id", "i1", "--backend-url", "http://127.0.0.1:1"},
	}
}
