package openaev_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// TestTargetPortReasonSaysWhatThePlatformDoes: an asset whose hostname
// holds a port (web.example:8080), which the platform stores as entered,
// lower-cased and unchecked (2.4.0 Endpoint.setHostname; EndpointInput
// has no constraint), and a manual target written with one, are refused
// saying so and naming where the injector run takes its ports: the
// contract's field the inject form shows (nmap's Ports), or that it takes
// none. The reason is the INVALID_USAGE trace the platform stores, and
// the inject ends ERROR. It said the CLI's "the ports, for an injector
// that takes any, are one of its params", params the platform has none of.
func TestTargetPortReasonSaysWhatThePlatformDoes(t *testing.T) {
	agentless := asset("asset", "a1", "web.example:8080", "", nil)
	const stored = "the platform stores an asset's hostname as entered, port included, checking none: " +
		"give the asset its host name alone, or target its seen_ip or local_ip"
	nmapPorts := `injector nmap takes the ports in its contract's "Ports" field (inject_content.ports)`
	tests := []struct {
		name, injector string
		content        map[string]any
		want           []string
	}{
		{"hostname mode, nmap", "nmap", map[string]any{"target_selector": "assets", "target_property_selector": "hostname"},
			[]string{`hostname "web.example:8080" is not a valid target: a target holds no port, ` + stored + `, ` + nmapPorts}},
		{"hostname mode, noop", "noop", map[string]any{"target_selector": "assets", "target_property_selector": "hostname"},
			[]string{`hostname "web.example:8080" is not a valid target: a target holds no port, ` + stored + `, injector noop takes no ports`}},
		{"automatic, agentless", "nmap", map[string]any{"target_selector": "assets"},
			[]string{`hostname "web.example:8080" is not a valid target (a target holds no port, ` + stored + `, ` + nmapPorts + `) and no seen_ip or ip`}},
		{"manual", "nmap", map[string]any{"target_selector": "manual", "targets": "web.example:8080"},
			[]string{`invalid inject_content.targets "web.example:8080": a target holds no port; ` + nmapPorts}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.build(testManifests())
			e.register(t)
			id := "inj-port"
			body := e.message(t, id, tt.injector, tt.content, []map[string]any{agentless}, nil)
			err := e.proc.Process(context.Background(), body)
			var me *openaev.MessageError
			if !errors.As(err, &me) {
				t.Fatalf("Process = %v, want a *MessageError", err)
			}
			c, ok := e.platform.Terminal(id)
			msg, _ := c.Body["execution_message"].(string)
			if !ok || c.Body["execution_status"] != "INVALID_USAGE" {
				t.Fatalf("terminal %v, want an INVALID_USAGE", c.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the trace the platform stores says\n%s\nwant it to hold\n%s", msg, w)
				}
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Process = %v, want it to hold %s", err, w)
				}
			}
			if strings.Contains(msg, "one of its params") {
				t.Errorf("the trace names params, which the platform has none of: %s", msg)
			}
			if got := e.platform.InjectStatus(id); got != "ERROR" {
				t.Errorf("inject status %q, want ERROR (the platform's computeStatus of an INVALID_USAGE)", got)
			}
			if e.nmap.calls.Load() != 0 {
				t.Error("nmap ran")
			}
		})
	}
}
