package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
)

// putOne is put of one body below parallelBytes: serve's terminal
// callback, a Put of one entry. It does what put does for it (the body
// copied when stored is set and seq does not hand it over, hashed,
// compressed, stored in one fsync'd transaction, handed to stored while
// the file is held) in the calling goroutine, without put's goroutines
// and the closures they share, whose captured variables each cost an
// allocation a put (about 20, see BENCHMARKS.md, "serve's outbox path,
// forty-second session"). A seq that yields other than one entry stores
// nothing and fails as put does.
func (s *Store) putOne(need int64, seq iter.Seq[Entry], stored func([]Record), bodies *bufPool, owned bool) ([]Record, error) {
	// One allocation for what the loop's body (a closure) and the
	// file's hold share.
	one := &struct {
		group [1]Entry
		read  int
		held  hold
	}{held: hold{s: s}}
	for x := range seq {
		one.read++
		if one.read > 1 {
			continue // counted, for the error below
		}
		if stored != nil && !owned {
			x.Body = bodies.clone(x.Body) // seq may reuse it; handed over to be posted
		}
		one.group[0] = x
	}
	if one.read != 1 {
		return nil, fmt.Errorf("outbox %s: %d bodies read, %d announced", s.path, one.read, 1)
	}
	e := &one.group[0]
	sum := sha256.Sum256(e.Body)
	e.idKey = idempotencyKey(e.InjectID, e.Phase, e.ChunkIndex, sum)
	e.sum = hex.EncodeToString(sum[:])
	e.packed = packInto(make([]byte, 0, len(e.Body)/8+64), e.Body)
	defer one.held.drop()
	if err := one.held.take(); err != nil {
		return nil, err
	}
	recs, err := s.putGroup(one.group[:], need, nil)
	if err != nil {
		return nil, err
	}
	if stored != nil {
		recs[0].Body = e.Body
		one.held.handOver(stored, recs)
		recs = nil
	}
	if s.hooks.stored != nil {
		s.hooks.stored()
	}
	return recs, nil
}
