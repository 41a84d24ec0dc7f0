package query

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// The API key, sent in each request URL's query, gets the backend
// token's WARN when it goes in clear (http://) to another host than this
// machine's loopback, and none otherwise. The WARN names the base URL's
// setting of the name the injector is registered under (a binary's
// "shodan": shodan.shodan_base_url in its config file). Only the
// provider is built: nothing is sent.
func TestClearAPIKeyWarned(t *testing.T) {
	const where = "use https:// for env INJECTKIT_SHODAN_BASE_URL or %s.shodan_base_url in the config file"
	tests := []struct {
		base     string
		injector string // registered as
		warn     bool
	}{
		{"http://192.0.2.10:8080", Name, true},
		{"http://shodan.example", Name, true},
		{"http://shodan.example", "shodan", true},
		{"https://192.0.2.10", Name, false},
		{"http://127.0.0.1:9", Name, false},
		{"http://[::1]:9", Name, false},
		{"http://localhost:9", Name, false},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.injector, func(t *testing.T) {
			e := New()
			if err := e.Configure(map[string]string{SettingShodanBaseURL: tt.base, SettingShodanAPIKey: "key-0123456789abcdef"}); err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zapcore.WarnLevel)
			if _, err := e.provider(ProviderShodan, tt.injector, zap.New(core)); err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, l := range logs.All() {
				said = append(said, l.Message)
			}
			warned := strings.Contains(strings.Join(said, "\n"), "the Shodan API key goes in clear over http://")
			if warned != tt.warn || strings.Contains(strings.Join(said, ""), "key-0123456789abcdef") {
				t.Errorf("warnings %q, want the clear key warned of: %t, never the key", said, tt.warn)
			}
			if want := fmt.Sprintf(where, tt.injector); tt.warn && !strings.HasSuffix(strings.Join(said, "\n"), want) {
				t.Errorf("warnings %q, want them to end %q", said, want)
			}
		})
	}
}

// A process's query injects (serve's, each run by the Executor its
// registry builds, all sharing one Pacer) warn of the clear key once per
// base URL, not once per inject; a loopback base URL gets no WARN. The
// stand-in is on loopback: every connection is dialled there, whatever
// host the base URL names (no name is looked up).
func TestClearAPIKeyWarnedOncePerProcess(t *testing.T) {
	srv := newStandIn(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tests := []struct {
		name  string
		bases []string // one inject each
		want  int
	}{
		{"three injects, one base URL of another host", []string{"http://shodan.test", "http://shodan.test", "http://shodan.test"}, 1},
		{"three injects, a loopback base URL", []string{srv.URL, srv.URL, srv.URL}, 0},
		{"four injects, two base URLs of other hosts", []string{"http://a.test", "http://b.test", "http://a.test", "http://b.test"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pacer := NewPacer() // the process's: builtin.Register's
			log, logs := observedLogger()
			before := len(srv.Requests())
			for i, base := range tt.bases {
				e := New(WithPacer(pacer))
				if err := e.Configure(map[string]string{SettingShodanBaseURL: base, SettingShodanAPIKey: testKey}); err != nil {
					t.Fatal(err)
				}
				e.client = &http.Client{Transport: &http.Transport{DialContext: dial}}
				e.minGap = time.Nanosecond
				in := newInject(t, log, &Params{MaxResults: 10, Provider: ProviderShodan}, signatures.ExternalConfig{Query: "apache"})
				if out := e.Execute(context.Background(), in); out.ExecutionStatus() != framework.StatusSuccess {
					t.Fatalf("inject %d: status %q, error %+v; want success", i+1, out.ExecutionStatus(), out.ErrorInfo)
				}
				_ = e.Close()
			}
			if got := len(srv.Requests()) - before; got != len(tt.bases) {
				t.Fatalf("the stand-in saw %d requests, want one an inject (%d)", got, len(tt.bases))
			}
			var warned []string
			for _, l := range logs.FilterMessageSnippet("the Shodan API key goes in clear over http://").All() {
				warned = append(warned, fmt.Sprint(l.ContextMap()["url"]))
			}
			if len(warned) != tt.want || strings.Contains(logText(logs), testKey) {
				t.Errorf("clear-key WARNs for %q, want %d, never the key", warned, tt.want)
			}
		})
	}
}
