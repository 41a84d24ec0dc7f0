package outbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/transport"
)

// Put stores entries in one fsync'd transaction, all or none, and returns
// their records, pending, due now and owned by this process until its lease
// ends: it is the caller that posts them first, then settles each with Send
// or Settle. Each record's Body is its entry's. A Put past MaxBytes is a
// *FullError.
func (s *Store) Put(entries ...Entry) ([]Record, error) {
	var need int64
	for _, e := range entries {
		need += int64(len(e.Body))
	}
	recs, err := s.put(len(entries), need, slices.Values(entries), math.MaxInt, false, nil)
	for i := range recs {
		recs[i].Body = entries[i].Body
	}
	return recs, err
}

// maxTxBytes bounds the bodies PutAll writes in one transaction.
const maxTxBytes = 8 << 20

// PutAll stores the n entries of seq, all or none, like Put, without holding
// them all in memory: each Body is copied as it is read, so seq may reuse
// one buffer (transport.Encoding.Bodies does), and the bodies, need bytes
// in all, are written in fsync'd transactions of about 8 MiB. If a later
// transaction finds the outbox full, or seq yields other than n entries,
// the earlier ones are removed again. The records carry no Body.
func (s *Store) PutAll(n int, need int64, seq iter.Seq[Entry]) ([]Record, error) {
	return s.put(n, need, seq, maxTxBytes, true, nil)
}

// PutEach is PutAll that hands over each transaction's records, with their
// bodies, as soon as they are durable, so that the caller can post them
// while the next ones are written: each body is still stored before it is
// sent, and storing overlaps sending. stored is called from PutEach's
// goroutine, in order. If a later transaction fails, every record already
// stored is removed again (the caller may have sent some) and the error is
// returned: the caller keeps the signatures some other way.
func (s *Store) PutEach(n int, need int64, seq iter.Seq[Entry], stored func([]Record)) error {
	_, err := s.put(n, need, seq, maxTxBytes, true, stored)
	return err
}

func (s *Store) put(n int, need int64, seq iter.Seq[Entry], txBytes int, copyBody bool, stored func([]Record)) ([]Record, error) {
	recs := make([]Record, 0, n)
	remaining := need
	undo := func(err error) ([]Record, error) {
		if len(recs) > 0 {
			ids := make([]uint64, len(recs))
			for i, r := range recs {
				ids[i] = r.ID
			}
			err = errors.Join(err, s.Delete(ids...))
		}
		return nil, err
	}
	var group []Entry
	size := 0
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		got, err := s.putGroup(group, remaining)
		if err != nil {
			return err
		}
		recs = append(recs, got...)
		for i, e := range group {
			remaining -= int64(len(e.Body))
			got[i].Body = e.Body
		}
		if stored != nil {
			stored(got)
			group = nil // handed over with the records
		} else {
			group = group[:0]
		}
		size = 0
		return nil
	}
	for e := range seq {
		// Compressed outside the transaction; bbolt keeps the stored
		// slice until the commit.
		e.packed = packBody(e.Body)
		sum := sha256.Sum256(e.Body)
		e.idKey = idempotencyKey(e.InjectID, e.Phase, e.ChunkIndex, sum)
		e.sum = hex.EncodeToString(sum[:])
		if copyBody && stored != nil {
			e.Body = bytes.Clone(e.Body) // handed over to the caller to post
		}
		group = append(group, e)
		size += len(e.Body)
		if size >= txBytes {
			if err := flush(); err != nil {
				return undo(err)
			}
		}
	}
	if err := flush(); err != nil {
		return undo(err)
	}
	if len(recs) != n {
		return undo(fmt.Errorf("outbox %s: %d bodies read, %d announced", s.path, len(recs), n))
	}
	return recs, nil
}

// putGroup stores entries in one transaction if remaining bytes, theirs
// and those still to come, fit.
func (s *Store) putGroup(entries []Entry, remaining int64) ([]Record, error) {
	now := s.opts.Now()
	recs := make([]Record, len(entries))
	// Each id is claimed as soon as it is allocated, before the commit
	// makes the record visible: this process's own Resender must never
	// take a record its deliverer is about to send.
	var held []uint64
	err := s.do(true, func(tx *bolt.Tx) error {
		if u := used(tx); u+remaining > s.opts.MaxBytes {
			return &FullError{Path: s.path, Used: u, Max: s.opts.MaxBytes, Need: remaining}
		}
		meta := tx.Bucket(bucketMeta)
		var added int64
		for i, e := range entries {
			id, err := meta.NextSequence()
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.claims[id] = true
			s.mu.Unlock()
			held = append(held, id)
			base, path := stripUser(e.BaseURL), e.Path
			if path == "" {
				path = transport.CallbackPath(e.InjectID)
			}
			r := Record{ID: id, State: Pending, InjectID: e.InjectID, Phase: e.Phase,
				ChunkIndex: e.ChunkIndex, TotalChunks: max(e.TotalChunks, 1), Profile: e.Profile, InjectorID: e.InjectorID,
				BaseURL: base, URL: base + path,
				IdempotencyKey: e.idKey, SHA256: e.sum,
				Size: len(e.Body), NextAttempt: now, Created: now,
				Owner: s.pid, OwnerStart: s.start, LeaseUntil: now.Add(s.opts.Lease)}
			if err := put(tx, r); err != nil {
				return err
			}
			if err := tx.Bucket(bucketBodies).Put(key(id), e.packed); err != nil {
				return err
			}
			recs[i] = r
			added += int64(len(e.Body))
		}
		return addUsed(tx, added)
	})
	if err != nil {
		for _, id := range held {
			s.unclaim(id)
		}
		return nil, err
	}
	s.mu.Lock()
	for _, id := range held { // ids of an attempt the transaction retried
		delete(s.claims, id)
	}
	for _, r := range recs {
		s.claims[r.ID] = true
	}
	s.mu.Unlock()
	return recs, nil
}

// idempotencyKey is transport.IdempotencyKey from the body's SHA-256,
// which the record keeps too: the body is hashed once.
func idempotencyKey(injectID, phase string, chunkIndex int, sum [sha256.Size]byte) string {
	return injectID + ":" + phase + ":" + strconv.Itoa(chunkIndex) + ":" + hex.EncodeToString(sum[:8])
}
