package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A target whose extra signatures outgrow every body once the injector
// ran costs the run neither its other targets nor that target's other
// signatures: delivered, the run exits 0 with a WARN naming the target
// and its size; not delivered (--outbox none), what stderr prints is what
// the wire would carry, never the oversize value.
func TestRunOversizeExtra(t *testing.T) {
	big := strings.Repeat("A", 64<<10)
	reg := framework.NewRegistry()
	reg.Register("big", func() framework.Executor {
		return &frameworktest.Executor{Output: framework.ToolOutput{
			TargetExtras: map[framework.Target]framework.TypeExtras{{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}: {
				framework.Detection: {"process_name": big}}}}}
	})
	tests := []struct {
		name   string
		status int
		args   []string
		code   int
	}{
		{"delivered", http.StatusOK, nil, 0},
		{"refused, no outbox", http.StatusBadRequest, []string{"--outbox", "none"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, tt.status)
			args := append([]string{"run", "big", "--inject-id", "big2", "--target", "127.0.0.1", "--target", "127.0.0.2",
				"--max-payload-size", "4096", "--backend-url", be.URL}, tt.args...)
			r := run(t, reg, nil, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, tt.code, r.stderr)
			}
			if strings.Contains(r.stderr, big[:4096]) {
				t.Errorf("stderr (%d bytes) quotes the oversize value", len(r.stderr))
			}
			if !strings.Contains(r.stderr, "extra signatures left out to fit the max payload size") ||
				!strings.Contains(r.stderr, `targets[0] \"127.0.0.1\": 66`) || !strings.Contains(r.stderr, " bytes; sent without process_name") {
				t.Errorf("no WARN naming the target and its size:\n%s", r.stderr)
			}
			var sent []string // the targets of the bodies posted, or printed undelivered
			if tt.code == 0 {
				for _, req := range be.Requests() {
					sent = append(sent, targetsOf(t, req.Body)...)
				}
			} else {
				_, dump, ok := strings.Cut(r.stderr, "undelivered signatures: ")
				if !ok {
					t.Fatalf("no undelivered signatures:\n%s", r.stderr)
				}
				dump, _, _ = strings.Cut(dump, "\n")
				sent = targetsOf(t, []byte(dump))
			}
			if strings.Join(sent, ",") != "127.0.0.1,127.0.0.2" {
				t.Errorf("targets sent or printed: %v, want both", sent)
			}
		})
	}
}

// targetsOf returns the target_ipv4 of each target of a callback body
// (or of the undelivered signatures printed).
func targetsOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var out []string
	for _, tg := range transporttest.ParseBody(t, raw).ExpectationSignature.Targets {
		for _, v := range tg.SignatureValues[0].Values {
			if v.SignatureType == "target_ipv4" {
				out = append(out, v.SignatureValue.(string))
			}
		}
	}
	return out
}
