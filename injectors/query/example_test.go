package query_test

import (
	"context"
	"fmt"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// Example runs one exposure query, narrowed to a target, against the local
// Shodan stand-in.
func Example() {
	srv := shodantest.NewServer("example-key")
	defer srv.Close()

	e := query.New()
	if err := e.Configure(map[string]string{"shodan_base_url": srv.URL, "shodan_api_key": "example-key"}); err != nil {
		fmt.Println(err)
		return
	}
	in := &framework.Inject{
		ID:               "demo",
		Injector:         query.Name,
		Category:         framework.External,
		Targets:          []framework.Target{{Config: signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"}}},
		ExpectationTypes: []framework.ExpectationType{framework.Vulnerability},
		Params:           e.NewParams(),
	}
	out := e.Execute(context.Background(), in)

	fmt.Println("status:", out.Status)
	for _, r := range out.Findings["results"].([]query.ConfigResult) {
		fmt.Printf("%q: %d of %d matches\n", r.Query, len(r.Matches), r.Total)
	}
	fmt.Println("matched_ips:", out.Findings[query.FieldMatchedIPs])
	fmt.Println("cves:", out.TargetExtras[in.Targets[0]][framework.Vulnerability]["cves"])
	// Output:
	// status: success
	// "apache ip:127.0.0.1": 1 of 1 matches
	// matched_ips: [127.0.0.1]
	// cves: [CVE-2021-41773 CVE-2021-42013 CVE-2023-25690 CVE-2024-38476]
}
