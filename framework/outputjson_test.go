package framework_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// outputCase is an output and the JSON it encodes to.
type outputCase struct {
	name string
	out  framework.ToolOutput
	want string
}

// An output encodes as encoding/json encodes its fields, per-target
// extras as a list of targets and their extras, in the order of the
// targets' texts: a map keyed by targets is no JSON object.
func TestToolOutputJSON(t *testing.T) {
	web := framework.Target{Config: signatures.NetworkConfig{TargetHostname: "web.example.com"}}
	ip := framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, Attribution: signatures.Attribution{Asset: "a-1"}}
	tests := []outputCase{
		{"no target extras", framework.ToolOutput{Status: framework.StatusPartial, Findings: map[string]any{"n": 1}},
			`{"Status":"partial","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":{"n":1},"TargetExtras":null}`},
		{"two targets", framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{
			web: {framework.Detection: {"k": 2}}, ip: {framework.Detection: {"k": 1}}}},
			`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":[` +
				`{"target":{"target_hostname":"web.example.com"},"extras":{"DETECTION":{"k":2}}},` +
				`{"target":{"target_ipv4":"10.0.0.1","asset":"a-1"},"extras":{"DETECTION":{"k":1}}}]}`},
		{"targets not reached", framework.ToolOutput{Unreached: map[framework.Target]string{
			web: "not scanned: the name does not resolve", ip: ""}},
			`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":null,"Unreached":[` +
				`{"target":{"target_hostname":"web.example.com"},"reason":"not scanned: the name does not resolve"},` +
				`{"target":{"target_ipv4":"10.0.0.1","asset":"a-1"},"reason":""}]}`},
		{"targets' own outcomes", framework.ToolOutput{Status: framework.StatusPartial, TargetStatus: map[framework.Target]framework.ExecutionStatus{
			web: framework.StatusFailed, ip: framework.StatusSuccess}},
			`{"Status":"partial","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":null,"TargetStatus":[` +
				`{"target":{"target_hostname":"web.example.com"},"status":"failed"},` +
				`{"target":{"target_ipv4":"10.0.0.1","asset":"a-1"},"status":"success"}]}`},
		{"targets' addresses", framework.ToolOutput{TargetAddresses: map[framework.Target][]netip.Addr{
			{Config: signatures.NetworkConfig{TargetHostname: "web.example.com"}}: {netip.MustParseAddr("192.0.2.20"), netip.MustParseAddr("2001:db8::20")},
			{Config: signatures.NetworkConfig{TargetHostname: "a.example.com"}}:   {netip.MustParseAddr("192.0.2.21")}}},
			`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":null,"TargetAddresses":[` +
				`{"target":{"target_hostname":"a.example.com"},"addresses":["192.0.2.21"]},` +
				`{"target":{"target_hostname":"web.example.com"},"addresses":["192.0.2.20","2001:db8::20"]}]}`},
	}
	// Targets Target.String writes alike (a pointer configuration and its
	// value, two kinds of configuration with the same fields, two
	// pointers to one value) are in one order every time: by the
	// configuration's Go type, then by their extras' JSON.
	same := signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}
	ptr := func() *signatures.NetworkConfig { c := same; return &c }
	tests = append(tests, outputCase{"targets written alike", framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{
		{Config: same}:  {framework.Detection: {"k": 1}},
		{Config: ptr()}: {framework.Detection: {"k": 4}},
		{Config: ptr()}: {framework.Detection: {"k": 2}},
		{Config: signatures.ExternalConfig{TargetIPv4: "10.0.0.1"}}: {framework.Detection: {"k": 3}}}},
		`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":[` +
			`{"target":{"target_ipv4":"10.0.0.1"},"extras":{"DETECTION":{"k":2}}},` +
			`{"target":{"target_ipv4":"10.0.0.1"},"extras":{"DETECTION":{"k":4}}},` +
			`{"target":{"target_ipv4":"10.0.0.1"},"extras":{"DETECTION":{"k":3}}},` +
			`{"target":{"target_ipv4":"10.0.0.1"},"extras":{"DETECTION":{"k":1}}}]}`},
		outputCase{"targets written alike, not reached", framework.ToolOutput{Unreached: map[framework.Target]string{
			{Config: same}:  "d",
			{Config: ptr()}: "b",
			{Config: ptr()}: "a",
			{Config: signatures.ExternalConfig{TargetIPv4: "10.0.0.1"}}: "c"}},
			`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":null,"Unreached":[` +
				`{"target":{"target_ipv4":"10.0.0.1"},"reason":"a"},{"target":{"target_ipv4":"10.0.0.1"},"reason":"b"},` +
				`{"target":{"target_ipv4":"10.0.0.1"},"reason":"c"},{"target":{"target_ipv4":"10.0.0.1"},"reason":"d"}]}`},
		outputCase{"targets written alike, own outcomes", framework.ToolOutput{TargetStatus: map[framework.Target]framework.ExecutionStatus{
			{Config: same}:  framework.StatusFailed,
			{Config: ptr()}: framework.StatusSuccess,
			{Config: ptr()}: framework.StatusFailed,
			{Config: signatures.ExternalConfig{TargetIPv4: "10.0.0.1"}}: framework.StatusSuccess}},
			`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":null,"TargetStatus":[` +
				`{"target":{"target_ipv4":"10.0.0.1"},"status":"failed"},{"target":{"target_ipv4":"10.0.0.1"},"status":"success"},` +
				`{"target":{"target_ipv4":"10.0.0.1"},"status":"success"},{"target":{"target_ipv4":"10.0.0.1"},"status":"failed"}]}`},
		outputCase{"empty maps", framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{},
			Unreached: map[framework.Target]string{}, TargetStatus: map[framework.Target]framework.ExecutionStatus{}},
			`{"Status":"","ErrorInfo":null,"ExtraSignatures":null,"ExtraByType":null,"Findings":null,"TargetExtras":[]}`})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // the same bytes each time, whatever the map's order
				b, err := json.Marshal(tt.out)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != tt.want {
					t.Fatalf("JSON\n%s\nwant\n%s", b, tt.want)
				}
			}
		})
	}
}

// Extras JSON cannot encode fail the output's encoding, naming the target.
func TestToolOutputJSONBadExtras(t *testing.T) {
	out := framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{
		{Config: signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}}: {framework.Detection: {"k": make(chan int)}}}}
	_, err := json.Marshal(out)
	if err == nil || !strings.Contains(err.Error(), `target extras of {"target_ipv4":"10.0.0.1"}: `) {
		t.Fatalf("error %v, want one naming the target's extras", err)
	}
}
