package builtin_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// Two query injects of one Shodan key run at once, each with the Executor
// the registry builds for it (as serve's workers do): the stand-in, on
// loopback and enforcing Shodan's one request a second, sees their
// requests a second apart and answers none with a 429.
func TestQueryRunsOfOneKeyArePacedAcrossExecutors(t *testing.T) {
	srv := shodantest.NewServer("k-shared")
	t.Cleanup(srv.Close)
	reg := framework.NewRegistry()
	builtin.Register(reg)
	done := make(chan framework.ToolOutput, 2)
	for range 2 {
		ex, err := reg.New("query")
		if err != nil {
			t.Fatal(err)
		}
		if err := ex.(framework.Configurer).Configure(map[string]string{
			query.SettingShodanBaseURL: srv.URL, query.SettingShodanAPIKey: "k-shared"}); err != nil {
			t.Fatal(err)
		}
		in := frameworktest.InjectWith(t, ex, frameworktest.WithParams(&query.Params{MaxResults: 10, Provider: query.ProviderShodan}),
			frameworktest.WithTargets(signatures.ExternalConfig{Query: "nginx"}))
		go func() { done <- ex.Execute(context.Background(), in) }()
	}
	for range 2 {
		if out := <-done; out.Status != framework.StatusSuccess {
			t.Errorf("status %q, want success", out.Status)
		}
	}
	reqs := srv.Requests()
	for _, r := range reqs {
		if r.Status != http.StatusOK {
			t.Errorf("a request answered %d, want 200", r.Status)
		}
	}
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < time.Second {
		t.Errorf("requests %v apart, want a second at least", gap)
	}
}
