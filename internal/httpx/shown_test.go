package httpx

import (
	"context"
	"net/http"
	"testing"
)

// canned answers every request 200 with an empty body, without a network.
type canned struct{}

func (canned) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// TestShownURLOnlyForAnError checks that a request that succeeds does not
// work out the URL its errors would show: without Shown it allocates no
// more than with it.
func TestShownURLOnlyForAnError(t *testing.T) {
	if raceOn {
		t.Skip("allocation counts vary under the race detector")
	}
	p := &Poster{Client: &http.Client{Transport: canned{}}}
	tests := []struct {
		name string
		url  string
	}{
		{"plain", "http://127.0.0.1:1/api/injects/i-1/callback"},
		{"credentials and query", "http://user:pw@127.0.0.1:1/api/injects/i-1/callback?token=t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := func(shown string) float64 {
				return testing.AllocsPerRun(50, func() {
					if _, err := p.Do(context.Background(), Request{URL: tt.url, Shown: shown, StatusOnly: true}); err != nil {
						t.Fatal(err)
					}
				})
			}
			given, worked := allocs("http://127.0.0.1:1/shown"), allocs("")
			if worked > given {
				t.Errorf("%.0f allocations without Shown, %.0f with it: want no more", worked, given)
			}
		})
	}
}
