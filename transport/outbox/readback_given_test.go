package outbox_test

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// inLine is a profile whose bodies are written one after the other, each
// into a buffer of the send's (SeqInto) asked for as the put reads it, on
// the put's goroutine, with no encoder running ahead: the send then holds
// as many buffers as its put had bodies in hand at once, one when it
// compresses each before reading the next. It posts to url, counting the
// bodies posted from a buffer it was not given (a copy), as handing does.
type inLine struct {
	n, size int
	url     string
	mu      sync.Mutex
	given   map[*byte]bool
	posted  int
	copied  int
}

// body appends body i to b, within its capacity when that is size bytes
// or more: size bytes, compressible like a callback body, different from
// body to body.
func (p *inLine) body(b []byte, i int) []byte {
	var item [64]byte
	for len(b) < p.size {
		s := append(item[:0], `{"chunk":`...)
		s = strconv.AppendInt(s, int64(i), 10)
		s = append(s, `,"at":`...)
		s = strconv.AppendInt(s, int64(len(b)), 10)
		s = append(s, `},`...)
		b = append(b, s[:min(len(s), p.size-len(b))]...)
	}
	return b
}

func (p *inLine) Bodies(_ context.Context, r *runtime.Report) (outbox.Bodies, error) {
	entries := func(alloc func(n int) []byte) iter.Seq[outbox.Entry] {
		return func(yield func(outbox.Entry) bool) {
			for i := range p.n {
				if !yield(outbox.Entry{InjectID: r.InjectID, Phase: "complete", ChunkIndex: i, TotalChunks: p.n,
					BaseURL: p.url, Body: p.body(alloc(p.size), i)}) {
					return
				}
			}
		}
	}
	return outbox.Bodies{N: p.n, Size: int64(p.n * p.size),
		Seq: entries(func(n int) []byte { return make([]byte, 0, n) }),
		SeqInto: func(alloc func(n int) []byte) iter.Seq[outbox.Entry] {
			return entries(func(n int) []byte {
				b := alloc(n)
				p.mu.Lock()
				defer p.mu.Unlock()
				p.given[&b[:1][0]] = true
				return b
			})
		}}, nil
}

func (p *inLine) PostBody(ctx context.Context, _ string, _ int, body []byte) error {
	p.mu.Lock()
	p.posted++
	if len(body) == 0 || !p.given[&body[:1][0]] {
		p.copied++
	}
	p.mu.Unlock()
	return benchProfile{hc: http.DefaultClient, url: p.url}.PostBody(ctx, "", 0, body)
}

// A send stored whole before its first POST reads each body back into a
// buffer the profile wrote one into, however few its put left it: the
// bodies read back go to the POST loop one at a time, one waiting while
// the one before it is posted, and once the loop holds every buffer the
// next part is read when one comes back, not into a new buffer. With one
// buffer (1.5 MiB of bodies, each compressed by the goroutine reading
// them before the next is asked for) two bodies of three were read into
// new buffers, which then went round with the given one: 15 or 16 of the
// 24 bodies posted were copies. The send of 8 000 targets of
// TestDelivererPostsBodiesUncopied, whose put leaves it two or three
// buffers when its goroutines keep up with each other (a loaded machine,
// a put that waits less on its commits), posted a third of its bodies as
// copies.
func TestStoredWholeReadsBackIntoGivenBuffers(t *testing.T) {
	for _, tc := range []struct{ n, size int }{
		{24, 64 << 10}, // 1.5 MiB: compressed as read, one buffer
		{48, 64 << 10}, // 3 MiB: compressed beside the reading
		{6, 320 << 10}, // bodies larger than a part of the read-back
	} {
		t.Run(fmt.Sprintf("%d bodies of %d KiB", tc.n, tc.size>>10), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				be := newCallbackSink(t, always(http.StatusOK))
				ob := openStore(t, outbox.Options{})
				p := &inLine{n: tc.n, size: tc.size, url: be.URL, given: map[*byte]bool{}}
				if err := (&outbox.Deliverer{Profile: p, Store: ob}).Deliver(context.Background(),
					&runtime.Report{InjectID: "inj-given", Phase: "complete"}); err != nil {
					t.Fatal(err)
				}
				reqs := be.Requests()
				if len(reqs) != tc.n {
					t.Fatalf("%d requests for %d bodies", len(reqs), tc.n)
				}
				for i, r := range reqs {
					if want := p.body(nil, i); !bytes.Equal(r.Body, want) {
						t.Errorf("request %d: body %.40s, want %.40s", i, r.Body, want)
					}
				}
				if p.posted != tc.n || p.copied != 0 {
					t.Errorf("%d bodies posted, %d of them copies (%d buffers given)", p.posted, p.copied, len(p.given))
				}
				wantEmpty(t, ob, "after delivery")
			})
		})
	}
}
