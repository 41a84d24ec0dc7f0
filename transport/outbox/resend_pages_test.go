package outbox

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// A pass's pages hold the records of both states merged by id, each once,
// whatever the page's size: the order a send's chunks were stored in.
func TestPassPageMergesStates(t *testing.T) {
	tests := []struct {
		name string
		page int
		dead []int // the indexes of the records moved to the dead list
	}{
		{"one page", 0, []int{1, 4, 5}},
		{"a page to a record", 1, []int{1, 4, 5}},
		{"pages of two", 2, []int{0, 2, 3}},
		{"pages of three, all dead", 3, []int{0, 1, 2, 3, 4, 5, 6}},
		{"pages of four, none dead", 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			recs, err := s.Put(chunks(7)...)
			if err != nil {
				t.Fatal(err)
			}
			want := map[uint64]State{}
			for i, r := range recs {
				want[r.ID] = Pending
				if slices.Contains(tt.dead, i) {
					if err := s.moveToDead(r.ID, 1, 422, "no", "status 422", ReasonRejected); err != nil {
						t.Fatal(err)
					}
					want[r.ID] = Dead
				}
			}
			s.hooks.page = tt.page
			var cur pageCursor
			var got []uint64
			pages := 0
			for !cur.done {
				page, err := s.passPage(&cur, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tt.page > 0 && len(page) > tt.page {
					t.Errorf("a page of %d records, want %d at most", len(page), tt.page)
				}
				for _, r := range page {
					if r.State != want[r.ID] {
						t.Errorf("%d read %s, want %s", r.ID, r.State, want[r.ID])
					}
					got = append(got, r.ID)
				}
				pages++
			}
			if len(got) != len(recs) || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("read %v in %d pages, want the %d ids once each, in order", got, pages, len(recs))
			}
		})
	}
}

// A flush's memory is a page of records, not the store: it read every
// record before its first send, some 2.4 KB each (2.4 GB for a million
// bodies), and held them to its end. The live heap, sampled during the
// sends, is above the one after the flush by less than the records would
// take held whole.
func TestFlushHoldsAPageNotTheStore(t *testing.T) {
	const n, page, sample = 3000, 100, 250
	s := openTemp(t, Options{})
	inject := strings.Repeat("i", 1000) // each record holds it thrice: id, URL, key
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = entry(inject, i, n, fmt.Sprintf(`{"n":%d}`, i))
	}
	s = left(t, s, entries)
	entries = nil // not held during the flush
	s.hooks.page = page
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC() // a sync.Pool's victims (the put's buffers) go at the second
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	peak, posts := uint64(0), 0
	rs := &Resender{Store: s, Client: func(string) (Poster, error) {
		return posterFunc(func(context.Context, string, int, []byte) error {
			if posts++; posts%sample == 0 {
				peak = max(peak, heap())
			}
			return nil
		}), nil
	}}
	res, err := rs.Flush(context.Background())
	if err != nil || res.Delivered != n {
		t.Fatalf("flush: %+v, %v; want %d delivered", res, err, n)
	}
	// What the pass held, beyond what stays once it returned.
	held := n * 3 * len(inject) // what the records' strings alone take, held whole
	if grown := int(peak) - int(heap()); grown > held/4 {
		t.Errorf("the live heap grew by %d bytes during the flush, want under %d (the records held whole take over %d)", grown, held/4, held)
	}
}

// A flush interrupted counts Failed every body it did not try, those of
// the pages it had not read yet included.
func TestFlushInterruptedCountsThePagesNotRead(t *testing.T) {
	for _, page := range []int{0, 1, 2, 3} {
		t.Run(fmt.Sprintf("page=%d", page), func(t *testing.T) {
			s := left(t, openTemp(t, Options{}), chunks(7))
			s.hooks.page = page
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			posts := 0
			rs := &Resender{Store: s, Client: func(string) (Poster, error) {
				return posterFunc(func(context.Context, string, int, []byte) error {
					if posts++; posts == 2 {
						cancel() // the interrupt, once this body is delivered
					}
					return nil
				}), nil
			}}
			res, err := rs.Flush(ctx)
			if !errors.Is(err, context.Canceled) || res != (FlushResult{Delivered: 2, Failed: 5}) {
				t.Errorf("flush: %+v, %v; want 2 delivered, 5 failed, interrupted", res, err)
			}
		})
	}
}

// left stores entries in s, and returns s opened again: the bodies
// pending, as a run that could not send them leaves them.
func left(t *testing.T, s *Store, entries []Entry) *Store {
	t.Helper()
	if _, err := s.Put(entries...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, s.Path(), Options{})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// An interrupted pass counts the bodies it left in one transaction, not a
// page each: a Store opened Shared (the CLI's) opens the file again for
// each, some 2.5 s for an outbox of a million bodies, and a flush
// interrupted at its start took 11 minutes to say what it left.
func TestFlushInterruptedCountsInOneRead(t *testing.T) {
	const n, page = 40, 2
	s := openTemp(t, Options{})
	if _, err := s.Put(chunks(n)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, s.Path(), Options{Shared: true})
	t.Cleanup(func() { _ = s.Close() })
	s.hooks.page = page
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opens := 0
	rs := &Resender{Store: s, Client: func(string) (Poster, error) {
		return posterFunc(func(context.Context, string, int, []byte) error {
			cancel() // the interrupt, once the first body is delivered
			opens = 0
			s.hooks.opened = func() { opens++ }
			return nil
		}), nil
	}}
	res, err := rs.Flush(ctx)
	if !errors.Is(err, context.Canceled) || res != (FlushResult{Delivered: 1, Failed: n - 1}) {
		t.Fatalf("flush: %+v, %v; want 1 delivered, %d failed, interrupted", res, err, n-1)
	}
	// The delivery's removal, the count, the window given back.
	if opens > 3 {
		t.Errorf("the file opened %d times after the interrupt, want 3 at most (%d pages left)", opens, n/page)
	}
}
