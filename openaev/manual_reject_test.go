package openaev_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/openaev"
)

// nmapTargets is the fake nmap with the real one's target checks.
type nmapTargets struct{ *fakeNmap }

func (nmapTargets) ValidateTargets(targets []framework.Target) error {
	return nmap.New().ValidateTargets(targets)
}

// TestManualTargetRejectionsNameTheContentField: a manual target refused
// by the injector (a host name nmap reads as an address) and one refused
// by the profile (a range) name the same field, inject_content.targets,
// and the item refused, in the terminal callback and in Process's error.
func TestManualTargetRejectionsNameTheContentField(t *testing.T) {
	tests := []struct{ name, targets, item string }{
		{"by the injector", "127.0.0.1,0x7f000001", "0x7f000001"},
		{"by the profile", "127.0.0.1,192.0.2.0/24", "192.0.2.0/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.registry = framework.NewRegistry()
			e.registry.Register("nmap", func() framework.Executor { return nmapTargets{e.nmap} })
			e.build(testManifests())
			e.register(t)
			body := e.message(t, "inj-m", "nmap", map[string]any{"target_selector": "manual", "targets": tt.targets}, nil, nil)
			err := e.proc.Process(context.Background(), body)
			want := `invalid inject_content.targets "` + tt.item + `"`
			var me *openaev.MessageError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
				t.Errorf("Process = %v, want a *MessageError saying %s", err, want)
			}
			c, ok := e.platform.Terminal("inj-m")
			if msg, _ := c.Body["execution_message"].(string); !ok || !strings.Contains(msg, want) {
				t.Errorf("terminal %v, want a message saying %s", c.Body, want)
			}
			if e.nmap.calls.Load() != 0 {
				t.Error("nmap ran")
			}
		})
	}
}
