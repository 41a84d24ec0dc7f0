package query

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
)

// TestQueryHoldingTheKeyRefused: a query that holds the API key (pasted
// in the wrong place, or a Shodan filter around it) would send the key as
// the search and carry it in the query signature to the platform. It is
// refused before anything is sent or stored, exit 2, naming the field and
// withholding the value, from --query, an inject file, run and validate.
func TestQueryHoldingTheKeyRefused(t *testing.T) {
	for _, tt := range []struct {
		name, query string
		file        bool
		command     string
	}{
		{"the key as --query", testKey, false, "run"},
		{"the key within --query", "port:22 " + testKey, false, "run"},
		{"the key in an inject file", testKey, true, "run"},
		{"the key as --query, validate", testKey, false, "validate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			getenv := func(k string) string {
				return map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
					"INJECTKIT_OUTBOX": "none"}[k]
			}
			args := []string{tt.command, "query", "--log-level", "debug"}
			if tt.file {
				args = append(args, "--inject-file", testkit.WriteJSON(t, "inject.json", map[string]any{
					"inject_id": "q-1", "targets": []map[string]any{{"query": tt.query}}}))
			} else {
				args = append(args, "--query", tt.query)
			}
			reg := framework.NewRegistry()
			reg.Register(Name, func() framework.Executor { return New() })
			var out, errs bytes.Buffer
			code := cli.Run(context.Background(), cli.Options{Registry: reg, Version: "9.9.9", Stdout: &out, Stderr: &errs, Getenv: getenv},
				append([]string{"injectkit"}, args...))
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, errs.String())
			}
			last := strings.TrimSpace(errs.String())
			last = last[strings.LastIndexByte(last, '\n')+1:]
			if !strings.Contains(last, "query") || !strings.Contains(last, ": holds a secret") {
				t.Errorf("the error does not name the query as holding a secret: %s", last)
			}
			if shown := out.String() + errs.String(); strings.Contains(shown, testKey) {
				t.Errorf("the key shown:\n%s", shown)
			}
			if got := srv.Requests(); len(got) != 0 {
				t.Errorf("%d requests sent", len(got))
			}
		})
	}
}
