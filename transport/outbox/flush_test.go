package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/outbox"
)

// Add sums every count of two flushes, a count added to FlushResult
// included, and keeps the first redirect known with its inject, and the
// first rejection.
func TestFlushResultAdd(t *testing.T) {
	for _, tt := range []struct {
		name, movedTo, otherMovedTo, want string
	}{
		{"neither redirected", "", "", ""},
		{"the first redirected", "https://a/", "", "https://a/"},
		{"the other redirected", "", "https://b/", "https://b/"},
		{"both redirected: the first kept", "https://a/", "https://b/", "https://a/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rejection := func(to string) error {
				if to == "" {
					return nil
				}
				return errors.New("rejected at " + to)
			}
			res := outbox.FlushResult{MovedTo: tt.movedTo, MovedInject: "inj-" + tt.movedTo, Rejection: rejection(tt.movedTo), NoteErr: rejection(tt.movedTo)}
			other := outbox.FlushResult{MovedTo: tt.otherMovedTo, MovedInject: "inj-" + tt.otherMovedTo, Rejection: rejection(tt.otherMovedTo),
				NoteErr: rejection(tt.otherMovedTo)}
			rv, ov := reflect.ValueOf(&res).Elem(), reflect.ValueOf(&other).Elem()
			for i := range rv.NumField() {
				if rv.Field(i).Kind() == reflect.Int {
					rv.Field(i).SetInt(int64(i + 1))
					ov.Field(i).SetInt(int64(100 * (i + 1)))
				}
			}
			res.Add(other)
			for i := range rv.NumField() {
				f := rv.Type().Field(i)
				switch {
				case f.Type.Kind() == reflect.Int && rv.Field(i).Int() != int64(101*(i+1)):
					t.Errorf("%s = %d, want %d", f.Name, rv.Field(i).Int(), 101*(i+1))
				case f.Name == "AskedWait":
					// The longest wait asked of the two.
				case f.Type.Kind() != reflect.Int && f.Name != "MovedTo" && f.Name != "MovedInject" && f.Name != "Rejection" && f.Name != "NoteErr":
					t.Errorf("field %s of FlushResult is not a count: say here how Add combines it", f.Name)
				}
			}
			if res.MovedTo != tt.want || res.MovedInject != "inj-"+tt.want {
				t.Errorf("MovedTo = %q of %q, want %q of %q", res.MovedTo, res.MovedInject, tt.want, "inj-"+tt.want)
			}
			if got := fmt.Sprint(res.Rejection); (tt.want == "" && res.Rejection != nil) || (tt.want != "" && got != "rejected at "+tt.want) {
				t.Errorf("Rejection = %v, want the first's, at %q", res.Rejection, tt.want)
			}
			if got := fmt.Sprint(res.NoteErr); (tt.want == "" && res.NoteErr != nil) || (tt.want != "" && got != "rejected at "+tt.want) {
				t.Errorf("NoteErr = %v, want the first's, at %q", res.NoteErr, tt.want)
			}
		})
	}
}

// A flush claims the bodies it sends a window at a time and removes those
// delivered in the commits that follow, not two transactions (and, the
// outbox shared, two opens of the file) per body: `outbox flush` of 10 000
// small bodies to a loopback sink took minutes. The bodies of a window it
// did not send (their backend down) are given back as they were: not
// owned, their attempts and last error unchanged.
func TestFlushClaimsAndRemovesInFewTransactions(t *testing.T) {
	const n = 2000
	for _, down := range []bool{false, true} {
		// Stored by a run (a Store of its own) that ended.
		run := openStore(t, outbox.Options{})
		need, seq := smallBodies(n)
		if _, err := run.PutAll(n, need, seq); err != nil {
			t.Fatal(err)
		}
		if err := run.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := outbox.Open(run.Path(), outbox.Options{Shared: true})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		leases := map[uint64]time.Time{}
		for _, r := range stored {
			leases[r.ID] = r.LeaseUntil
		}
		var opens atomic.Int64
		s.SetOpenedHook(func() { opens.Add(1) })
		before := s.Commits()
		var p outbox.Poster = noPoster{}
		if down {
			p = downPoster{}
		}
		rs := &outbox.Resender{Store: s, Client: func(string) (outbox.Poster, error) { return p, nil }}
		res, err := rs.Flush(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil { // commits the last removals
			t.Fatal(err)
		}
		commits, opened := s.Commits()-before, opens.Load()
		if commits > n/10 || opened > n/10 {
			t.Errorf("down %v: flushing %d bodies took %d transactions and %d opens of the file, want at most %d each",
				down, n, commits, opened, n/10)
		}
		s, err = outbox.Open(s.Path(), outbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := s.List()
		_ = s.Close()
		switch {
		case err != nil:
			t.Fatal(err)
		case !down && (res.Delivered != n || len(recs) != 0):
			t.Errorf("%d delivered, %d left; want %d delivered, none left", res.Delivered, len(recs), n)
		case down && (res.Failed != n || len(recs) != n):
			t.Errorf("backend down: %d failed, %d left; want %d of each", res.Failed, len(recs), n)
		}
		for _, r := range recs {
			tried := r.ChunkIndex == 0
			if leased := r.Owner != 0 && !r.LeaseUntil.Equal(leases[r.ID]); leased || (r.Attempts > 0) != tried || (r.LastError != "") != tried {
				t.Fatalf("backend down: chunk %d leased by the flush %v, %d attempts, last error %q; want only chunk 0 tried, none leased",
					r.ChunkIndex, leased, r.Attempts, r.LastError)
			}
		}
	}
}

// BenchmarkResenderFlush is `outbox flush` of many 600-byte bodies to a
// backend that takes them all, the outbox shared (transactions-per-flush:
// the store's commits; opens-per-flush: the file opened).
//
//	go test -run '^$' -bench ResenderFlush -benchtime 1x ./transport/outbox/
func BenchmarkResenderFlush(b *testing.B) {
	const n = 10_000
	var commits, opens atomic.Int64
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "outbox.db")
		run, err := outbox.Open(path, outbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		need, seq := smallBodies(n)
		if _, err := run.PutAll(n, need, seq); err != nil {
			b.Fatal(err)
		}
		if err := run.Close(); err != nil {
			b.Fatal(err)
		}
		s, err := outbox.Open(path, outbox.Options{Shared: true})
		if err != nil {
			b.Fatal(err)
		}
		s.SetOpenedHook(func() { opens.Add(1) })
		b.StartTimer()
		rs := &outbox.Resender{Store: s, Client: func(string) (outbox.Poster, error) { return noPoster{}, nil }}
		if res, err := rs.Flush(context.Background()); err != nil || res.Delivered != n {
			b.Fatalf("%+v, %v", res, err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		commits.Add(s.Commits())
	}
	b.ReportMetric(float64(commits.Load())/float64(b.N), "transactions-per-flush")
	b.ReportMetric(float64(opens.Load())/float64(b.N), "opens-per-flush")
}
