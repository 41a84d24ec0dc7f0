package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// chunks returns n entries of one send, about 60 bytes each.
func chunks(n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = entry("inj-big", i, n, fmt.Sprintf(`{"chunk_index":%d,"pad":"%s"}`, i, strings.Repeat("x", 32)))
	}
	return out
}

// deadOwner makes the record of send id that of a process that ended.
func deadOwner(t *testing.T, s *Store, id uint64) {
	t.Helper()
	pid, start := endedProcess(t)
	err := s.do(true, func(tx *bolt.Tx) error {
		in, ok, err := s.findSend(tx, id)
		if !ok || err != nil {
			return fmt.Errorf("no send record %d: %v", id, err)
		}
		in.Owner, in.OwnerStart = pid, start
		raw, _ := json.Marshal(in)
		return tx.Bucket(bucketSends).Put(key(id), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A put of several transactions keeps a record of its send from its
// first commit to its last, in those commits: a process killed in
// between leaves it, and the send is known to have lost its last bodies.
func TestIncompleteSend(t *testing.T) {
	const n, txBytes = 9, 130 // 2 or 3 bodies a transaction
	tests := []struct {
		name     string
		failFrom int64 // the first commit that fails (0: none)
		failTo   int64 // the last one (0: all from failFrom)
		left     bool  // the record of the send stays
	}{
		{"stored", 0, 0, false},
		{"failed, removed again", 2, 2, false},
		{"failed, not removed (killed)", 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			var commits atomic.Int64
			s.hooks.fail = func() error {
				c := commits.Add(1)
				if tt.failFrom > 0 && c >= tt.failFrom && (tt.failTo == 0 || c <= tt.failTo) {
					return errors.New("no space left on device")
				}
				return nil
			}
			var seen []Incomplete
			stored := 0
			_, err := s.put(n, 0, slices.Values(chunks(n)), txBytes, func(recs []Record) {
				stored += len(recs)
				in, err := s.Incomplete()
				if err != nil || len(in) != map[bool]int{true: 1}[stored < n] {
					t.Errorf("after %d bodies stored: %+v %v", stored, in, err)
				}
				for _, in := range in {
					if in.Stored != stored {
						t.Errorf("after %d bodies stored, the record says %d", stored, in.Stored)
					}
					seen = append(seen, in)
				}
			}, &bufPool{}, false)
			if (err != nil) != (tt.failFrom > 0) {
				t.Fatalf("put: %v", err)
			}
			if len(seen) == 0 || seen[0].TotalChunks != n ||
				seen[0].InjectID != "inj-big" || seen[0].BaseURL != "https://127.0.0.1:8443/prefix" || !s.Storing(seen[0]) ||
				seen[0].URL != "https://127.0.0.1:8443/prefix/api/injects/inj-big/callback" {
				t.Fatalf("send record while storing: %+v", seen)
			}
			in, err := s.Incomplete()
			if err != nil || len(in) != map[bool]int{true: 1}[tt.left] {
				t.Fatalf("after the put: %+v %v", in, err)
			}
			if !tt.left {
				return
			}
			s.hooks.fail = nil
			if _, err := s.DropSend(in[0].ID); !errors.Is(err, ErrBusy) {
				t.Errorf("dropped the send record of a live process: %v", err)
			} else if n := strings.Count(err.Error(), s.Path()); n != 1 {
				t.Errorf("the refusal names the outbox %d times, want once: %v", n, err)
			}
			deadOwner(t, s, in[0].ID)
			if in, _ = s.Incomplete(); s.Storing(in[0]) || in[0].Stored != stored {
				t.Errorf("killed: %+v", in[0])
			}
			if _, err := s.DropSend(in[0].ID); err != nil {
				t.Fatal(err)
			}
			if in, _ := s.Incomplete(); len(in) != 0 {
				t.Errorf("dropped, still there: %+v", in)
			}
			if _, err := s.DropSend(in[0].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("dropped twice: %v", err)
			}
		})
	}
}
