package transport

// The pipeline behind Bodies, BodiesInto and SendEncoded: the writer
// (each, in a goroutine of its own), the hasher of the Idempotency-Keys
// when keyed, and the caller's loop, joined by channels.

// aheadDepth is how many bodies ahead writes before the one handled.
const aheadDepth = 2

// ready is a body written by ahead, its key computed when keyed, or the
// error that stopped the writing.
type ready struct {
	i    int
	body []byte
	key  string
	err  error
}

// ahead writes the bodies of e in a goroutine of its own, up to
// aheadDepth bodies before the one being handled, each into a buffer of
// its own. When keyed, each body's Idempotency-Key is computed in a
// goroutine of its own too, while the next body is written (the SHA-256
// of a 1 MiB body costs about what writing it does): one body more is
// then in flight. It calls fn with each body in order, from the caller's
// goroutine, or with the error that stopped the writing, until fn returns
// false; the goroutines have ended when it returns. A body is valid until
// fn returns, and its buffer then written again: memory stays at
// aheadDepth+1 bodies (aheadDepth+2 keyed). With alloc, each body is
// written into a buffer from alloc instead, and fn keeps it. Writing
// (encoding, hashing) thus overlaps what fn does (a POST, an outbox
// write).
func (e *Encoding) ahead(keyed bool, alloc func(n int) []byte, fn func(i int, body []byte, key string, err error) bool) {
	largest := 0
	for i := range e.plan.Chunks() {
		largest = max(largest, e.plan.Size(i))
	}
	buffers := aheadDepth + 1
	if keyed {
		buffers++ // the one being hashed
	}
	free := make(chan []byte, buffers)
	for range buffers {
		free <- nil // allocated on first use, at the largest body's size
	}
	next := make(chan ready, aheadDepth)
	stop := make(chan struct{})
	written := next // where the writer hands each body: to the hasher when keyed
	if keyed {
		written = make(chan ready)
		go e.hash(written, next, stop)
	}
	go func() {
		defer close(written)
		// A stop is seen before each body and each hand-off, not chosen
		// at random against a free buffer or room in the queue: once fn
		// stopped, no body is written after the one in progress.
		get := func() ([]byte, bool) {
			select {
			case <-stop:
				return nil, false
			default:
			}
			if alloc != nil {
				return alloc(largest)[:0], true
			}
			select {
			case b := <-free:
				if b == nil {
					b = make([]byte, 0, largest)
				}
				return b[:0], true
			case <-stop:
				return nil, false
			}
		}
		e.each(get, func(i int, b []byte, err error) bool {
			select {
			case <-stop:
				return false
			default:
			}
			select {
			case written <- ready{i: i, body: b, err: err}:
				return err == nil
			case <-stop:
				return false
			}
		})
	}()
	defer func() {
		close(stop)
		for range next { // let the writer (and the hasher) end
		}
	}()
	for r := range next {
		if !fn(r.i, r.body, r.key, r.err) || r.err != nil {
			return
		}
		if alloc == nil {
			free <- r.body
		}
	}
}

// hash computes the Idempotency-Key of each body from written and hands it
// on to next, in order, until written is closed; it then closes next.
// Once stop is closed it hashes nothing more and hands nothing on, but
// reads written to its end, so that the writer ends before it does.
func (e *Encoding) hash(written <-chan ready, next chan<- ready, stop <-chan struct{}) {
	defer close(next)
	for r := range written {
		if r.err == nil {
			select {
			case <-stop:
				continue
			default:
			}
			r.key = IdempotencyKey(e.injectID, e.phase, r.i, r.body)
		}
		select {
		case next <- r:
		case <-stop:
		}
	}
}
