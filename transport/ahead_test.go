package transport

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/injectkit/injectkit/signatures"
)

// TestAheadHashesWhileWriting checks where ahead's work is done while the
// caller holds a body (a POST on the wire): the writer fills the queue,
// and, keyed, a body more is held by the hasher, so that the SHA-256 of
// one body runs while the next one is written rather than after it. The
// keys handed over are each body's own, in order, and the goroutines have
// ended when ahead returns.
func TestAheadHashesWhileWriting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keyed bool
		// written is how many bodies are written while the caller holds
		// the first: the one held, the queue's, and the hasher's.
		written int
	}{
		{name: "unkeyed", keyed: false, written: 1 + aheadDepth},
		{name: "keyed", keyed: true, written: 1 + aheadDepth + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := payloadOf(40)
				var yielded atomic.Int64 // targets the second pass took
				passes := 0
				seq := func(yield func(int, signatures.PayloadTarget) bool) {
					passes++
					for i, pt := range slices.All(p.Targets) {
						if passes > 1 {
							yielded.Add(1)
						}
						if !yield(i, pt) {
							return
						}
					}
				}
				enc := encodeAhead(t, seq, tc.written+2)
				per := enc.plan.Count(0)
				if per == 0 {
					t.Fatal("bodies of no targets: too few for the test")
				}
				held, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
				var bodies [][]byte
				var keys []string
				go func() {
					defer close(done)
					enc.ahead(tc.keyed, nil, func(i int, b []byte, key string, err error) bool {
						if err != nil {
							t.Error(err)
							return false
						}
						if i == 0 {
							close(held)
							<-release
						}
						bodies, keys = append(bodies, bytes.Clone(b)), append(keys, key)
						return true
					})
				}()
				<-held
				synctest.Wait() // the writer (and the hasher) blocked
				if got := int(yielded.Load()) / per; got != tc.written {
					t.Errorf("bodies written while the first is held: %d, want %d", got, tc.written)
				}
				close(release)
				<-done
				if len(bodies) != enc.Len() {
					t.Fatalf("%d bodies handed over, want %d", len(bodies), enc.Len())
				}
				checkAheadKeys(t, bodies, keys, tc.keyed)
			})
		})
	}
}

// TestAheadWritesNothingAfterStop checks that once the caller stopped
// (fn returned false), the writer encodes no body after the one it is
// writing: a stop is seen before each hand-off and each body, not chosen
// at random against a free buffer or room in the queue. The writer is
// held in the middle of body 4 until the caller has stopped at body 3;
// the targets the second pass yields after that are body 4's rest. Many
// rounds, since the choice it must not make was a coin toss.
func TestAheadWritesNothingAfterStop(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyed=%t", keyed), func(t *testing.T) {
			for round := range 64 {
				synctest.Test(t, func(t *testing.T) {
					p := payloadOf(120)
					gateAt := -1 // the first target of body 4
					reached, gate := make(chan struct{}), make(chan struct{})
					var after atomic.Int64 // targets yielded once the gate opened
					passes := 0
					seq := func(yield func(int, signatures.PayloadTarget) bool) {
						passes++
						for i, pt := range slices.All(p.Targets) {
							if passes > 1 && i == gateAt {
								close(reached)
								<-gate
							}
							if passes > 1 && i >= gateAt {
								after.Add(1)
							}
							if !yield(i, pt) {
								return
							}
						}
					}
					enc := encodeAhead(t, seq, 8)
					gateAt = firstTargetOf(enc, 4)
					stopped := make(chan struct{})
					go func() {
						<-stopped
						synctest.Wait() // the caller draining, the writer held
						close(gate)
					}()
					enc.ahead(keyed, nil, func(i int, b []byte, key string, err error) bool {
						if err != nil {
							t.Error(err)
							return false
						}
						if i < 3 {
							return true
						}
						<-reached
						close(stopped)
						return false
					})
					if got, want := after.Load(), int64(enc.plan.Count(4)); got != want {
						t.Fatalf("round %d: %d targets written after the stop, want %d (body 4's, in progress)", round, got, want)
					}
				})
			}
		})
	}
}

// TestAheadKeyedEndsEarly checks a keyed ahead that ends before its last
// body: the caller stopping (at the first body, in the middle) or the
// writer failing (the second pass yields another target in body 3). The
// bodies handed over are those before the end, each with its own key,
// and ahead returns with the writer done with the targets and no
// goroutine left blocked (the bubble would not end otherwise).
func TestAheadKeyedEndsEarly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stopAt   int // the body fn returns false at; -1: none
		changeIn int // the body whose targets change in the second pass; -1: none
		want     int // bodies handed over without an error
		wantErr  bool
	}{
		{name: "stopped at the first body", stopAt: 0, changeIn: -1, want: 1},
		{name: "stopped in the middle", stopAt: 4, changeIn: -1, want: 5},
		{name: "writer failing", stopAt: -1, changeIn: 3, want: 3, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := payloadOf(120)
				changed := -1 // a target of body changeIn, once known
				passes := 0
				var ranging atomic.Bool // the writer is in the second pass
				seq := func(yield func(int, signatures.PayloadTarget) bool) {
					passes++
					if passes > 1 {
						ranging.Store(true)
						defer ranging.Store(false)
					}
					for i, pt := range slices.All(p.Targets) {
						if passes > 1 && i == changed {
							pt = netTarget(i, signatures.Detection) // one group fewer: smaller
						}
						if !yield(i, pt) {
							return
						}
					}
				}
				enc := encodeAhead(t, seq, 8)
				if tc.changeIn >= 0 {
					changed = firstTargetOf(enc, tc.changeIn)
				}
				var bodies [][]byte
				var keys []string
				var failed error
				enc.ahead(true, nil, func(i int, b []byte, key string, err error) bool {
					if err != nil {
						failed = err
						return false
					}
					if i != len(bodies) {
						t.Errorf("body %d handed over after %d bodies", i, len(bodies))
					}
					bodies, keys = append(bodies, bytes.Clone(b)), append(keys, key)
					return i != tc.stopAt
				})
				if ranging.Load() {
					t.Error("the writer still ranges over the targets after ahead returned")
				}
				if (failed != nil) != tc.wantErr {
					t.Errorf("error %v, want one: %t", failed, tc.wantErr)
				}
				if len(bodies) != tc.want {
					t.Fatalf("%d bodies handed over, want %d", len(bodies), tc.want)
				}
				checkAheadKeys(t, bodies, keys, true)
			})
		})
	}
}

// encodeAhead encodes the targets seq yields as inject-1's
// execution_complete in bodies of 2048 bytes at the most, and fails the
// test unless that makes at least minBodies bodies.
func encodeAhead(t *testing.T, seq func(yield func(int, signatures.PayloadTarget) bool), minBodies int) *Encoding {
	t.Helper()
	enc, err := Encode("inject-1", "execution_complete", iter.Seq2[int, signatures.PayloadTarget](seq), 2048)
	if err != nil {
		t.Fatal(err)
	}
	if enc.Len() < minBodies {
		t.Fatalf("%d bodies: too few for the test", enc.Len())
	}
	return enc
}

// firstTargetOf returns the index of the first target of enc's body.
func firstTargetOf(enc *Encoding, body int) int {
	first := 0
	for i := range body {
		first += enc.plan.Count(i)
	}
	return first
}

// checkAheadKeys checks the keys ahead handed over with the bodies: each
// body's own idempotency key when keyed, none otherwise.
func checkAheadKeys(t *testing.T, bodies [][]byte, keys []string, keyed bool) {
	t.Helper()
	for i, b := range bodies {
		want := ""
		if keyed {
			want = IdempotencyKey("inject-1", "execution_complete", i, b)
		}
		if keys[i] != want {
			t.Errorf("body %d: key %q, want %q", i, keys[i], want)
		}
	}
}
