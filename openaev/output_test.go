package openaev_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/signatures"
)

func vals(kv ...any) []signatures.Value {
	var out []signatures.Value
	for i := 0; i < len(kv); i += 2 {
		out = append(out, signatures.Value{SignatureType: kv[i].(string), SignatureValue: kv[i+1]})
	}
	return out
}

func TestPlatformSignatures(t *testing.T) {
	asset := signatures.Target{Asset: "a1", Agent: "ag1"}
	tests := []struct {
		name string
		in   signatures.Payload
		want signatures.Payload
	}{
		{
			name: "core names renamed, others unchanged",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: vals(
					"source_ipv4", "192.0.2.10", "source_ipv6", "2001:db8::10", "target_ipv4", "192.0.2.1",
					"target_ipv6", "2001:db8::1", "target_hostname", "web.example.com", "start_time", "2026-11-27T09:30:00Z",
					"end_time", "2026-11-27T09:31:00Z", "cloud_provider", "aws", "query", "port:22",
					"execution_status", signatures.StatusSuccess)},
			}}}},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: vals(
					"source_ipv4_address", "192.0.2.10", "source_ipv6_address", "2001:db8::10", "target_ipv4_address", "192.0.2.1",
					"target_ipv6_address", "2001:db8::1", "target_hostname_address", "web.example.com", "start_date", "2026-11-27T09:30:00Z",
					"end_date", "2026-11-27T09:31:00Z", "cloud_provider", "aws", "query", "port:22",
					"execution_status", "success")},
			}}}},
		},
		{
			name: "lists, objects, nulls, empty strings and unknown sources dropped; numbers and booleans formatted",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Prevention, Values: vals(
					"source_ipv4", "unknown", "target_ipv4", "192.0.2.1", "partial_results", []string{"a", "b"},
					"ports_discovered", []int{22}, "services", map[string]any{"22": "ssh"}, "none", nil, "blank", "",
					"count", 3, "ratio", 0.5, "json_number", json.Number("7"), "open", true)},
			}}}},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Prevention, Values: vals(
					"target_ipv4_address", "192.0.2.1", "count", "3", "ratio", "0.5", "json_number", "7", "open", "true")},
			}}}},
		},
		{
			name: "only DETECTION and PREVENTION groups; a target left empty is dropped",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{
				{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Vulnerability, Values: vals("target_ipv4", "192.0.2.1")},
					{ExpectationType: signatures.Detection, Values: vals("target_ipv4", "192.0.2.1")},
				}},
				{SignatureTarget: signatures.Target{Asset: "a2"}, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Vulnerability, Values: vals("target_ipv4", "192.0.2.2")},
				}},
				{SignatureTarget: signatures.Target{AssetGroup: "g"}, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Detection, Values: vals("partial_results", []string{"x"})},
				}},
			}},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: vals("target_ipv4_address", "192.0.2.1")},
			}}}},
		},
		{
			name: "targets without platform metadata are dropped; flat groups read",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{
				{SignatureValues: []signatures.ValueGroup{{ExpectationType: signatures.Detection, Values: vals("target_ipv4", "192.0.2.1")}}},
				{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Detection, SignatureType: "target_hostname", SignatureValue: "h.example.com"}}},
			}},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: vals("target_hostname_address", "h.example.com")},
			}}}},
		},
		{
			name: "empty payload",
			in:   signatures.Payload{},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := openaev.PlatformSignatures(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tt.want)
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
}

func TestStructuredOutput(t *testing.T) {
	m := (&fakeNmap{}).Manifest()
	r := &framework.Report{
		Output: framework.ToolOutput{Findings: map[string]any{"ports": []int{22}, "action_output": "<nmaprun>",
			"unmatched_hosts": []string{"192.0.2.99"}, "expectation_signatures": "overwritten"}},
	}
	s, err := openaev.StructuredOutput(r, &m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"action_output":"<nmaprun>","expectation_signatures":{"targets":[]},"ports":[22]}`
	if s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
	// Without declared outputs every finding is sent.
	s, err = openaev.StructuredOutput(r, &framework.Manifest{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"action_output":"<nmaprun>","expectation_signatures":{"targets":[]},"ports":[22],"unmatched_hosts":["192.0.2.99"]}`
	if s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
	r.Output.Findings = map[string]any{"ports": make(chan int)}
	if _, err := openaev.StructuredOutput(r, nil); err == nil {
		t.Error("unencodable findings accepted")
	}
}

func TestPlatformSignatureType(t *testing.T) {
	for in, want := range map[string]string{"source_ipv4": "source_ipv4_address", "end_time": "end_date",
		"target_service": "target_service", "ports_discovered": "ports_discovered"} {
		if got := openaev.PlatformSignatureType(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}
