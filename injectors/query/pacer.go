package query

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Pacer spaces the Shodan requests of every Executor that shares it, per
// API key: a request of a key starts once no other request of that key is
// in flight and the least gap has passed since the last one was answered,
// so that runs going at once (serve's workers) never ask Shodan faster
// than a key allows. Keys are held by their SHA-256 hash, never as
// written. Build one with NewPacer and hand it to every Executor of the
// process (WithPacer); its zero value is not usable.
//
// Being what those Executors share, it also remembers the base URLs whose
// clear API key (http:// to another host) was warned of: a daemon, whose
// registry builds an Executor per inject, warns once per base URL, not
// once per inject.
type Pacer struct {
	mu     sync.Mutex
	keys   map[[sha256.Size]byte]*keyPace
	warned sync.Map // base URLs warned of (firstClear)
}

// keyPace is the pace of one key: turn holds a token while no request of
// the key is in flight; lastDone, guarded by holding the token, is when
// the previous request was answered.
type keyPace struct {
	turn     chan struct{}
	lastDone time.Time
}

// NewPacer returns a Pacer with no request seen yet.
func NewPacer() *Pacer {
	return &Pacer{keys: map[[sha256.Size]byte]*keyPace{}}
}

// firstClear reports whether the clear key sent to base is to be warned
// of: the first time base is asked about, not again.
func (p *Pacer) firstClear(base string) bool {
	_, warned := p.warned.LoadOrStore(base, struct{}{})
	return !warned
}

// of returns the pace of key, made on its first use.
func (p *Pacer) of(key string) *keyPace {
	h := sha256.Sum256([]byte(key))
	p.mu.Lock()
	defer p.mu.Unlock()
	kp := p.keys[h]
	if kp == nil {
		kp = &keyPace{turn: make(chan struct{}, 1)}
		kp.turn <- struct{}{}
		p.keys[h] = kp
	}
	return kp
}

// wait takes the key's turn once no other request of it is in flight and
// gap has passed since the previous one was answered; the first request
// does not wait. It returns the function that gives the turn back once
// the request is answered, or ctx's error (the turn not taken).
func (kp *keyPace) wait(ctx context.Context, gap time.Duration, log *zap.Logger) (done func(), err error) {
	select {
	case <-kp.turn:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	give := func() { kp.turn <- struct{}{} }
	if !kp.lastDone.IsZero() {
		if d := time.Until(kp.lastDone.Add(gap)); d > 0 {
			log.Debug("shodan pacing", zap.Duration("wait", d))
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				give()
				return nil, ctx.Err()
			}
		}
	}
	return func() {
		kp.lastDone = time.Now()
		give()
	}, nil
}
