package framework_test

import (
	"context"
	"fmt"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// pinger is a toy injector: it "pings" each network target and reports one
// partial result per target, and one extra signature for the first.
type pinger struct{}

func (pinger) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	out := framework.ToolOutput{Status: framework.StatusSuccess, ExtraSignatures: map[string]any{"probe": "ping"}}
	for i, t := range in.Targets {
		if ctx.Err() != nil {
			// The runtime marks the run as timed out, with the partial
			// results reported so far.
			return framework.ToolOutput{}
		}
		if nc, ok := t.Network(); ok {
			in.Partial(nc.Value() + " reachable")
		}
		if i == 0 { // per-target extras are keyed by the target itself
			out.TargetExtras = map[framework.Target]framework.TypeExtras{t: {framework.Detection: {"rtt_ms": 1}}}
		}
	}
	return out
}

func (pinger) Manifest() framework.Manifest {
	return framework.Manifest{Name: "pinger", Category: framework.Network, Description: "pings its targets"}
}

// Example_executor calls an executor the way the runtime does, on an inject
// built by hand (package runtime's example runs it end to end).
func Example_executor() {
	reg := framework.NewRegistry()
	reg.Register("pinger", func() framework.Executor { return pinger{} })
	ex, err := reg.New("pinger")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	in := &framework.Inject{ID: "inject-1", Injector: "pinger", Category: framework.Network,
		Targets: []framework.Target{{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}},
		Params:  map[string]any{}}
	out := ex.Execute(context.Background(), in)
	fmt.Println("status:", out.ExecutionStatus(), "valid:", out.Validate() == nil)
	fmt.Println("partial:", in.PartialResults())
	fmt.Println("target 0 extras:", out.TargetExtras[in.Targets[0]][framework.Detection])
	// Output:
	// status: success valid: true
	// partial: [127.0.0.1 reachable]
	// target 0 extras: map[rtt_ms:1]
}
