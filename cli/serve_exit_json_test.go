package cli_test

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// Under --log-format json (or INJECTKIT_LOG_FORMAT=json) every line serve
// writes on stderr is a JSON log line, the one it exits with included:
// an ERROR "exiting on an error" with exit_code and error (and hint).
// It was a plain "injectkit: …" line, the one line a log pipeline could
// not parse, and the one saying why the daemon stopped. A console log
// keeps the plain line.
func TestServeExitLineIsJSONUnderJSONLogs(t *testing.T) {
	const wrong = "wrong-token-t176-secret"
	p := openaevtest.NewPlatform(t, serveToken)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	base := []string{"serve", "--openaev-url", p.URL, "--injector-id", injectorID, "--injectors", "noop", "--outbox", "none"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in the error (the JSON line's, or the plain line's)
		json bool
	}{
		{"listen address taken", nil, []string{"--token", serveToken, "--listen-addr", taken.Addr().String(), "--log-format", "json"},
			cli.ExitDelivery, "listen on " + taken.Addr().String(), true},
		{"token refused", map[string]string{"INJECTKIT_TOKEN": wrong}, []string{"--listen-addr", "", "--log-format", "json"},
			cli.ExitDelivery, "register: the platform refuses the token (status 401", true},
		{"invalid setting, format from the environment", map[string]string{"INJECTKIT_LOG_FORMAT": "json"},
			[]string{"--token", serveToken, "--listen-addr", "", "--workers", "0"}, cli.ExitUsage, `invalid workers "0" (--workers)`, true},
		{"console log", nil, []string{"--token", serveToken, "--listen-addr", taken.Addr().String()},
			cli.ExitDelivery, "listen on " + taken.Addr().String(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, serveRegistry(), tt.env, append(base, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, tt.code, r.stderr)
			}
			if strings.Contains(r.stderr, wrong) {
				t.Errorf("the token shows on stderr:\n%s", r.stderr)
			}
			if !tt.json {
				if !strings.Contains(r.stderr, "injectkit: "+tt.want) {
					t.Errorf("no plain line saying %q:\n%s", tt.want, r.stderr)
				}
				return
			}
			var exits []map[string]any
			for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Errorf("a stderr line is not JSON (%v): %s", err, line)
					continue
				}
				if m["msg"] == cli.ExitMessage {
					exits = append(exits, m)
				}
			}
			if len(exits) != 1 {
				t.Fatalf("%d %q lines, want 1:\n%s", len(exits), cli.ExitMessage, r.stderr)
			}
			e := exits[0]
			msg, _ := e["error"].(string)
			if e["level"] != "error" || e["exit_code"] != float64(tt.code) || !strings.Contains(msg, tt.want) {
				t.Errorf("exit line %v, want an ERROR with exit_code %d and an error saying %q", e, tt.code, tt.want)
			}
		})
	}
}
