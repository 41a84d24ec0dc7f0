package outbox

import (
	"bytes"
	"cmp"

	bolt "go.etcd.io/bbolt"
)

// A pass reads the records a page at a time (passPage), not the whole
// store at once: a flush of a million bodies listed them all before its
// first send, some 2.4 KB a record in memory (2.4 GB) for as long as it
// ran. A page holds the records of both states, pending and dead, merged
// in the order of their ids, the order a send's chunks were stored in
// (see chunkOrder): a later chunk's first is read before it, whatever its
// state.

// passPageSize is how many records a page of a pass holds: a few MB.
const passPageSize = walkPage

// pageCursor is where a pass's reading of the store stands.
type pageCursor struct {
	after []byte // the key of the last record read; nil before the first page
	done  bool   // the last page was read
}

// passPage reads, in one transaction, up to passPageSize records (a test's
// SetWalkPage: that many) after
// cur (from the first when none was read), pending and dead merged by id,
// without their bodies, as List reads them; buf's array is reused. A
// record stored meanwhile with a higher id is read by a later page, one
// moved to the dead list or settled is read in its new state or not at
// all, and one whose removal is in flight (see deleteLater) is left out.
func (s *Store) passPage(cur *pageCursor, buf []Record) ([]Record, error) {
	if cur.done {
		return buf[:0], nil
	}
	gone := s.deferredNow()
	page, last, more := buf[:0], cur.after, false
	err := s.do(false, func(tx *bolt.Tx) error {
		page, last, more = page[:0], cur.after, false // a transaction may be run again
		type side struct {
			c    *bolt.Cursor
			st   State
			k, v []byte
		}
		sides := [2]*side{{st: Pending}, {st: Dead}}
		for _, sd := range sides {
			sd.c = bucketOf(tx, sd.st).Cursor()
			if cur.after == nil {
				sd.k, sd.v = sd.c.First()
			} else if sd.k, sd.v = sd.c.Seek(cur.after); bytes.Equal(sd.k, cur.after) {
				sd.k, sd.v = sd.c.Next()
			}
		}
		for read, size := 0, cmp.Or(s.hooks.page, passPageSize); read < size; read++ {
			next := sides[0]
			if next.k == nil || (sides[1].k != nil && bytes.Compare(sides[1].k, next.k) < 0) {
				next = sides[1]
			}
			if next.k == nil {
				break
			}
			r := readRecord(tx, next.k, next.v, next.st)
			if misjudged(tx, r) {
				r.DeadReason = "" // as List
			}
			last = next.k // valid in this transaction alone: cloned below
			if _, removed := gone[r.ID]; !removed {
				page = append(page, r)
			}
			next.k, next.v = next.c.Next()
		}
		more = sides[0].k != nil || sides[1].k != nil
		last = bytes.Clone(last)
		return nil
	})
	if err != nil {
		return nil, err
	}
	cur.after, cur.done = last, !more
	return page, nil
}

// countAfter counts the records after cur that pick picks, pending and
// dead, in one transaction, holding none of them: what an interrupted
// pass has left to count. A page at a time, each transaction of a Store
// opened Shared opening the file again (some 2.5 s for a file of a million
// bodies), the count of a flush interrupted at its start took 11 minutes.
func (s *Store) countAfter(cur *pageCursor, pick func(Record) bool) (int, error) {
	if cur.done {
		return 0, nil
	}
	gone := s.deferredNow()
	n := 0
	err := s.do(false, func(tx *bolt.Tx) error {
		n = 0 // a transaction may be run again
		for _, st := range []State{Pending, Dead} {
			c := bucketOf(tx, st).Cursor()
			k, v := c.First()
			if cur.after != nil {
				if k, v = c.Seek(cur.after); bytes.Equal(k, cur.after) {
					k, v = c.Next()
				}
			}
			for ; k != nil; k, v = c.Next() {
				r := readRecord(tx, k, v, st)
				if _, removed := gone[r.ID]; !removed && pick(r) {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
