package runtime_test

import (
	"context"
	"fmt"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// pinger is a toy injector: it "pings" each network target.
type pinger struct{}

func (pinger) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	for _, t := range in.Targets {
		if nc, ok := t.Network(); ok {
			in.Partial(nc.Value() + " reachable")
		}
	}
	return framework.ToolOutput{ExtraSignatures: map[string]any{"probe": "ping"}}
}

func (pinger) Manifest() framework.Manifest {
	return framework.Manifest{Name: "pinger", Category: framework.Network, Description: "pings its targets"}
}

// printer is a Deliverer that prints the first target's values.
type printer struct{}

func (printer) Deliver(_ context.Context, r *runtime.Report) error {
	p, err := r.Payload()
	if err != nil {
		return err
	}
	fmt.Println("status:", r.Status)
	for _, g := range p.Targets[0].SignatureValues {
		for _, v := range g.Values {
			fmt.Printf("%s %s=%v\n", g.ExpectationType, v.SignatureType, v.SignatureValue)
		}
	}
	return nil
}

// Example runs a toy injector end to end: prepare, execute, compile the
// signatures, deliver.
func Example() {
	reg := framework.NewRegistry()
	reg.Register("pinger", func() framework.Executor { return pinger{} })

	clock := func() time.Time { return time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC) }
	rt := runtime.New(reg,
		runtime.WithDeliverer(printer{}),
		runtime.WithSignatures(signatures.NewManager(signatures.WithClock(clock),
			signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }}))),
	)
	_, err := rt.Run(context.Background(), runtime.Request{
		InjectID: "inject-1", Injector: "pinger",
		Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}},
	})
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// status: success
	// DETECTION source_ipv4=192.0.2.10
	// DETECTION target_ipv4=127.0.0.1
	// DETECTION start_time=2026-11-27T09:30:00Z
	// DETECTION end_time=2026-11-27T09:30:00Z
	// DETECTION execution_status=success
	// DETECTION probe=ping
}
