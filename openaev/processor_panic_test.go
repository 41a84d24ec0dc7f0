package openaev_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// panickyNmap is the fake nmap with a Configure or a Close that panics.
type panickyNmap struct {
	*fakeNmap
	panics string
}

func (p *panickyNmap) Configure(map[string]string) error {
	if p.panics == "Configure" {
		panic("bad settings")
	}
	return nil
}

func (p *panickyNmap) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	if p.panics == "Execute" {
		panic("bad run")
	}
	return p.fakeNmap.Execute(ctx, in)
}

func (p *panickyNmap) Close() error {
	if p.panics == "Close" {
		panic("bad close")
	}
	return nil
}

// A panic of an injector's Configure or Execute is reported to the platform as a
// failed inject (ERROR, naming the injector and the method), never left
// queued; a panic of its Close, once the inject was reported, settles the
// message, logged.
func TestProcessPanickingInjector(t *testing.T) {
	tests := []struct {
		panics, status, message string
		ran                     bool
	}{
		{"Configure", "ERROR", "injector nmap: Configure panicked: bad settings", false},
		{"Execute", "ERROR", "injector nmap: Execute panicked: bad run", false},
		{"Close", "SUCCESS", "nmap on 1 target", true},
	}
	for _, tt := range tests {
		t.Run(tt.panics, func(t *testing.T) {
			e := newEnv(t)
			e.nmap.open = map[string][]int{"192.0.2.1": {22}}
			e.registry = framework.NewRegistry()
			e.registry.Register("nmap", func() framework.Executor { return &panickyNmap{fakeNmap: e.nmap, panics: tt.panics} })
			e.build(testManifests())
			body := e.message(t, "inj-p", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatalf("Process: %v", err)
			}
			c, ok := e.platform.Terminal("inj-p")
			if !ok || c.Body["execution_status"] != tt.status || !strings.Contains(c.Body["execution_message"].(string), tt.message) {
				t.Errorf("terminal %v, want %s %q", c.Body, tt.status, tt.message)
			}
			if ran := e.nmap.calls.Load() > 0; ran != tt.ran {
				t.Errorf("nmap ran: %v, want %v", ran, tt.ran)
			}
			if tt.panics == "Close" && e.logs.FilterMessage("injector panicked; its inject is settled").Len() != 1 {
				t.Errorf("the Close panic is not logged once: %v", e.logs.All())
			}
		})
	}
}
