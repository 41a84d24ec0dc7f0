package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContractsRoute: GET /contracts/{id} of the stats server says what
// the platform stores of a registered contract: of nmap's, its platform
// and domain, and of its attack patterns only those -attack-patterns
// holds; a contract it does not hold is a 404.
func TestContractsRoute(t *testing.T) {
	for _, tt := range []struct {
		name string
		held []string
		want []string
	}{
		{"a fresh platform", nil, []string{}},
		{"after its ATT&CK import", []string{"-attack-patterns", "T1595,T1046"}, []string{"T1046"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			statsFile := filepath.Join(t.TempDir(), "stats")
			_, stop := start(t, append([]string{"-register", "nmap", "-stats-url-file", statsFile}, tt.held...)...)
			defer stop()
			statsURL, err := os.ReadFile(statsFile)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(string(statsURL) + "/contracts/" + openaev.ContractID("nmap"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var c openaevtest.StoredContract
			if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET /contracts: %d, %v", resp.StatusCode, err)
			}
			if !slices.Equal(c.AttackPatterns, tt.want) || !slices.Equal(c.Platforms, []string{"Linux"}) ||
				!slices.Equal(c.Domains, []string{"Network"}) || !c.AtomicTesting {
				t.Errorf("stored %+v, want attack patterns %v", c, tt.want)
			}
			resp, err = http.Get(string(statsURL) + "/contracts/nosuch")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /contracts/nosuch: %d, want 404", resp.StatusCode)
			}
		})
	}
}
