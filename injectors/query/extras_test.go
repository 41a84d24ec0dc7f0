package query

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Each configuration that did not succeed, failed, partial or cancelled,
// has its error in a query_error extra of every expectation type asked
// for, as the README's extras table says; a success has none.
func TestQueryErrorExtra(t *testing.T) {
	results := []ConfigResult{
		{Query: "apache", Status: ResultSuccess},
		{Query: "nginx", Status: ResultFailed, Error: "targets[1]: shodan: page 1: invalid or unauthorised API key (HTTP 401: Invalid API key)"},
		{Query: "iis", Status: ResultPartial, Error: "targets[2]: shodan: page 2: server error (HTTP 500 …)"},
		{Query: "tomcat", Status: ResultCancelled, Error: "targets[3]: not run: context canceled"},
	}
	types := []framework.ExpectationType{framework.Vulnerability}
	targets := make([]framework.Target, len(results))
	for i, r := range results {
		targets[i] = framework.Target{Config: signatures.ExternalConfig{Query: r.Query}}
	}
	out := buildOutput(results, targets, types, ProviderShodan)
	for i, r := range results {
		for _, typ := range types {
			got, ok := out.TargetExtras[targets[i]][typ][ExtraQueryError]
			switch {
			case r.Status == ResultSuccess && ok:
				t.Errorf("%s: a success has query_error %v", r.Status, got)
			case r.Status != ResultSuccess && got != r.Error:
				t.Errorf("%s: query_error = %v, want %q", r.Status, got, r.Error)
			}
		}
	}
}
