package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// The base URLs TestMove and TestMoveIncompleteSends move bodies from
// and to, and another backend's, left alone.
const (
	oldBase   = "http://127.0.0.1:8080/prefix"
	movedBase = "https://127.0.0.1:8443/prefix"
	otherBase = "http://127.0.0.1:9090"
)

// Move gives every record of the backend that moved, pending and dead,
// the new base URL, each keeping its path, profile, key and history; the
// records of other backends, and one a live process is posting, are left
// as they were (the latter counted Busy). A pending body moved is due
// now, its attempts kept: it was backing off against the old URL, and
// waited that backoff (an hour here) before the new URL was tried.
func TestMove(t *testing.T) {
	live := liveProcess(t)
	tests := []struct {
		name   string
		owner  int           // of the first pending body: 0 none
		lease  time.Duration // from now
		shared bool
		want   MoveResult
	}{
		// b, the openaev one, is Profiled.
		{"nobody sending", 0, 0, false, MoveResult{Pending: 2, Dead: 1, Profiled: 1}},
		{"nobody sending, shared", 0, 0, true, MoveResult{Pending: 2, Dead: 1, Profiled: 1}},
		{"a live process sending one", live, time.Minute, false, MoveResult{Pending: 1, Dead: 1, Busy: 1, Profiled: 1}},
		{"a live process whose lease ended", live, -time.Second, false, MoveResult{Pending: 2, Dead: 1, Profiled: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			s := openTemp(t, Options{Shared: tt.shared, Now: func() time.Time { return now }})
			recs := putTried(t, s, now,
				Entry{InjectID: "a", Phase: "p", TotalChunks: 1, BaseURL: "http://user:pw@127.0.0.1:8080/prefix", Body: []byte(`{"a":1}`)},
				Entry{InjectID: "b", Phase: "complete", TotalChunks: 1, BaseURL: oldBase, Body: []byte(`{"b":1}`),
					Profile: "openaev", Path: "/api/injects/execution/callback/b", InjectorID: "inj-1"},
				Entry{InjectID: "c", Phase: "p", TotalChunks: 1, BaseURL: oldBase, Body: []byte(`{"c":1}`)},
				Entry{InjectID: "d", Phase: "p", TotalChunks: 1, BaseURL: otherBase, Body: []byte(`{"d":1}`)},
			)
			if err := s.moveToDead(recs[2].ID, 1, 422, "no", "status 422", ReasonRejected); err != nil {
				t.Fatal(err)
			}
			takeOver(t, s, recs[0].ID, tt.owner, now.Add(tt.lease))
			var before []Record
			for _, r := range recs {
				got, err := s.Get(r.ID)
				if err != nil {
					t.Fatal(err)
				}
				before = append(before, got)
			}
			res, err := s.Move(context.Background(), func(base string) bool { return strings.TrimRight(base, "/") == oldBase }, "https://u:secret@127.0.0.1:8443/prefix/")
			if err != nil || res != tt.want {
				t.Fatalf("Move = %+v, %v; want %+v", res, err, tt.want)
			}
			for i, b := range before {
				a, err := s.Get(b.ID)
				if err != nil {
					t.Fatal(err)
				}
				wantBase, wantURL, wantNext := b.BaseURL, b.URL, b.NextAttempt
				if b.BaseURL == oldBase && !(i == 0 && tt.want.Busy > 0) {
					wantBase, wantURL = movedBase, movedBase+strings.TrimPrefix(b.URL, oldBase)
					if b.State == Pending {
						wantNext = now
					}
				}
				if a.BaseURL != wantBase || a.URL != wantURL {
					t.Errorf("%s: base %q, URL %q; want %q, %q", b.InjectID, a.BaseURL, a.URL, wantBase, wantURL)
				}
				if !a.NextAttempt.Equal(wantNext) {
					t.Errorf("%s: next attempt %s, want %s (was %s)", b.InjectID, a.NextAttempt, wantNext, b.NextAttempt)
				}
				// Only where it goes and when changed: not what, nor its
				// history.
				a.BaseURL, a.URL, a.NextAttempt = b.BaseURL, b.URL, b.NextAttempt
				if a.State != b.State || a.Profile != b.Profile || a.InjectorID != b.InjectorID || a.IdempotencyKey != b.IdempotencyKey ||
					a.Attempts != b.Attempts || a.LastError != b.LastError ||
					a.Owner != b.Owner || a.DeadStatus != b.DeadStatus || string(a.Body) != string(b.Body) {
					t.Errorf("%s changed beyond its URL:\n before %+v\n after  %+v", b.InjectID, b, a)
				}
				if strings.Contains(a.BaseURL+a.URL, "secret") {
					t.Errorf("%s: credentials stored: %q", b.InjectID, a.URL)
				}
			}
			if got := before[1].URL; got != oldBase+"/api/injects/execution/callback/b" {
				t.Fatalf("the openaev record's URL before the move is %q", got)
			}
		})
	}
}

// A flush whose backend answers 301 or 308 (moved for good) counts the
// bodies so answered and says where the first was redirected: where to
// Move the bodies once the base URL is fixed. Another 3xx is no move.
func TestFlushCountsMoved(t *testing.T) {
	const to = "https://127.0.0.1:1/api/injects/inj/callback"
	tests := []struct {
		status int
		moved  int
		to     string
	}{
		{http.StatusMovedPermanently, 1, to},
		{http.StatusPermanentRedirect, 1, to},
		{http.StatusFound, 0, ""},
		{http.StatusTemporaryRedirect, 0, ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			be := newSink(t, tt.status)
			be.SetReply(transporttest.Reply{Status: tt.status, Header: http.Header{"Location": {to}}})
			s := openTemp(t, Options{})
			recs, err := s.Put(Entry{InjectID: "inj", Phase: "p", TotalChunks: 1, BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkFailed(recs[0].ID, 1, "down", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
			if err != nil || res.Failed != 1 || res.Moved != tt.moved || res.MovedTo != tt.to {
				t.Errorf("Flush = %+v, %v; want 1 failed, %d moved to %q", res, err, tt.moved, tt.to)
			}
			if tt.moved > 0 && res.MovedInject != "inj" {
				t.Errorf("MovedInject = %q, want the redirected body's inj", res.MovedInject)
			}
		})
	}
}

// putTried puts entries in s and marks each as a run leaves a body it
// tried and did not deliver (a 301, the next attempt an hour after now).
func putTried(t *testing.T, s *Store, now time.Time, entries ...Entry) []Record {
	t.Helper()
	recs, err := s.Put(entries...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := s.MarkFailed(r.ID, 4, "status 301: redirected", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

// storeSend stores in as the record of an incomplete send, its id the
// next of the outbox, and returns it.
func storeSend(t *testing.T, s *Store, in Incomplete) Incomplete {
	t.Helper()
	err := s.do(true, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSends)
		if err != nil {
			return err
		}
		if in.ID, err = tx.Bucket(bucketMeta).NextSequence(); err != nil {
			return err
		}
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		return b.Put(key(in.ID), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// The records of the backend's incomplete sends (whose process ended)
// move with its bodies, each keeping its path: a flush to the new base URL
// still reports the chunks they lost. Another backend's stay; an earlier
// version's record, which has no URL, gets the base URL alone.
func TestMoveIncompleteSends(t *testing.T) {
	tests := []struct {
		name             string
		base, url        string
		wantBase, wantTo string
		sends            int
	}{
		{"the backend's", oldBase, oldBase + "/api/injects/a/callback", movedBase, movedBase + "/api/injects/a/callback", 1},
		{"an earlier version's, no URL", oldBase, "", movedBase, "", 1},
		{"another backend's", otherBase, otherBase + "/api/injects/a/callback", otherBase, otherBase + "/api/injects/a/callback", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			in := storeSend(t, s, Incomplete{InjectID: "a", Phase: "p", TotalChunks: 3, Stored: 1, BaseURL: tt.base, URL: tt.url})
			deadOwner(t, s, in.ID)
			res, err := s.Move(context.Background(), func(base string) bool { return base == oldBase }, movedBase)
			if err != nil || res.Sends != tt.sends {
				t.Fatalf("Move = %+v, %v; want %d sends movedBase", res, err, tt.sends)
			}
			got, err := s.Incomplete()
			if err != nil || len(got) != 1 {
				t.Fatalf("Incomplete = %+v, %v", got, err)
			}
			if got[0].BaseURL != tt.wantBase || got[0].URL != tt.wantTo || got[0].Stored != 1 || got[0].TotalChunks != 3 || got[0].Owner != 0 && s.Storing(got[0]) {
				t.Errorf("after the move: %+v; want base %q, URL %q, the rest kept", got[0], tt.wantBase, tt.wantTo)
			}
		})
	}
}

// A send a live process is still storing, or whose first chunk another
// delivery is sending (in order), is left whole: its chunks stored and
// those to come keep one URL. A send whose process ended moves whole.
func TestMoveLeavesASendInProgress(t *testing.T) {
	live := liveProcess(t)
	const (
		old   = "http://127.0.0.1:8080"
		moved = "https://127.0.0.1:8443"
	)
	tests := []struct {
		name       string
		storing    bool // a live process stores the send
		sending0   bool // a live process holds chunk 0's lease
		want       MoveResult
		wantMoved  bool
		wantRecord string // the send record's base URL after
	}{
		{"still being stored", true, false, MoveResult{Pending: 1, Busy: 2, Storing: 1}, false, old},
		{"chunk 0 being sent", false, true, MoveResult{Pending: 1, Busy: 2}, false, old},
		{"its process ended", false, false, MoveResult{Pending: 3, Sends: 1}, true, moved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Now()
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			recs := putTried(t, s, now,
				Entry{InjectID: "big", Phase: "p", ChunkIndex: 0, TotalChunks: 3, BaseURL: old, Body: []byte(`{"c":0}`)},
				Entry{InjectID: "big", Phase: "p", ChunkIndex: 1, TotalChunks: 3, BaseURL: old, Body: []byte(`{"c":1}`)},
				Entry{InjectID: "one", Phase: "p", TotalChunks: 1, BaseURL: old, Body: []byte(`{"one":1}`)},
			)
			in := storeSend(t, s, Incomplete{InjectID: "big", Phase: "p", TotalChunks: 3, Stored: 2, BaseURL: old, URL: recs[0].URL})
			if tt.storing {
				in.Owner, in.OwnerStart = live, processStart(live)
				raw, _ := json.Marshal(in)
				if err := s.do(true, func(tx *bolt.Tx) error { return tx.Bucket(bucketSends).Put(key(in.ID), raw) }); err != nil {
					t.Fatal(err)
				}
			} else {
				deadOwner(t, s, in.ID)
			}
			if tt.sending0 {
				takeOver(t, s, recs[0].ID, live, now.Add(time.Minute))
			}
			res, err := s.Move(context.Background(), func(base string) bool { return base == old }, moved)
			if err != nil || res != tt.want {
				t.Fatalf("Move = %+v, %v; want %+v", res, err, tt.want)
			}
			for _, r := range recs[:2] {
				got, err := s.Get(r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if (got.BaseURL == moved) != tt.wantMoved {
					t.Errorf("chunk %d: base %q; moved: want %t", got.ChunkIndex, got.BaseURL, tt.wantMoved)
				}
			}
			sends, err := s.Incomplete()
			if err != nil || len(sends) != 1 || sends[0].BaseURL != tt.wantRecord {
				t.Errorf("send records %+v, %v; want base %q", sends, err, tt.wantRecord)
			}
		})
	}
}

// A move whose context ends (the first interrupt) before it commits moves
// nothing: each record keeps its base URL, and the error wraps the
// context's.
func TestMoveContextEnded(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{"a few bodies", 3},
		{"more than a look's worth", walkCheck + 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t, filepath.Join(t.TempDir(), "outbox.db"), Options{})
			defer s.Close()
			for i := range tt.n {
				if _, err := s.Put(Entry{InjectID: fmt.Sprint("i", i), Phase: "p", TotalChunks: 1, BaseURL: "http://127.0.0.1:1", Body: []byte(`{}`)}); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			res, err := s.Move(ctx, func(string) bool { return true }, "http://127.0.0.1:2")
			if !errors.Is(err, context.Canceled) || res.Moved() != 0 {
				t.Fatalf("Move = %+v, %v; want nothing moved and the context's error", res, err)
			}
			recs, err := s.List()
			if err != nil || len(recs) != tt.n {
				t.Fatalf("listed %d, %v; want %d", len(recs), err, tt.n)
			}
			for _, r := range recs {
				if r.BaseURL != "http://127.0.0.1:1" {
					t.Errorf("record %d moved to %s", r.ID, r.BaseURL)
				}
			}
		})
	}
}
