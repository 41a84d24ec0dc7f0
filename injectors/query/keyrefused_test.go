package query

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestRefusedKeyStopsTheRun checks that once Shodan refuses the API key
// (its HTML 401, no message of its own), the run sends it no more: every
// later configuration fails without a request, each a target not
// reached naming the configuration whose query was refused, instead of
// one refused request a second per configuration (256 for a /24). The
// configuration refused keeps its signatures (the engine saw its
// query); one refused for spent credits (a 401 too) does not stop the
// run: a first page without a filter is still free.
func TestRefusedKeyStopsTheRun(t *testing.T) {
	const why = "not queried: Shodan refused the API key on targets[0] (HTTP 401)"
	cfgs := []signatures.ExternalConfig{{Query: "apache"}, {Query: "nginx"}, {Query: "apache", TargetIPv4: "192.0.2.50"}}
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, map[string]string{SettingShodanAPIKey: "not-the-key-1234"})
	in := newInject(t, zap.NewNop(), nil, cfgs...)
	out := e.Execute(context.Background(), in)
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("the engine got %d requests, want 1 (none after the key was refused)", n)
	}
	if out.ExecutionStatus() != framework.StatusFailed {
		t.Errorf("status %q, want failed", out.ExecutionStatus())
	}
	want := map[framework.Target]string{in.Targets[1]: why, in.Targets[2]: why}
	if !reflect.DeepEqual(out.Unreached, want) {
		t.Errorf("Unreached = %v, want %v", out.Unreached, want)
	}
	rs := results(t, out)
	for i, r := range rs {
		if r.Status != ResultFailed || !strings.Contains(r.Error, "invalid or unauthorised API key") && i == 0 {
			t.Errorf("results[%d] = %s %q, want failed, the key refused", i, r.Status, r.Error)
		}
		if i > 0 && !strings.Contains(r.Error, "not run: Shodan refused the API key on targets[0]") {
			t.Errorf("results[%d].error = %q, want it to name the refusal of targets[0]", i, r.Error)
		}
	}
	p, err := runtime.PayloadOf(signatures.NewManager(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, v := range p.Targets[0].SignatureValues[0].Values {
		got[v.SignatureType] = v.SignatureValue
	}
	if got["query"] != "apache" || got[ExtraQueryError] == nil {
		t.Errorf("targets[0] (queried, refused) = %v, want its query and query_error", got)
	}

	// Spent credits are no refused key: the next configuration is sent.
	srv2 := newStandIn(t)
	srv2.SetQueryCredits(0)
	e2, _ := newTestExecutor(t, srv2, nil)
	out2 := e2.Execute(context.Background(), newInject(t, zap.NewNop(), nil,
		signatures.ExternalConfig{Query: "port:443"}, signatures.ExternalConfig{Query: "nginx"}))
	if n := len(srv2.Requests()); n != 2 {
		t.Errorf("credits spent: the engine got %d requests, want 2", n)
	}
	if out2.ExecutionStatus() != framework.StatusPartial {
		t.Errorf("credits spent: status %q, want partial (the free query succeeded)", out2.ExecutionStatus())
	}
}

// TestPlanRefusalDoesNotStopTheRun: a 401 whose message asks to upgrade
// the key's plan for this request ("Please upgrade your API plan to use
// filters or paging", Shodan's answer to a filter of a key without the
// plan) refuses that request, not the key: the next configuration, a
// first page without a filter, is still sent and answered.
func TestPlanRefusalDoesNotStopTheRun(t *testing.T) {
	var queries []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("query")
		mu.Lock()
		queries = append(queries, q)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(q, ":") {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error": "Please upgrade your API plan to use filters or paging."}`)
			return
		}
		io.WriteString(w, `{"matches": [], "total": 0}`)
	}))
	t.Cleanup(srv.Close)
	e := New()
	if err := e.Configure(map[string]string{SettingShodanBaseURL: srv.URL, SettingShodanAPIKey: testKey, SettingRequestTimeout: "30s"}); err != nil {
		t.Fatal(err)
	}
	e.retry.timer = &recordTimer{}
	e.minGap = time.Nanosecond
	t.Cleanup(func() { _ = e.Close() })
	in := newInject(t, zap.NewNop(), nil, signatures.ExternalConfig{Query: "port:443"}, signatures.ExternalConfig{Query: "nginx"})
	out := e.Execute(context.Background(), in)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"port:443", "nginx"}; !reflect.DeepEqual(queries, want) {
		t.Errorf("the engine got %q, want %q: a plan's refusal is no refused key", queries, want)
	}
	if len(out.Unreached) != 0 {
		t.Errorf("Unreached = %v, want none", out.Unreached)
	}
	rs := results(t, out)
	if len(rs) != 2 || rs[0].Status != ResultFailed || rs[1].Status != ResultSuccess {
		t.Errorf("results %+v, want the first failed, the second a success", rs)
	}
}
