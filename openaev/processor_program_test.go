package openaev_test

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// The processor's refusals name the program that runs it (Processor.Program,
// the CLI's app name: a binary built on injectkit names itself), and
// "injectkit" when it is not set.
func TestProcessorNamesItsProgram(t *testing.T) {
	for _, tt := range []struct{ program, want string }{{"", "injectkit"}, {"myinj", "myinj"}} {
		t.Run("program="+tt.want, func(t *testing.T) {
			e := newEnv(t)
			m := (&fakeNmap{}).Manifest()
			m.Settings = []framework.Setting{{Key: "base_url"}}
			e.build([]framework.Manifest{m}) // noop: in the registry, not served
			e.proc.Program = tt.program
			body := e.message(t, "inj-s", "nmap", map[string]any{"targets": "192.0.2.1", "base_url": "http://127.0.0.1:9"}, nil, nil)
			e.translate(t, body, "give it on the "+tt.want+" host as nmap.base_url in the config file")
			body = e.message(t, "inj-o", "noop", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			e.translate(t, body, "the contract of "+tt.want+"'s noop injector, not served by this deployment")
		})
	}
}
