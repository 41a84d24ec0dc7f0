package query

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestSpentCreditsStopTheFilteredQueries: once Shodan answers that the
// key's query credits are spent (the stand-in's 401 "Insufficient query
// credits …"), the run sends no later query that would cost one (a
// filter: every configuration narrowed to its target, or a query of its
// own with name:value), which Shodan would refuse alike, one a second:
// each fails without a request, a target not reached naming the
// configuration the credits ran out on, and the run says so in one WARN
// line. A first page without a filter is free, and still goes.
func TestSpentCreditsStopTheFilteredQueries(t *testing.T) {
	const why = "not queried: Shodan's query credits ran out on targets[1] (HTTP 401)"
	cfgs := []signatures.ExternalConfig{
		{Query: "apache", TargetIPv4: "192.0.2.1"},  // the last credit
		{Query: "apache", TargetIPv4: "192.0.2.2"},  // refused: none left
		{Query: "port:22"},                          // a filter: not sent
		{Query: `"Server: nginx"`},                  // a phrase, no filter: free, sent
		{Query: "ssh", TargetHostname: "a.example"}, // narrowed: not sent
	}
	srv := newStandIn(t)
	srv.SetQueryCredits(1)
	e, _ := newTestExecutor(t, srv, nil)
	log, logs := observedLogger()
	in := newInject(t, log, nil, cfgs...)
	out := e.Execute(context.Background(), in)
	var sent []string
	for _, r := range srv.Requests() {
		sent = append(sent, r.Query)
	}
	if want := []string{"apache ip:192.0.2.1", "apache ip:192.0.2.2", `"Server: nginx"`}; !reflect.DeepEqual(sent, want) {
		t.Errorf("the engine got %q, want %q", sent, want)
	}
	want := map[framework.Target]string{in.Targets[2]: why, in.Targets[4]: why}
	if !reflect.DeepEqual(out.Unreached, want) {
		t.Errorf("Unreached = %v, want %v", out.Unreached, want)
	}
	rs := results(t, out)
	for _, i := range []int{2, 4} {
		if rs[i].Status != ResultFailed || !strings.Contains(rs[i].Error, "not run: Shodan's query credits ran out on targets[1]") {
			t.Errorf("results[%d] = %s %q, want failed, not run", i, rs[i].Status, rs[i].Error)
		}
	}
	if rs[1].Status != ResultFailed || !strings.Contains(rs[1].Error, "query credits exhausted") {
		t.Errorf("results[1] = %s %q, want the credits' refusal", rs[1].Status, rs[1].Error)
	}
	if rs[0].Status != ResultSuccess || rs[3].Status != ResultSuccess {
		t.Errorf("results[0], [3] = %s, %s, want success", rs[0].Status, rs[3].Status)
	}
	said := logs.FilterMessageSnippet("query credits").All()
	if len(said) != 1 || said[0].Level.String() != "warn" || said[0].ContextMap()["not_sent"] != int64(2) {
		t.Errorf("said %v, want one WARN counting 2 queries not sent", said)
	}
}

// TestUsesFilter: a query uses a filter when a term names one before a
// colon outside quotes, as the stand-in (and Shodan) reads it.
func TestUsesFilter(t *testing.T) {
	for _, tt := range []struct {
		query string
		want  bool
	}{
		{"apache", false}, {"port:22", true}, {"-port:22", true}, {`product:"Apache httpd"`, true},
		{`"Server: nginx"`, false}, {`"Server: nginx" country:DE`, true}, {":22", false}, {"apache ip:192.0.2.1", true},
		{"a\tb:c", true}, {`"a b" :c`, false},
	} {
		if got := usesFilter(tt.query); got != tt.want {
			t.Errorf("usesFilter(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}
