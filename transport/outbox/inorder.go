package outbox

import (
	"errors"
	"time"

	"go.uber.org/zap"
)

// InOrderPoster is a Poster whose later bodies of a send (chunk 1 on)
// depend on its first one (chunk 0): the backend must take the first
// before the others, and has no use for the others once it no longer needs
// the first. When InOrder reports true, a Resender sends the later bodies
// of a send only once its first is no longer stored pending: while it is
// (its attempt failed, it is not due, another process is sending it) they
// stay pending, unsent, their next attempt that of the first. A first
// delivered, superseded (ErrSuperseded) or moved to the dead list lets them
// go: a superseded first is one the backend no longer needs, perhaps
// because this very body reached it and only its answer was lost, so the
// later bodies are sent all the same; a duplicate is better than a loss.
type InOrderPoster interface {
	Poster
	InOrder() bool
}

// sendKey names the bodies of one send, apart from their order.
type sendKey struct {
	injectID, url, profile string
	total                  int
}

// chunkOrder finds the first body of each later body of a send, given
// the records one at a time in the order of their ids (pending and dead
// alike). The bodies of a send are stored in order, so a later body
// belongs to the nearest first body stored before it of the same inject,
// URL, profile and chunk count, unless a body of an index not above its
// own lies between them (a later send, whose first body is gone). It
// holds the sends whose last chunk was not seen yet, not the records: a
// pass reads a store of a million bodies a page at a time.
type chunkOrder map[sendKey]*openSend

// openSend is a send whose first body was seen, and not yet its last.
type openSend struct {
	first firstChunk
	last  int // the highest chunk index seen since first
}

// see takes r, the next record by id, and returns the first body of its
// send when r is a later body whose first is still stored.
func (o chunkOrder) see(r *Record) (firstChunk, bool) {
	if r.Unreadable() || r.TotalChunks < 2 {
		return firstChunk{}, false
	}
	k := sendKey{r.InjectID, r.URL, r.Profile, r.TotalChunks}
	if r.ChunkIndex == 0 {
		o[k] = &openSend{first: firstChunk{ID: r.ID, State: r.State}}
		return firstChunk{}, false
	}
	s := o[k]
	if s == nil || r.ChunkIndex <= s.last {
		delete(o, k)
		return firstChunk{}, false
	}
	s.last = r.ChunkIndex
	if r.ChunkIndex >= r.TotalChunks-1 {
		// Its last body: no later one follows this first (a record of
		// an index not above it would end the send anyway).
		delete(o, k)
	}
	return s.first, true
}

// firstChunk is what a pass needs of the first body of a send: its id
// and its state when listed (a whole record for each later body held a
// flush of a million chunks' bodies some 450 MB).
type firstChunk struct {
	ID    uint64
	State State
}

// inOrder reports whether the poster for base sends in order (see
// InOrderPoster).
func (rs *Resender) inOrder(base string) bool {
	p, err := rs.poster(base)
	if err != nil {
		return false
	}
	ip, ok := p.(InOrderPoster)
	return ok && ip.InOrder()
}

// claim claims r for this pass; false when it is not to be sent: settled
// meanwhile, owned by another delivery (counted Busy), or moved to the dead
// list as corrupt (counted Rejected and Corrupt).
func (rs *Resender) claim(r Record, res *FlushResult, log *zap.Logger) (Record, bool, error) {
	c, in := rs.claimed(r) // claimed ahead (see claimAhead)
	if !in {
		c.r, c.ok, c.err = rs.Store.Claim(r.ID)
	}
	full, ok, err := c.r, c.ok, c.err
	var re *RecordError
	switch {
	case errors.Is(err, ErrNotFound):
		return Record{}, false, nil
	case errors.As(err, &re):
		res.unsent(re)
		log.Error("outbox body not sent; moved to the dead list", zap.String("reason", re.Reason), zap.Error(err))
		return Record{}, false, nil
	case err != nil:
		return Record{}, false, err
	case !ok:
		res.Busy++
	}
	return full, ok, nil
}

// holdBack leaves r pending, unsent, counted Failed: first, the first body
// of its send, is stored pending. Its next attempt is the first's (at the
// end of the first's lease when another delivery owns it), MinBackoff from
// now at the earliest.
func (rs *Resender) holdBack(r Record, first firstChunk, res *FlushResult, log *zap.Logger) error {
	full, ok, err := rs.claim(r, res, log)
	if err != nil || !ok {
		return err
	}
	next := rs.Store.opts.Now().Add(MinBackoff)
	if f, err := rs.Store.Get(first.ID); err == nil {
		for _, t := range []time.Time{f.NextAttempt, f.LeaseUntil} {
			if t.After(next) {
				next = t
			}
		}
	}
	res.Failed++
	log.Info("outbox body held back: chunk 0 of its send is not delivered yet")
	return rs.Store.MarkFailed(full.ID, 0, "not sent: chunk 0 of the same send is not delivered yet", next)
}
