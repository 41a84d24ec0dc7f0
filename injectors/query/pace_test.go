package query

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// handlerTransport serves requests with a handler, in memory: inside a
// synctest bubble, the handler's clock is the bubble's.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// TestExecutePacesRequests runs the executor with its default pace
// against a stand-in enforcing Shodan's rate of one request a second per
// key: no request of the run may be refused with a 429, and none waits
// longer than the rate asks.
func TestExecutePacesRequests(t *testing.T) {
	tests := []struct {
		name         string
		cfgs         []signatures.ExternalConfig
		timeout      time.Duration // of the run; 0 for none
		wantStatus   signatures.ExecutionStatus
		wantRequests int
		wantMatches  []int
	}{
		{"the pages of a configuration", []signatures.ExternalConfig{{Query: "apache"}}, 0,
			framework.StatusSuccess, 3, []int{250}},
		{"one configuration after another", []signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache", TargetIPv4: "127.0.0.1"}, {Query: "nginx", TargetHostname: "example.com"}}, 0,
			framework.StatusSuccess, 3, []int{13, 1, 8}},
		{"cancelled while pacing", []signatures.ExternalConfig{{Query: "apache"}}, 500 * time.Millisecond,
			framework.StatusTimeout, 1, []int{100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := shodantest.NewHandler(testKey) // Shodan's rate, by default
				e := New()
				if err := e.Configure(map[string]string{SettingShodanBaseURL: "http://127.0.0.1:1", SettingShodanAPIKey: testKey}); err != nil {
					t.Fatal(err)
				}
				e.client = &http.Client{Transport: handlerTransport{srv}}
				ctx := context.Background()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				start := time.Now()
				out := e.Execute(ctx, newInject(t, zap.NewNop(), &Params{MaxResults: 300, Provider: ProviderShodan}, tt.cfgs...))
				if out.Status != tt.wantStatus {
					t.Errorf("status = %q, want %q", out.Status, tt.wantStatus)
				}
				for i, r := range results(t, out) {
					if len(r.Matches) != tt.wantMatches[i] {
						t.Errorf("results[%d] = %s, %d matches (%s); want %d", i, r.Status, len(r.Matches), r.Error, tt.wantMatches[i])
					}
				}
				reqs := srv.Requests()
				if len(reqs) != tt.wantRequests {
					t.Errorf("requests = %d, want %d", len(reqs), tt.wantRequests)
				}
				for i, r := range reqs {
					if r.Status != http.StatusOK {
						t.Errorf("request %d (page %s of %q) answered %d, want 200", i, r.Page, r.Query, r.Status)
					}
					if i > 0 {
						if gap := r.At.Sub(reqs[i-1].At); gap < time.Second || gap >= 2*time.Second {
							t.Errorf("request %d sent %v after the previous one, want one second", i, gap)
						}
					}
				}
				if tt.timeout == 0 {
					if took, want := time.Since(start), time.Duration(tt.wantRequests-1)*time.Second; took != want {
						t.Errorf("run took %v, want %v (one second between requests)", took, want)
					}
				}
			})
		})
	}
}

// TestRetriesArePaced checks that a retry is paced as any request of the
// key: an answer asking for a retry at once (Retry-After 0, or a date
// already past: synctest's clock starts in 2000) still gets it one
// second after it, not sooner.
func TestRetriesArePaced(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		status     int
	}{
		{"429 Retry-After 0", "0", http.StatusTooManyRequests},
		{"503 Retry-After 0", "0", http.StatusServiceUnavailable},
		{"429 Retry-After a past date", "Sat, 01 Jan 1994 00:00:00 GMT", http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := shodantest.NewHandler(testKey) // Shodan's rate, by default
				again := shodantest.Reply{Status: tt.status, Header: http.Header{"Retry-After": {tt.retryAfter}},
					Body: shodantest.ErrorBody("Rate limit reached")}
				srv.Enqueue(again, again)
				e := New()
				if err := e.Configure(map[string]string{SettingShodanBaseURL: "http://127.0.0.1:1", SettingShodanAPIKey: testKey}); err != nil {
					t.Fatal(err)
				}
				e.client = &http.Client{Transport: handlerTransport{srv}}
				out := e.Execute(context.Background(), newInject(t, zap.NewNop(), &Params{MaxResults: 10, Provider: ProviderShodan},
					signatures.ExternalConfig{Query: "nginx"}))
				if out.Status != framework.StatusSuccess {
					t.Errorf("status = %q, want success", out.Status)
				}
				reqs := srv.Requests()
				if len(reqs) != 3 {
					t.Fatalf("requests = %d, want 3 (two retries)", len(reqs))
				}
				for i := 1; i < len(reqs); i++ {
					if gap := reqs[i].At.Sub(reqs[i-1].At); gap < time.Second {
						t.Errorf("request %d sent %v after the previous one was answered, want one second at least", i, gap)
					}
				}
			})
		})
	}
}

// TestExecutorsSharingAPacerPaceEachOther runs two injects at once, each
// with its own Executor as a registry's factory builds them (serve's
// workers), sharing one Pacer: with one key their requests reach the
// stand-in a second apart and none gets a 429; with two keys neither
// waits for the other.
func TestExecutorsSharingAPacerPaceEachOther(t *testing.T) {
	tests := []struct {
		name    string
		keys    [2]string
		wantGap time.Duration // between the two requests
	}{
		{"one key", [2]string{testKey, testKey}, time.Second},
		{"two keys", [2]string{testKey, testKey + "-other"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pacer := NewPacer()
				srvs := map[string]*shodantest.Server{}
				var done [2]chan framework.ToolOutput
				for i, key := range tt.keys {
					if srvs[key] == nil {
						srvs[key] = shodantest.NewHandler(key) // Shodan's rate, by default
					}
					e := New(WithPacer(pacer))
					if err := e.Configure(map[string]string{SettingShodanBaseURL: "http://127.0.0.1:1", SettingShodanAPIKey: key}); err != nil {
						t.Fatal(err)
					}
					e.client = &http.Client{Transport: handlerTransport{srvs[key]}}
					done[i] = make(chan framework.ToolOutput, 1)
					go func() {
						done[i] <- e.Execute(context.Background(), newInject(t, zap.NewNop(),
							&Params{MaxResults: 10, Provider: ProviderShodan}, signatures.ExternalConfig{Query: "nginx"}))
					}()
				}
				for i := range done {
					if out := <-done[i]; out.Status != framework.StatusSuccess {
						t.Errorf("run %d: status %q, want success", i, out.Status)
					}
				}
				var at []time.Time
				for _, srv := range srvs {
					for _, r := range srv.Requests() {
						if r.Status != http.StatusOK {
							t.Errorf("request of %q answered %d, want 200", r.Query, r.Status)
						}
						at = append(at, r.At)
					}
				}
				if len(at) != 2 {
					t.Fatalf("requests = %d, want 2", len(at))
				}
				if gap := max(at[1].Sub(at[0]), at[0].Sub(at[1])); gap != tt.wantGap {
					t.Errorf("requests %v apart, want %v", gap, tt.wantGap)
				}
			})
		})
	}
}
