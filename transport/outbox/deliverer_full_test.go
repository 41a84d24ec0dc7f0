package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

func TestDelivererFull(t *testing.T) {
	be := newCallbackSink(t, always(http.StatusOK))
	ob := openStore(t, outbox.Options{MaxBytes: 1000})
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, be.URL)}, Store: ob}
	err := d.Deliver(context.Background(), report(t, "big", 40))
	var fe *outbox.FullError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), ob.Path()) {
		t.Fatalf("error = %v, want a *outbox.FullError", err)
	}
	if n := be.Len(); n != 0 {
		t.Errorf("%d requests sent past a full outbox", n)
	}
}

// With an Unstored hook, a report the outbox has no room for is told to
// the hook, by its inject id, once, and its bodies are posted unstored,
// in order, each under the key a stored one would have; a failure names
// the chunk and those delivered before it (an *UnstoredError), so that
// only the others are reported undelivered. Nothing is stored.
func TestDelivererFullUnstored(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failAt  int // first request answered 503; -1: none
		wantErr string
	}{
		{"delivered", -1, ""},
		{"third chunk fails", 2, "full, and sent without storing: callback failed after 2 attempts: status 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := newCallbackSink(t, func(n int) int {
				if tc.failAt >= 0 && n >= tc.failAt {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			})
			ob := openStore(t, outbox.Options{MaxBytes: 1000})
			c := client(t, be.URL)
			var told []string
			d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob,
				Unstored: func(id string, why error) {
					var fe *outbox.FullError
					if errors.As(why, &fe) {
						told = append(told, id+" "+fe.Path)
					}
				}}
			rep := report(t, "big", 40)
			err := d.Deliver(context.Background(), rep)
			if fmt.Sprint(told) != "[big "+ob.Path()+"]" {
				t.Errorf("hook told %q", told)
			}
			want := bodies(t, c, rep)
			reqs := be.Requests()
			if tc.wantErr == "" {
				if err != nil || len(reqs) != len(want) {
					t.Fatalf("error %v, %d requests for %d bodies", err, len(reqs), len(want))
				}
			} else {
				var te *transport.TransmissionError
				var ue *outbox.UnstoredError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &te) ||
					te.Chunk != tc.failAt || fmt.Sprint(te.Delivered) != "[0 1]" ||
					!errors.As(err, &ue) || fmt.Sprint(ue.Delivered) != "[0 1]" {
					t.Fatalf("error = %v", err)
				}
				// The chunks delivered and lost are said once, in one parenthesis.
				once := fmt.Sprintf(" (delivered chunks 0-1 of %d; chunks 2-%d neither sent nor kept)", ue.Total, ue.Total-1)
				if !strings.HasSuffix(err.Error(), once) || strings.Count(err.Error(), "(") != strings.Count(once, "(") {
					t.Errorf("error = %v, want it to end %q, the chunks said once", err, once)
				}
			}
			for i, r := range reqs {
				k := min(i, len(want)-1)
				if tc.failAt >= 0 {
					k = min(i, tc.failAt)
				}
				wantSent(t, i, r, "big", k, want[k])
			}
			wantEmpty(t, ob, "after sending unstored")
		})
	}
}
