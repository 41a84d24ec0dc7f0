package query

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestLongQueryRefused: a query that would not fit in Shodan's search URL
// (a request line past 8 KiB, which nginx's default answers 414) is
// refused before anything is sent, exit 2, from --query and an inject
// file, run and validate: the error names the query's flag or key and
// its length, never the query itself.
func TestLongQueryRefused(t *testing.T) {
	long := strings.Repeat("a", MaxEscapedQuery+1)
	huge := strings.TrimSpace(strings.Repeat("apache ", 900<<10/7))
	for _, tt := range []struct {
		name, query, command string
		file                 bool
		want                 string
	}{
		{"--query", long, "run", false, fmt.Sprintf("invalid --query: is %d bytes, %d once", len(long), len(long))},
		{"--query, validate", long, "validate", false, "invalid --query: is "},
		{"900 KB in an inject file", huge, "run", true, fmt.Sprintf("invalid targets[0].query: is %d bytes", len(huge))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			code, out, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
				"INJECTKIT_OUTBOX": "none"}, append([]string{"injectkit", tt.command, "query"}, queryArgs(t, tt.query, tt.file)...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%.500s", code, errs.String())
			}
			if !strings.Contains(errs.String(), tt.want) || !strings.Contains(errs.String(), "shorten the query") {
				t.Errorf("stderr does not say %q:\n%.500s", tt.want, errs.String())
			}
			if shown := out.String() + errs.String(); strings.Contains(shown, strings.Repeat(tt.query[:7], 200)) {
				t.Errorf("the query shown whole (%d bytes out)", len(shown))
			}
			if got := srv.Requests(); len(got) != 0 {
				t.Errorf("%d requests sent", len(got))
			}
		})
	}
}

// TestQueryLengthBound: the bound is on the query as it is sent, narrowed
// to its target and URL-escaped (a character outside ASCII is 6 bytes,
// %C3%A9), MaxEscapedQuery itself accepted.
func TestQueryLengthBound(t *testing.T) {
	e := New()
	narrow := " ip:192.0.2.1"
	for _, tt := range []struct {
		name string
		c    signatures.ExternalConfig
		ok   bool
	}{
		{"at the bound", signatures.ExternalConfig{Query: strings.Repeat("a", MaxEscapedQuery)}, true},
		{"one past", signatures.ExternalConfig{Query: strings.Repeat("a", MaxEscapedQuery+1)}, false},
		{"narrowed, at the bound", signatures.ExternalConfig{Query: strings.Repeat("a", MaxEscapedQuery-len(url.QueryEscape(narrow))),
			TargetIPv4: "192.0.2.1"}, true},
		{"narrowed, one past", signatures.ExternalConfig{Query: strings.Repeat("a", MaxEscapedQuery-len(url.QueryEscape(narrow))+1),
			TargetIPv4: "192.0.2.1"}, false},
		{"escaped past it", signatures.ExternalConfig{Query: strings.Repeat("é", MaxEscapedQuery/6+1)}, false},
		{"escaped within it", signatures.ExternalConfig{Query: strings.Repeat("é", MaxEscapedQuery/6)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := e.ValidateTargets([]framework.Target{{Config: signatures.ExternalConfig{Query: "ok"}}, {Config: tt.c}})
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateTargets = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "invalid targets[1].query: is ") {
				t.Errorf("err = %.200s, want it to name targets[1].query", err)
			}
		})
	}
}
