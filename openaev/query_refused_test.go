package openaev_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/runtime"
)

// A query inject whose query the injector refuses names the field the
// message holds it in, inject_content.query, with the query shown as run
// shows an inject file's (targets[0].query "…"), whatever the selector:
// the query is no target, and a manual selector's inject_content.targets
// named the wrong field and hid the value as it hides a refused address
// ("(not shown)"), an assets selector's targets[0].query a field the
// message does not have. A query holding the key stays withheld. Nothing
// is sent to Shodan (no base URL answers: the key's requests would fail
// the run, not refuse it), and the platform gets its reception and an
// INVALID_USAGE naming the field.
func TestQueryRefusalNamesContentQuery(t *testing.T) {
	const key = "k3y-S3cr3t-v4lue"
	long := strings.Repeat("a", query.MaxEscapedQuery+1)
	tests := []struct {
		name    string
		content map[string]any
		assets  []map[string]any
		want    string
	}{
		{"unclosed quote, manual", manualQuery(`product:"Apache`), nil,
			`invalid inject_content.query "product:\"Apache": holds an unclosed double quote`},
		{"bidi override, manual", manualQuery("apache\u202eevil"), nil,
			`invalid inject_content.query "apache\u202eevil": holds the non-printable character U+202E at byte 6`},
		{"too long, manual", manualQuery(long), nil, "invalid inject_content.query: is 8065 bytes, "},
		{"too long, no target", map[string]any{"target_selector": "manual", "targets": "", "query": long}, nil,
			"invalid inject_content.query: is 8065 bytes, "},
		{"too long, assets", map[string]any{"target_selector": "assets", "query": long},
			[]map[string]any{asset("asset", "a1", "web1.example.com", "192.0.2.1", nil)},
			"invalid inject_content.query: is 8065 bytes, "},
		{"the key, manual", manualQuery("apache " + key), nil, "invalid inject_content.query (value withheld): holds a secret"},
		{"a manual target stays the targets'", map[string]any{"target_selector": "manual", "targets": "-oN/x", "query": "apache"},
			nil, `invalid inject_content.targets "-oN/x"`},
		// A query of another JSON type than a string is refused as an
		// inject file's is, in its words: it was sent to Shodan as its
		// text (123, true), or as a list's one item.
		{"a number", manualQuery(123), nil, `invalid inject_content.query "123": wrong JSON type: a number, want a string`},
		{"a boolean", manualQuery(true), nil, `invalid inject_content.query "true": wrong JSON type: a boolean, want a string`},
		{"a list of one", manualQuery([]string{"apache"}), nil, "invalid inject_content.query: wrong JSON type: an array, want a string"},
		{"an object", manualQuery(map[string]any{"q": "apache"}), nil,
			"invalid inject_content.query: wrong JSON type: an object, want a string"},
		{"a number, no target", map[string]any{"query": 443}, nil,
			`invalid inject_content.query "443": wrong JSON type: a number, want a string`},
		// A param of a JSON type its form field never sends (a checkbox's
		// boolean to a number, a number to a select, an object, a list of
		// several) is refused in an inject file's words too, naming the
		// value: it read as the text of the value, or "want one value".
		{"max_results a boolean", withParam("max_results", true), nil,
			`invalid inject_content.max_results "true": wrong JSON type, want a whole number`},
		{"max_results a list of two", withParam("max_results", []int{1, 2}), nil,
			`invalid inject_content.max_results "[1,2]": wrong JSON type, want a whole number`},
		{"max_results an object", withParam("max_results", map[string]int{"a": 1}), nil,
			`invalid inject_content.max_results "{\"a\":1}": wrong JSON type, want a whole number`},
		{"provider a number", withParam("provider", 7), nil, `invalid inject_content.provider "7": wrong JSON type, want a string`},
		{"provider a list of two", withParam("provider", []string{"shodan", "censys"}), nil,
			`invalid inject_content.provider "[\"shodan\",\"censys\"]": wrong JSON type, want a string`},
		{"provider unknown", withParam("provider", "censys"), nil, `invalid inject_content.provider "censys": not one of shodan`},
		{"max_results out of range", withParam("max_results", "1001"), nil,
			`invalid inject_content.max_results "1001": must be between 1 and 1000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.registry.Register("query", func() framework.Executor { return query.New() })
			e.build([]framework.Manifest{query.New().Manifest()}, runtime.WithSettings(func(string) map[string]string {
				return map[string]string{query.SettingShodanAPIKey: key, query.SettingShodanBaseURL: "http://127.0.0.1:1"}
			}))
			err := e.proc.Process(context.Background(), e.message(t, "inj-q", "query", tt.content, tt.assets, nil))
			wantMessageError("inj-q")(t, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to hold %q", err, tt.want)
			}
			calls := withoutSettings(e.platform.AllCalls())
			if got := strings.Join(kinds(calls), ", "); got != "reception 200, complete 200" {
				t.Fatalf("calls = %q, want the reception and the complete", got)
			}
			last := calls[len(calls)-1].Body
			msg, _ := last["execution_message"].(string)
			if last["execution_status"] != "INVALID_USAGE" || !strings.Contains(msg, tt.want) {
				t.Errorf("terminal = %v %q, want INVALID_USAGE holding %q", last["execution_status"], msg, tt.want)
			}
			if strings.Contains(msg, key) || strings.Contains(err.Error(), key) {
				t.Errorf("the key shows: %q", msg)
			}
		})
	}
}

// manual2 is the content of a query inject narrowed to a manual target,
// its query q as the message holds it, of any JSON type.
func manualQuery(q any) map[string]any {
	return map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "query": q}
}

// withParam is the content of a query inject of apache narrowed to a
// manual target, its param name given value, of any JSON type.
func withParam(name string, value any) map[string]any {
	c := manualQuery("apache")
	c[name] = value
	return c
}
