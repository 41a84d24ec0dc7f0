package openaev_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A platform message run with a dry-run client: each request of the openaev
// profile is printed instead of sent. The asset is agentless, so its host
// name is the target; its signatures carry the platform's type names.
// The "complete" callback's message ends with the run mark a real run
// sends (its 8 random hex digits masked here).
func Example_dryRun() {
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return noop.New() })
	clock := func() time.Time { return time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC) }
	client, err := openaev.NewClient(openaev.Config{}, openaev.WithDryRun(maskRunMark{os.Stdout}))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	profile := openaev.NewProfile(client, []framework.Manifest{noop.New().Manifest()}, nil)
	rt := runtime.New(reg, runtime.WithDeliverer(profile), runtime.WithClock(clock),
		runtime.WithSignatures(signatures.NewManager(signatures.WithClock(clock),
			signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }}))))
	p := openaev.NewProcessor(rt, profile)
	msg := fmt.Sprintf(`{"injection":{"inject_id":"inject-1",
		"inject_injector_contract":{"injector_contract_id":%q},
		"inject_content":{"target_selector":"assets","expectations":[{"expectation_type":"DETECTION"}]}},
		"assets":[{"asset_id":"asset-1","asset_hostname":"web01.example.com","asset_agents":[]}]}`,
		openaev.ContractID("noop"))
	if err := p.Process(context.Background(), []byte(msg)); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// {"method":"POST","path":"/api/injects/execution/reception/inject-1","body":{"tracking_total_count":1}}
	// {"method":"POST","path":"/api/injects/execution/callback/inject-1","body":{"execution_message":"Running noop on 1 target: web01.example.com","execution_status":"INFO","execution_action":"command_execution","execution_duration":0}}
	// {"method":"POST","path":"/api/injects/execution/callback/inject-1","body":{"execution_message":"noop on web01.example.com: succeeded","execution_status":"INFO","execution_action":"command_execution","execution_duration":0,"execution_context_identifiers":["asset-1"]}}
	// {"method":"POST","path":"/api/injects/execution/callback/inject-1","body":{"execution_message":"noop on 1 target: succeeded [run xxxxxxxx]","execution_status":"SUCCESS","execution_action":"complete","execution_duration":0,"execution_output_structured":"{\"expectation_signatures\":{\"targets\":[{\"signature_target\":{\"asset\":\"asset-1\"},\"signature_values\":[{\"expectation_type\":\"DETECTION\",\"values\":[{\"signature_type\":\"source_ipv4_address\",\"signature_value\":\"192.0.2.10\"},{\"signature_type\":\"start_date\",\"signature_value\":\"2026-11-27T09:30:00Z\"},{\"signature_type\":\"end_date\",\"signature_value\":\"2026-11-27T09:30:00Z\"}]}]}]},\"summary\":\"noop: 1 target(s), outcome success\"}"}}
}

var runMarkDigits = regexp.MustCompile(`\[run [0-9a-f]{8}\]`)

// maskRunMark writes each dry-run line with its run mark's random digits
// masked.
type maskRunMark struct{ w io.Writer }

func (m maskRunMark) Write(p []byte) (int, error) {
	if _, err := m.w.Write(runMarkDigits.ReplaceAll(p, []byte("[run xxxxxxxx]"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
