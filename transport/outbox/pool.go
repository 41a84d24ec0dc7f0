package outbox

import (
	"math/bits"
	"sync"
)

// bufPool recycles the buffers of one large put: the bodies handed over
// to be posted (written into them by the profile, see Bodies.SeqInto, or
// copied into them), and their compressed forms, which bbolt needs only
// until the commit. A put of a million targets then allocates a few
// dozen bodies' worth of buffers, however many bodies it stores, instead
// of a new copy of each (which doubled the heap through the garbage
// collector's headroom). A nil *bufPool allocates and recycles nothing.
type bufPool struct {
	mu   sync.Mutex
	free [][]byte
	back chan struct{} // told of a buffer given back, once one waits (see waitFree)
}

// maxFree bounds the buffers a pool keeps.
const maxFree = 64

// get returns an empty buffer of capacity n or more.
func (p *bufPool) get(n int) []byte {
	if p != nil {
		p.mu.Lock()
		for i := len(p.free) - 1; i >= 0; i-- {
			if b := p.free[i]; cap(b) >= n {
				p.free[i] = p.free[len(p.free)-1]
				p.free = p.free[:len(p.free)-1]
				p.mu.Unlock()
				return b[:0]
			}
		}
		p.mu.Unlock()
	}
	// Rounded up to a power of two, so that a buffer fits the next
	// bodies of about the same size.
	return make([]byte, 0, 1<<bits.Len(uint(max(n, 64)-1)))
}

// idle returns how many buffers p holds, free.
func (p *bufPool) idle() int {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// clone returns a copy of b in a buffer of the pool.
func (p *bufPool) clone(b []byte) []byte { return append(p.get(len(b)), b...) }

// put gives b back: nothing may use it afterwards.
func (p *bufPool) put(b []byte) {
	if p == nil || cap(b) == 0 {
		return
	}
	p.mu.Lock()
	if len(p.free) < maxFree {
		p.free = append(p.free, b[:0])
	}
	if p.back != nil {
		select {
		case p.back <- struct{}{}:
		default: // told already
		}
	}
	p.mu.Unlock()
}

// waitFree waits until p holds a free buffer, true, or until stop is
// closed, false: for a caller that gave its buffers to another goroutine,
// which gives each back once done with it (see storeFirst), or closes
// stop.
func (p *bufPool) waitFree(stop <-chan struct{}) bool {
	p.mu.Lock()
	if p.back == nil {
		p.back = make(chan struct{}, 1)
	}
	back := p.back
	p.mu.Unlock()
	for p.idle() == 0 {
		select {
		case <-back:
		case <-stop:
			return false
		}
	}
	return true
}
