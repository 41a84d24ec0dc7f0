package signatures_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// Example runs the whole flow for two network targets: validate the targets,
// compile the signatures before and after the tool runs, and group them into
// the payload sent to the platform. The clock and the source address are
// pinned so that the output is stable.
func Example() {
	now := time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC)
	m := signatures.NewManager(
		signatures.WithClock(func() time.Time { return now }),
		signatures.WithResolver(signatures.Resolver{
			Getenv: func(string) string { return "172.17.0.2" }, // as if CONTAINER_IP were set
		}),
	)

	nets, err := signatures.BuildNetworkConfigs("192.0.2.10", "web.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfgs := []signatures.Config{nets[0], nets[1]}
	pre, err := m.CompilePre(cfgs...)
	if err != nil {
		fmt.Println(err)
		return
	}

	now = now.Add(42 * time.Second) // the tool runs
	post, err := m.CompilePost(pre, signatures.ToolOutput{Status: signatures.StatusSuccess})
	if err != nil {
		fmt.Println(err)
		return
	}

	p, err := signatures.BuildPayload(post,
		[]signatures.Attribution{{Asset: "asset-1"}, {Asset: "asset-2"}},
		[]signatures.ExpectationType{signatures.Detection}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	for _, t := range p.Targets {
		enc.Encode(t.SignatureTarget)
		for _, g := range t.SignatureValues {
			fmt.Println(g.ExpectationType)
			for _, v := range g.Values {
				fmt.Printf("  %s = %v\n", v.SignatureType, v.SignatureValue)
			}
		}
	}
	// Output:
	// {"asset":"asset-1"}
	// DETECTION
	//   source_ipv4 = 172.17.0.2
	//   target_ipv4 = 192.0.2.10
	//   start_time = 2026-11-27T09:15:00Z
	//   end_time = 2026-11-27T09:15:42Z
	//   execution_status = success
	// {"asset":"asset-2"}
	// DETECTION
	//   source_ipv4 = 172.17.0.2
	//   target_hostname = web.example.com
	//   start_time = 2026-11-27T09:15:00Z
	//   end_time = 2026-11-27T09:15:42Z
	//   execution_status = success
}

// ExampleBuildNetworkConfigs shows how targets are classified and how a bad
// one is reported.
func ExampleBuildNetworkConfigs() {
	cfgs, err := signatures.BuildNetworkConfigs("10.0.0.1", "2001:db8::1", map[string]any{"target_hostname": "web.example.com"})
	fmt.Printf("%+v %v\n", cfgs, err)

	_, err = signatures.BuildNetworkConfigs("10.0.0.1", "-oN/tmp/x")
	fmt.Println(err)
	// Output:
	// [{TargetIPv4:10.0.0.1 TargetIPv6: TargetHostname:} {TargetIPv4: TargetIPv6:2001:db8::1 TargetHostname:} {TargetIPv4: TargetIPv6: TargetHostname:web.example.com}] <nil>
	// invalid targets[1].target_hostname "-oN/tmp/x": host name label starts or ends with '-'
}
