package httpx

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// TestPosterAnswered: ctx's Answered hook (WithSendingAnswered) is called
// with the status of each request answered that the server did not take
// the body (a 429, a 503 of its own) and that is retried, before the wait;
// never for one that got no answer (a 502, a 504, Envoy's reset 503, a
// cut connection), the last request, a 2xx, or once WithSending(ctx, nil)
// removed the hooks.
func TestPosterAnswered(t *testing.T) {
	envoy := "upstream connect error or disconnect/reset before headers. reset reason: connection termination"
	tests := []struct {
		name   string
		steps  []recorder.Reply
		remove bool
		want   []string
	}{
		{"503, 429, then 200", []recorder.Reply{{Status: 503}, {Status: 429}}, false,
			[]string{"sending", "answered 503", "sending", "answered 429", "sending"}},
		{"504 and 502: no answer", []recorder.Reply{{Status: 504}, {Status: 502}}, false, []string{"sending", "sending", "sending"}},
		{"Envoy's reset 503: no answer", []recorder.Reply{{Status: 503, Body: envoy}}, false, []string{"sending", "sending"}},
		{"a cut connection", []recorder.Reply{{Cut: true}}, false, []string{"sending", "sending"}},
		{"the last request answered 503", recorder.Repeat(3, 503, ""), false,
			[]string{"sending", "answered 503", "sending", "answered 503", "sending"}},
		{"removed", []recorder.Reply{{Status: 503}}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.steps...)
			var calls []string
			ctx := WithSendingAnswered(context.Background(), func() error {
				calls = append(calls, "sending")
				return nil
			}, func(status int) { calls = append(calls, fmt.Sprintf("answered %d", status)) })
			if tt.remove {
				ctx = WithSending(ctx, nil)
			}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, Attempts: 3}
			_, _ = p.Do(ctx, Request{URL: srv.URL})
			if !reflect.DeepEqual(calls, tt.want) {
				t.Errorf("calls %q, want %q", calls, tt.want)
			}
		})
	}
}
