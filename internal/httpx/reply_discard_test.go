package httpx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

// TestStatusOnlyReplyBodyKeptNowhere checks that the body of a status-only
// reply is read to its end without being kept: a long one allocates no
// more than an empty one.
func TestStatusOnlyReplyBodyKeptNowhere(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts vary under the race detector")
	}
	p := &Poster{}
	allocs := func(n int) float64 {
		body := bytes.Repeat([]byte("x"), n)
		rd := bytes.NewReader(body)
		resp := &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(rd)}
		return testing.AllocsPerRun(50, func() {
			rd.Reset(body)
			if _, err := p.reply(context.Background(), &Request{StatusOnly: true}, resp); err != nil {
				t.Fatal(err)
			}
		})
	}
	empty := allocs(0)
	for _, n := range []int{600, 8 << 10, 64 << 10} {
		if got := allocs(n); got > empty {
			t.Errorf("a status-only reply of %d bytes: %.0f allocations, an empty one %.0f: want no more", n, got, empty)
		}
	}
}
