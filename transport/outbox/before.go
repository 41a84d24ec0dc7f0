package outbox

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Bodies stored whole before the first is posted: those of more than one
// transaction (oneTx), as the next ones would be stored only as the posts
// keep up, and a process killed at the first POST of a large send lost
// every chunk not stored yet; and bodies that follow other posts
// (Bodies.Before). The openaev profile
// sends one trace per target before its terminal callback, thousands of
// POSTs for a large inject: were they sent before the bodies are stored,
// a process killed meanwhile would lose the terminal callback, its
// signatures and the inject's completion, with nothing in the outbox to
// say so. So the bodies are all stored (fsync'd) first, Before posts next,
// and the stored bodies are posted last: a kill during Before leaves them
// all pending, for a flush, which loses only what Before did not send.
// The bodies are not held in memory meanwhile: they are read back from
// the outbox as the posts take them, a part of up to firstTxBytes at a
// time, each checked against a digest kept as it was stored (see sums).
// Reading back (S2 decompression) costs less than encoding them again
// from Seq, which the first version did (checking each against its
// SHA-256), and posts the bytes stored, whatever a second pass over Seq
// would yield.

// lateBodies is what storeFirst and the read-back of a stalled send tell
// the send's POST loop of the bodies they could not read back: each
// record's error, the failure of its POST. The first one the loop reaches
// fails the send; all are kept, since they need not come in send order (a
// record of a later item can fail before an earlier item is read back),
// and a record without its body must never be posted.
type lateBodies struct {
	mu   sync.Mutex
	errs map[uint64]error
}

// fail records err as the failure of rec, unless one is recorded for it.
func (l *lateBodies) fail(rec Record, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.errs == nil {
		l.errs = map[uint64]error{}
	}
	if _, ok := l.errs[rec.ID]; !ok {
		l.errs[rec.ID] = err
	}
}

// failure returns the error of rec's body when it could not be read
// back, else nil.
func (l *lateBodies) failure(rec Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs[rec.ID]
}

// storeFirst stores every body of b, then calls stored (when not nil) and
// b.Before (unless aborted),
// then hands the records to f, in order, each with its body read back
// from the outbox, for the send's POST loop to post (see above); a body
// that cannot be read back fails the send there (see lateBodies). Once
// settled (a body failed) or aborted, the records left are handed over
// without their bodies, which the loop does not post; once the feed
// stalled, without their bodies too, which the loop reads back. It
// returns the store's error: then nothing is stored, and nothing handed
// over.
func (d *Deliverer) storeFirst(ctx context.Context, b Bodies, bodies *bufPool, f *feed, late *lateBodies,
	aborted func() bool, settled *atomic.Bool, stored func()) error {
	// Not compacted until the loop has posted the last body: see
	// compactIfFree.
	d.Store.emptyingFor(f)
	seq, owned := b.Seq, b.SeqInto != nil
	if owned {
		seq = b.SeqInto(bodies.get)
	}
	// The file stays open from the put to the last body handed over, as
	// a put posted from holds it (see hold): let go of in between, in
	// Shared mode (`run`), each operation of the POST loop (the lease,
	// the attempt, the removals) opened and closed the file, and each
	// closing once half of it was free compacted it, copying the bodies
	// not posted yet: four copies of a million-target send, 200 MB
	// allocated, 0.4 s of CPU. A Before hook lets go of it while it
	// posts (a long while): another process may use the file meanwhile.
	held := hold{s: d.Store}
	defer held.drop()
	// Of the records handed back as each transaction commits, their ids
	// and sizes are kept (16 bytes a body, not a Record's few hundred),
	// and the digests of their bodies (see sums): they are read back to be
	// posted, records and bodies.
	kept := make([]Record, 0, b.N)
	sums := sums{seed: maphash.MakeSeed(), of: make([]uint64, 0, b.N)}
	_, err := d.Store.putAs(b.N, b.Size, seq, maxTxBytes, func(stored []Record) {
		for _, r := range stored {
			sums.add(r.Body) // as stored: the body went back to bodies once compressed
			kept = append(kept, Record{ID: r.ID, Size: r.Size, ChunkIndex: r.ChunkIndex})
		}
		if len(kept) == b.N && b.Before == nil {
			held.tryTake() // open: the put holds it
		}
	}, bodies, owned, true)
	if err != nil {
		return err
	}
	if stored != nil {
		stored()
	}
	if b.Before != nil && !aborted() {
		b.Before(ctx)
		held.tryTake()
		// Their leases started as they were stored: they run again from
		// the end of the traces, however long those took (the records
		// read back carry the lease renewed). Should this fail, the
		// leases stay as they were: another process may then resend a
		// body this one posts, under the same Idempotency-Key.
		ids := make([]uint64, len(kept))
		for i, r := range kept {
			ids[i] = r.ID
		}
		_, _, _ = d.Store.renew(ids)
	}
	for i := 0; i < len(kept); {
		if aborted() || settled.Load() || f.isStalled() {
			// Handed over by their ids alone: not posted, waiting
			// (settled) or cut (aborted), or, once a POST stalled,
			// read back by the loop when it reaches them (see feed).
			f.push(kept[i:], bodies)
			break
		}
		// A part of up to firstTxBytes of bodies is read back in one
		// transaction, and handed over one body at a time; of no more
		// bodies than bodies holds free buffers, as the loop reads a
		// stalled send's back (see nextRecords): the put gave each body's
		// buffer back once it was compressed, so that the send holds a
		// few (one to six for bodies of 64 KiB, as the put's goroutines
		// ran), which the bodies read back reuse, not a part's worth of
		// new ones. Once some are handed over, none free means the loop
		// holds them all, one posted and one waiting its turn: the part
		// waits for the first to come back, or for the stall that a POST
		// failed or unanswered brings. Read into a new buffer instead, a
		// body was a copy, and that buffer went round with the send's
		// from then on: with two buffers, a third of the bodies posted
		// were copies. The first part alone has one read into a new
		// buffer if the send holds none.
		if i > 0 && bodies.idle() == 0 {
			t := time.AfterFunc(held.stallAfter(), held.drop) // as below
			bodies.waitFree(f.stalls)
			t.Stop()
			continue // stalled meanwhile: the rest handed over by their ids
		}
		k, size, most := i, 0, max(bodies.idle(), 1)
		for k < len(kept) && (k == i || size+kept[k].Size <= firstTxBytes && k-i < min(maxTxBodies, most)) {
			size += kept[k].Size
			k++
		}
		ids := make([]uint64, k-i)
		for j := range ids {
			ids[j] = kept[i+j].ID
		}
		for _, rec := range d.records(ids, i, false, late, bodies, sums.from(i)) {
			i++
			// Let go of while the loop is slow to take it (a POST retried):
			// taken again for the next one.
			held.tryTake()
			t := time.AfterFunc(held.stallAfter(), held.drop)
			f.push([]Record{rec}, bodies)
			t.Stop()
		}
	}
	return nil
}

// sums are the digests (hash/maphash) of the bodies a storeFirst stored,
// in order, taken as each transaction commits, of each body as stored
// (compressed, see packInto: a twentieth of W1's bodies): a body whose
// stored bytes read back have the same is the one stored, and its
// SHA-256, which costs ten times as much (0.7 s of CPU for the gigabyte of
// a million-target `run`), is not computed again. They check what the
// SHA-256 would here, that the bytes read back are those stored moments
// ago, under the lock of this process (an error of the file system, a
// damaged page); a body whose digest differs is checked against its
// SHA-256 as a flush checks it.
type sums struct {
	seed maphash.Seed
	of   []uint64
}

func (s *sums) add(body []byte) { s.of = append(s.of, maphash.Bytes(s.seed, body)) }

// from returns the check of the bodies read back from the send's body
// first on, each as stored: readBack's same.
func (s *sums) from(first int) func(i int, stored []byte) bool {
	return func(i int, stored []byte) bool { return maphash.Bytes(s.seed, stored) == s.of[first+i] }
}

// oneTx reports whether the put of b commits in one transaction: a send
// of more is stored whole before its first body is posted (storeFirst).
func oneTx(b Bodies) bool {
	return b.Size <= firstTxBytes && b.N <= maxTxBodies
}
