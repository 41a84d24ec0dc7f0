package httpx

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// t67: a Retry-After above the cap (or below MinWait) is waited as capped,
// and the WARN line says what the server asked and what is waited; one
// waited as asked says nothing more.
func TestPosterRetryAfterLine(t *testing.T) {
	tests := []struct {
		value   string
		minWait time.Duration
		want    string // the retry_after field; "": none
	}{
		{"3600", 0, "asked 3600s, waiting 30s"},
		{"0", 1500 * time.Millisecond, "asked 0s, waiting 1.5s"},
		{"7", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			srv := newServer(t, testkit.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {tt.value}}})
			log, logs := testkit.Logger()
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}, MinWait: tt.minWait, Log: log}
			if _, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL, Body: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			lines := logs.All()
			if len(lines) != 1 {
				t.Fatalf("%d lines, want one WARN", len(lines))
			}
			got, has := lines[0].ContextMap()["retry_after"]
			if (tt.want == "") == has || has && got != tt.want {
				t.Errorf("retry_after %v (present %v), want %q", got, has, tt.want)
			}
		})
	}
}
