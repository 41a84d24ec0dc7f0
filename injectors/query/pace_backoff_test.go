package query

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// TestBackoffSharesTheKey runs two injects at once with one key, as
// serve's workers do (two Executors sharing one Pacer): the first one's
// search is answered with an error worth a retry, the second's is not.
// A server error says nothing of the key's rate: while the first waits
// its backoff (1 s, 2 s, 4 s), the key is free, and the second's request
// goes one second after the error, as the rate alone asks, not once the
// first's retries are over (seven seconds and more later: serve's workers
// stalled behind one failing query). A 429 is the key's rate spent (by
// another process, say) and a Retry-After the engine's wait for the key:
// the second waits for the first's retry. Whatever the case, no two
// requests of the key go less than a second apart.
func TestBackoffSharesTheKey(t *testing.T) {
	tests := []struct {
		name     string
		first    shodantest.Reply // the first inject's answer, every attempt
		times    int              // how many of them
		want1st  framework.ExecutionStatus
		wantNext time.Duration // from the first request to the second inject's
	}{
		{"500: the key free during the backoff", shodantest.Reply{Status: http.StatusInternalServerError,
			Body: shodantest.ErrorBody("Request timed out")}, 4, framework.StatusFailed, time.Second},
		{"502 from a proxy: the key free", shodantest.Reply{Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"},
			4, framework.StatusFailed, time.Second},
		{"429: the key held for the retry", shodantest.Reply{Status: http.StatusTooManyRequests,
			Header: http.Header{"Retry-After": {"3"}}, Body: shodantest.ErrorBody("Rate limit reached")}, 1,
			framework.StatusSuccess, 4 * time.Second},
		{"503 with Retry-After: the key held", shodantest.Reply{Status: http.StatusServiceUnavailable,
			Header: http.Header{"Retry-After": {"2"}}, Body: shodantest.ErrorBody("busy")}, 1,
			framework.StatusSuccess, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pacer := NewPacer()
				// One stand-in each, so that the first's scripted answers
				// go to its requests alone; both enforce the key's rate.
				srvs := [2]*shodantest.Server{shodantest.NewHandler(testKey), shodantest.NewHandler(testKey)}
				for range tt.times {
					srvs[0].Enqueue(tt.first)
				}
				run := func(i int, out chan<- framework.ToolOutput) {
					e := New(WithPacer(pacer))
					if err := e.Configure(map[string]string{SettingShodanBaseURL: "http://127.0.0.1:1", SettingShodanAPIKey: testKey}); err != nil {
						t.Error(err)
					}
					e.client = &http.Client{Transport: handlerTransport{srvs[i]}}
					out <- e.Execute(context.Background(), newInject(t, zap.NewNop(),
						&Params{MaxResults: 10, Provider: ProviderShodan}, signatures.ExternalConfig{Query: "nginx"}))
				}
				var outs [2]chan framework.ToolOutput
				for i := range outs {
					outs[i] = make(chan framework.ToolOutput, 1)
				}
				go run(0, outs[0])
				<-srvs[0].Requested(1) // the first holds the key's turn
				go run(1, outs[1])
				second := <-outs[1]
				secondDone := time.Now()
				first := <-outs[0]
				if second.Status != framework.StatusSuccess {
					t.Errorf("second inject: status %q, want success", second.Status)
				}
				if first.Status != tt.want1st {
					t.Errorf("first inject: status %q, want %q", first.Status, tt.want1st)
				}
				r0, r1 := srvs[0].Requests(), srvs[1].Requests()
				if len(r1) != 1 {
					t.Fatalf("second inject: %d requests, want 1", len(r1))
				}
				if r1[0].Status != http.StatusOK {
					t.Errorf("second inject's request answered %d, want 200", r1[0].Status)
				}
				if got := r1[0].At.Sub(r0[0].At); got != tt.wantNext {
					t.Errorf("second inject's request %v after the first's, want %v", got, tt.wantNext)
				}
				if got := secondDone.Sub(r1[0].At); got != 0 {
					t.Errorf("second inject done %v after its request, want at once", got)
				}
				var at []time.Time
				for _, r := range append(r0, r1...) {
					at = append(at, r.At)
				}
				slices.SortFunc(at, time.Time.Compare)
				for i := 1; i < len(at); i++ {
					if gap := at[i].Sub(at[i-1]); gap < time.Second {
						t.Errorf("requests %d and %d of the key %v apart, want a second at least", i-1, i, gap)
					}
				}
			})
		})
	}
}
