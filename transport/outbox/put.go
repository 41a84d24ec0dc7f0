package outbox

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
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
	recs, err := s.put(len(entries), need, slices.Values(entries), math.MaxInt, nil, nil, false)
	for i := range recs {
		recs[i].Body = entries[i].Body
	}
	return recs, err
}

// maxTxBytes bounds the bodies PutAll writes in one transaction; the first
// transactions of a put are smaller (firstTxBytes, doubling; for a large
// PutEach, the first body alone), so that the first bodies are durable, and
// can be posted, sooner. maxTxBodies bounds their number: a transaction
// costs memory per body too (its record, bbolt's nodes and dirty pages),
// and a PutEach runs a few transactions ahead of the posts (while they
// are answered, see feed), so that 8 MiB of 600-byte bodies (14 000
// records a transaction, four in flight) made a 100 000-body send peak at
// 450 MB (1 024 a transaction: 115 MB, 512: 85 MB, as fast).
const (
	maxTxBytes   = 8 << 20
	firstTxBytes = 1 << 20
	maxTxBodies  = 512
)

// packedTxBytes bounds the bodies, as stored (compressed), that a send
// stored whole before its first POST (packedOut, see storeFirst) writes in
// one transaction; maxTxBodies still bounds their number. Nothing is
// posted before its last transaction commits, so there is no first body
// to make durable sooner, and the bodies' buffers go back once they are
// compressed: what a transaction holds is its stored bytes. Bounded by
// their full size (maxTxBytes, 8 MiB: eight 1 MiB W1 bodies, 190 KB
// stored), W1 at 1M made 113 commits, each writing again, beside its own
// bodies, the last leaf of the bodies bucket before it (bbolt appends
// to it, and splits leaves of large values two by two), its branch pages
// and the freelist: 43 MB written for 21 MB of bodies stored, 230
// fdatasyncs. At 512 KiB stored (22 W1 bodies) it makes 42 commits and
// writes 29 MB; at 1 MiB 25 MB, but the run's peak RSS grew by 10 to 25
// MB (bbolt copies a transaction's dirty nodes to the heap when the file
// grows), which the 300 MB goal at 1M cannot spare.
const packedTxBytes = 512 << 10

// parallelBytes is the size from which a put compresses its bodies in a
// goroutine of its own (see put): below it, one goroutine is cheaper.
const parallelBytes = 2 << 20

// PutAll stores the n entries of seq, all or none, like Put, without holding
// their bodies in memory: each Body is compressed as it is read, so seq may
// reuse one buffer (transport.Encoding.Bodies does), and the bodies, need
// bytes in all, are written in fsync'd transactions of up to 8 MiB. If a
// later transaction finds the outbox full, or seq yields other than n
// entries, the earlier ones are removed again. The records carry no Body.
func (s *Store) PutAll(n int, need int64, seq iter.Seq[Entry]) ([]Record, error) {
	return s.put(n, need, seq, maxTxBytes, nil, nil, false)
}

// PutEach is PutAll that hands over each transaction's records, with their
// bodies (copies), as soon as they are durable, so that the caller can post
// them while the next ones are compressed and written: each body is still
// stored before it is sent (a Deliverer's send of more than one
// transaction calls it only to store them all first). stored is called
// from one goroutine, in order, and PutEach returns after its last call.
// If a later transaction fails, every record already stored is removed
// again (the caller may have sent some) and the error is returned: the
// caller keeps the signatures some other way.
func (s *Store) PutEach(n int, need int64, seq iter.Seq[Entry], stored func([]Record)) error {
	_, err := s.put(n, need, seq, maxTxBytes, stored, nil, false)
	return err
}

// put is putAs, handing stored the bodies themselves (packedOut false).
func (s *Store) put(n int, need int64, seq iter.Seq[Entry], txBytes int, stored func([]Record), bodies *bufPool, owned bool) ([]Record, error) {
	return s.putAs(n, need, seq, txBytes, stored, bodies, owned, false)
}

// putAs stores the n entries of seq in transactions of about txBytes. When
// stored is not nil, each body is copied (into a buffer of bodies, which
// the caller may give back once it is done with it; not when owned: seq
// wrote it into one already, and handed it over) and each transaction's
// records are handed to stored with their bodies; put then keeps only
// their ids (runs of them: a transaction's ids are consecutive), to
// remove them again should a later transaction fail, and returns no
// records.
//
// With packedOut (a send stored whole before its first POST, which reads
// its bodies back: see storeFirst), each body goes back to bodies as soon
// as it is compressed, and each record handed to stored carries, as its
// Body, the body as stored (compressed), valid only during the call:
// a put of 8 MiB transactions then holds a few bodies' buffers, not the
// three or four transactions' worth in flight.
//
// The calling goroutine reads seq and hashes each body; a large put
// (stored set, parallelBytes or more) compresses them in a packer
// goroutine, and once there is more than one transaction, a committer
// goroutine commits them and calls stored: a body is hashed while the
// previous one is compressed, and both while earlier ones are fsync'd and
// posted. A put of one transaction commits it itself.
func (s *Store) putAs(n int, need int64, seq iter.Seq[Entry], txBytes int, stored func([]Record), bodies *bufPool, owned, packedOut bool) ([]Record, error) {
	packedOut = packedOut && stored != nil
	if n == 1 && need < parallelBytes && !packedOut {
		return s.putOne(need, seq, stored, bodies, owned)
	}
	var (
		recs      []Record // returned, when there is no stored
		ids       idRuns   // every record stored
		commitErr error
		packs     bufPool // compressed bodies, needed until their commit
		remaining = need
		held      = hold{s: s} // the file, open across the transactions
		mark      *sendMark    // the record of a put of several bodies
	)
	if n > 1 {
		mark = &sendMark{n: n}
	}
	if stored == nil {
		recs = make([]Record, 0, n)
	}
	if stored != nil && n > 0 {
		// The file is opened while the first body is read.
		opened := make(chan struct{})
		go func() {
			defer close(opened)
			_ = held.take() // a failure is met again by the first commit
		}()
		defer func() { <-opened; held.drop() }()
	} else {
		defer held.drop()
	}
	commit := func(group []Entry) {
		if commitErr != nil {
			return
		}
		if commitErr = held.take(); commitErr != nil {
			return
		}
		got, err := s.putGroup(group, remaining, mark)
		defer func() {
			for _, e := range group {
				packs.put(e.packed)
			}
		}()
		if err != nil {
			commitErr = err
			return
		}
		for _, r := range got {
			ids.add(r.ID)
		}
		for _, e := range group {
			remaining -= int64(len(e.Body))
		}
		if stored == nil {
			recs = append(recs, got...)
		} else {
			for i, e := range group {
				got[i].Body = e.Body
				if packedOut {
					got[i].Body = e.packed
				}
			}
			held.handOver(stored, got)
		}
	}
	var (
		groups chan []Entry  // to the committer, once started
		failed chan struct{} // closed by the committer after a failed commit
		done   chan struct{} // closed when the committer ends
	)
	startCommitter := func() {
		groups, failed, done = make(chan []Entry), make(chan struct{}), make(chan struct{})
		go func(groups <-chan []Entry, failed, done chan struct{}) {
			defer close(done)
			for g := range groups {
				if commitErr != nil {
					continue // drained: the reader stops
				}
				if commit(g); commitErr != nil {
					close(failed)
				}
			}
		}(groups, failed, done)
	}
	var group []Entry
	size, limit, read := 0, min(firstTxBytes, txBytes), 0
	perTx := maxTxBodies
	if txBytes == math.MaxInt {
		perTx = math.MaxInt // Put: one transaction, however many
	}
	if packedOut {
		// Nothing is posted before the last commit: no first body alone,
		// and transactions of packedTxBytes stored (see there).
		limit = cmp.Or(s.hooks.packedTx, packedTxBytes)
	} else if stored != nil && need >= parallelBytes {
		// The first transaction of a large put holds the first body
		// alone: it is posted as soon as it is durable, without waiting
		// for the next one to be read and compressed.
		limit = 1
	}
	// hand passes the group on, to be committed; false when a commit
	// failed. The last group of a put that never started the committer
	// is committed here.
	hand := func(last bool) bool {
		if len(group) == 0 {
			return true
		}
		if groups == nil {
			if last {
				commit(group)
				return commitErr == nil
			}
			startCommitter()
		}
		select {
		case groups <- group:
		case <-failed:
			return false
		}
		group, size = nil, 0
		if !packedOut {
			limit = min(max(limit*2, firstTxBytes), txBytes)
		}
		return true
	}
	// add compresses e and adds it to the group; false once a commit
	// failed.
	add := func(e Entry) bool {
		e.packed = packInto(packs.get(len(e.Body)/8+64), e.Body)
		if packedOut {
			// Stored from its packed form: its buffer is reused at once,
			// only its length read from here on.
			bodies.put(e.Body)
		}
		group = append(group, e)
		if packedOut {
			size += len(e.packed) // see packedTxBytes
		} else {
			size += len(e.Body)
		}
		return (size < limit && len(group) < perTx) || hand(false)
	}
	// hash sets e's digests.
	hash := func(e *Entry) {
		sum := sha256.Sum256(e.Body)
		e.idKey = idempotencyKey(e.InjectID, e.Phase, e.ChunkIndex, sum)
		e.sum = hex.EncodeToString(sum[:])
	}
	if stored == nil || need < parallelBytes {
		// The body is read (and seq may reuse it) before the next one.
		for e := range seq {
			read++
			if stored != nil && !owned {
				e.Body = bodies.clone(e.Body) // handed over to the caller to post
			}
			hash(&e)
			if !add(e) {
				break
			}
		}
	} else {
		// Large puts use both cores: this goroutine copies (unless
		// owned) and hashes each body while a packer compresses the
		// previous one. The first body, which the first POST waits for
		// alone, is compressed here, before the packer starts.
		var copies chan Entry
		stopped := make(chan struct{}) // the packer saw a commit fail
	read:
		for e := range seq {
			read++
			if !owned {
				e.Body = bodies.clone(e.Body)
			}
			hash(&e)
			if read == 1 {
				if !add(e) {
					close(stopped)
					break read
				}
				copies = make(chan Entry, 1)
				go func() {
					defer close(stopped)
					for e := range copies {
						if !add(e) {
							return
						}
					}
				}()
				continue
			}
			select {
			case copies <- e:
			case <-stopped:
				break read
			}
		}
		if copies != nil {
			close(copies)
		}
		if read > 0 {
			<-stopped
		}
	}
	hand(true) // after a failure, the committer drops it
	if groups != nil {
		close(groups)
		<-done
	}
	err := commitErr
	if err == nil && (read != n || ids.n != n) {
		err = fmt.Errorf("outbox %s: %d bodies read, %d announced", s.path, read, n)
	}
	if err != nil {
		if derr := s.unput(ids, mark.sendID()); derr != nil {
			err = errors.Join(err, derr)
		}
		return nil, err
	}
	if s.hooks.stored != nil {
		s.hooks.stored()
	}
	return recs, nil
}

// idempotencyKey is transport.IdempotencyKey from the body's SHA-256,
// which the record keeps too: the body is hashed once.
func idempotencyKey(injectID, phase string, chunkIndex int, sum [sha256.Size]byte) string {
	return injectID + ":" + phase + ":" + strconv.Itoa(chunkIndex) + ":" + hex.EncodeToString(sum[:8])
}
