package cli

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// t104: the text summary shows the whole of nmap's findings, as its README
// says: the open ports of a host matching no target, which nmap keeps in
// unmatched_results (not scan_results), included. The findings are those
// the nmap injector gave for a real nmap's report of an extra host (its
// testdata golden).
func TestWriteSummaryNmapUnmatchedResults(t *testing.T) {
	dir := filepath.Join("..", "injectors", "nmap", "testdata", "unmatched")
	var inject struct {
		Targets []struct {
			Config map[string]string `json:"config"`
		} `json:"targets"`
	}
	var expected struct {
		Status   string         `json:"status"`
		Findings map[string]any `json:"findings"`
	}
	for name, v := range map[string]any{"inject.json": &inject, "expected.json": &expected} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	tests := []struct {
		name   string
		hosts  []string // unmatched_hosts, when not the golden's
		strays string
	}{
		{"the golden", nil, "127.0.0.2 18100/tcp open"},
		{"and a host up without an open port", []string{"127.0.0.2", "127.0.0.3"}, "127.0.0.2 18100/tcp open; 127.0.0.3 no open port"},
	}
	var values []string
	for _, tg := range inject.Targets {
		for _, v := range tg.Config {
			values = append(values, v)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings := maps.Clone(expected.Findings)
			if tt.hosts != nil {
				findings["unmatched_hosts"] = tt.hosts
			}
			r := runtime.Report{Injector: "nmap", Status: signatures.ExecutionStatus(expected.Status), Targets: networkTargets(values...),
				Output: framework.ToolOutput{Findings: findings}}
			var b strings.Builder
			writeSummary(&b, &r, "done")
			want := `nmap: partial · 2 targets · 0s
  127.0.0.1  1 open port
      18100/tcp open
  localhost  not scanned
  findings:
      hosts matching no target: ` + tt.strays + `
done
`
			if got := b.String(); got != want {
				t.Errorf("summary:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
