package cli_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// --output json with a backend URL prints what the run sends, one JSON
// document a line, as it prints what it would send without one: the
// callback profile's bodies, the openaev profile's requests. The default
// output of a pipe prints nothing then, as it always has.
func TestRunOutputJSONWithABackend(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	args := []string{"run", "noop", "--inject-id", "inj-json", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error"}
	if r := run(t, registry(), nil, args...); r.code != 0 || r.stdout != "" {
		t.Errorf("default output: exit %d, stdout %q, want 0 and nothing", r.code, r.stdout)
	}
	r := run(t, registry(), nil, append(args, "-o", "json")...)
	reqs := be.Requests()
	if r.code != 0 || len(reqs) != 2 {
		t.Fatalf("-o json: exit %d, %d requests in all, stderr %s", r.code, len(reqs), r.stderr)
	}
	if got, want := strings.TrimSuffix(r.stdout, "\n"), string(reqs[1].Body); got != want {
		t.Errorf("-o json printed\n%s\nthe backend got\n%s", got, want)
	}

	p := noopPlatform(t, "inj-oaev")
	r = run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "inj-oaev", "--target", "127.0.0.1",
		"--backend-url", p.URL, "--token", platformToken, "-o", "json", "--log-level", "error")
	if r.code != 0 {
		t.Fatalf("openaev -o json: exit %d: %s", r.code, r.stderr)
	}
	var sent []string
	for _, c := range p.Calls("inj-oaev") {
		if c.Method == http.MethodPost {
			sent = append(sent, c.Path+" "+string(c.Raw))
		}
	}
	var printed []string
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var req struct {
			Path string          `json:"path"`
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		printed = append(printed, req.Path+" "+string(req.Body))
	}
	if len(sent) == 0 || !slices.Equal(printed, sent) {
		t.Errorf("openaev -o json printed\n%s\nthe platform got\n%s", strings.Join(printed, "\n"), strings.Join(sent, "\n"))
	}
}
