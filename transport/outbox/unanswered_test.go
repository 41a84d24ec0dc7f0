package outbox

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// A send cut short by the interrupt counts its attempt in flight as one
// that got no answer only once it had connected: one still dialling (the
// backend down, a connection in progress) cannot have reached the
// backend, as the poster itself counts a dial that failed.
func TestNoteInterruptedCountsOnlyAConnectedAttempt(t *testing.T) {
	tests := []struct {
		name      string
		connected bool // the attempt reached the server before the interrupt
		want      int
	}{
		{"cut while dialling", false, 0},
		{"cut once connected", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body) // the connection watched from here on
				close(arrived)
				<-r.Context().Done()
			}))
			t.Cleanup(srv.Close)
			stop := make(chan struct{})
			tr := &http.Transport{}
			t.Cleanup(func() { close(stop) })
			t.Cleanup(tr.CloseIdleConnections)
			if !tt.connected {
				// A dial in progress until the interrupt, as to a backend
				// whose host does not answer yet.
				tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					close(arrived)
					select { // the transport may dial on once the request is cut
					case <-ctx.Done():
					case <-stop:
					}
					return nil, &net.OpError{Op: "dial", Net: network, Err: context.Canceled}
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			go func() { <-arrived; cancel() }()
			p := &httpx.Poster{Client: &http.Client{Transport: tr}, Attempts: 1}
			_, err := p.Do(ctx, httpx.Request{Op: "data", URL: srv.URL, Body: []byte(`{}`)})
			after := interruptedRecord(t, err)
			if after.Attempts != 1 || after.Unanswered != tt.want {
				t.Errorf("record after NoteInterrupted: %d attempts, %d unanswered; want 1, %d", after.Attempts, after.Unanswered, tt.want)
			}
		})
	}
}

// The attempts of a body's content sent in another form (InOtherForm: a
// superseded "complete" sent as "data") that got no answer are counted
// apart from the body's own: a later post of that other form gets only
// its own (EarlierUnansweredOther), the body's own stay as they were.
func TestUnansweredInOtherFormCountedApart(t *testing.T) {
	tests := []struct {
		name       string
		fails      []error // the posts before the last, in order
		own, other int     // what the last post sees
	}{
		{"own form only", []error{&httpx.HTTPError{Op: "complete", Attempts: 3, Unanswered: 3}}, 3, 0},
		{"own form, then the other", []error{&httpx.HTTPError{Op: "complete", Attempts: 3, Unanswered: 3},
			InOtherForm(&httpx.HTTPError{Op: "data", Attempts: 3, Unanswered: 2})}, 3, 2},
		{"the other form twice", []error{InOtherForm(&httpx.HTTPError{Op: "data", Attempts: 2, Unanswered: 1}),
			InOtherForm(&httpx.HTTPError{Op: "data", Attempts: 2, Unanswered: 2})}, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, rec := putLeased(t)
			for _, fail := range append(tt.fails, nil) {
				var own, other int
				p := posterFunc(func(ctx context.Context, _ string, _ int, _ []byte) error {
					own, other = EarlierUnanswered(ctx), EarlierUnansweredOther(ctx)
					return fail
				})
				if _, err := s.Send(context.Background(), p, rec, 0); (err == nil) != (fail == nil) {
					t.Fatalf("Send = %v, want %v", err, fail)
				}
				if fail == nil {
					if own != tt.own || other != tt.other {
						t.Errorf("the last post saw %d unanswered of its own form, %d of the other; want %d, %d", own, other, tt.own, tt.other)
					}
					return
				}
				r, ok, err := s.Claim(rec.ID)
				if err != nil || !ok {
					t.Fatalf("Claim = %v, %v", ok, err)
				}
				rec = r
			}
		})
	}
}
