package openaev_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
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
	asset := signatures.Attribution{Asset: "a1", Agent: "ag1"}
	tests := []struct {
		name    string
		in      signatures.Payload
		want    signatures.Payload
		dropped []string
	}{
		{
			name: "core names renamed, execution_status never sent",
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
					"end_date", "2026-11-27T09:31:00Z", "cloud_provider", "aws", "query", "port:22")},
			}}}},
		},
		{
			name: "extras sent only under an enum name; the others named as dropped",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{
				{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Detection, Values: vals("target_ipv4", "192.0.2.1",
						"parent_process_name", "nmap", "scan_type", "connect", "probe_count", 2, "command_line", "nmap -sT",
						"execution_status", "success", "partial_results", []string{"x"})},
				}},
				{SignatureTarget: signatures.Attribution{Asset: "a2"}, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Prevention, Values: vals("target_ipv4", "192.0.2.2", "query_error", "rate limited",
						"scan_type", "connect")},
				}},
			}},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{
				{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Detection, Values: vals("target_ipv4_address", "192.0.2.1",
						"parent_process_name", "nmap", "command_line", "nmap -sT")},
				}},
				{SignatureTarget: signatures.Attribution{Asset: "a2"}, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Prevention, Values: vals("target_ipv4_address", "192.0.2.2")},
				}},
			}},
			dropped: []string{"probe_count", "query_error", "scan_type"},
		},
		{
			name: "lists, objects, nulls, empty strings and unknown sources dropped; numbers and booleans formatted",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Prevention, Values: vals(
					"source_ipv4", "unknown", "target_ipv4", "192.0.2.1", "partial_results", []string{"a", "b"},
					"process_name", []int{22}, "hostname", map[string]any{"22": "ssh"}, "file_name", nil, "url_hash", "",
					"file_hash", 3, "ai_request_marker", 0.5, "cloud_account_id", json.Number("7"), "email_custom_header", true)},
			}}}},
			want: signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Prevention, Values: vals(
					"target_ipv4_address", "192.0.2.1", "file_hash", "3", "ai_request_marker", "0.5", "cloud_account_id", "7",
					"email_custom_header", "true")},
			}}}},
		},
		{
			name: "only DETECTION and PREVENTION groups; a target left empty is dropped",
			in: signatures.Payload{Targets: []signatures.PayloadTarget{
				{SignatureTarget: asset, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Vulnerability, Values: vals("target_ipv4", "192.0.2.1")},
					{ExpectationType: signatures.Detection, Values: vals("target_ipv4", "192.0.2.1")},
				}},
				{SignatureTarget: signatures.Attribution{Asset: "a2"}, SignatureValues: []signatures.ValueGroup{
					{ExpectationType: signatures.Vulnerability, Values: vals("target_ipv4", "192.0.2.2")},
				}},
				{SignatureTarget: signatures.Attribution{AssetGroup: "g"}, SignatureValues: []signatures.ValueGroup{
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
			got, dropped := openaev.PlatformSignatures(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tt.want)
				t.Errorf("got  %s\nwant %s", g, w)
			}
			if !reflect.DeepEqual(dropped, tt.dropped) {
				t.Errorf("dropped %v, want %v", dropped, tt.dropped)
			}
			for _, pt := range got.Targets {
				for _, g := range pt.SignatureValues {
					for _, v := range g.Values {
						if !openaev.KnownSignatureType(v.SignatureType) {
							t.Errorf("type %q is not in the collectors' enum", v.SignatureType)
						}
					}
				}
			}
		})
	}
}

func TestStructuredOutput(t *testing.T) {
	m := (&fakeNmap{}).Manifest()
	m.Outputs = append(m.Outputs, framework.Output{Type: "ipv6", Field: "v6", Multiple: true},
		framework.Output{Type: "file", Field: "files", Multiple: true})
	findings := map[string]any{"ports": []int{22}, "action_output": "<nmaprun>",
		"unmatched_hosts": []string{"192.0.2.99"}, "expectation_signatures": "overwritten",
		"v6": []string{"2001:db8::1", "2001:db8::2"}, "files": []map[string]any{{"name": "a"}},
		"scan_results": []map[string]any{}, "nothing": []string(nil), "ports_none": nil}
	current := openaev.PlatformVersion{Raw: "3.260821.0", Current: true}
	old := openaev.PlatformVersion{Raw: "2.4.0"}
	tests := []struct {
		name     string
		manifest *framework.Manifest
		version  openaev.PlatformVersion
		want     string
	}{
		{name: "current: declared outputs as they are, with the signatures", manifest: &m, version: current,
			want: `{"action_output":"<nmaprun>","expectation_signatures":{"targets":[]},"files":[{"name":"a"}],` +
				`"ports":[22],"scan_results":[],"v6":["2001:db8::1","2001:db8::2"]}`},
		{name: "current: without declared outputs every finding is sent", manifest: &framework.Manifest{Name: "x"}, version: current,
			want: `{"action_output":"<nmaprun>","expectation_signatures":{"targets":[]},"files":[{"name":"a"}],` +
				`"ports":[22],"scan_results":[],"unmatched_hosts":["192.0.2.99"],"v6":["2001:db8::1","2001:db8::2"]}`},
		{name: "2.4: no signatures, no raw output; newer types as text, ipv6 as it is", manifest: &m, version: old,
			want: `{"files":"[{\"name\":\"a\"}]","ports":[22],"scan_results":[],` +
				`"v6":["2001:db8::1","2001:db8::2"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runtime.Report{InjectID: "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21", Output: framework.ToolOutput{Findings: findings}}
			s, err := openaev.StructuredOutput(r, tt.manifest, tt.version)
			if err != nil {
				t.Fatal(err)
			}
			if s.JSON != tt.want {
				t.Errorf("got  %s\nwant %s", s.JSON, tt.want)
			}
		})
	}
	r := &runtime.Report{Output: framework.ToolOutput{Findings: map[string]any{"ports": make(chan int)}}}
	if _, err := openaev.StructuredOutput(r, nil, current); err == nil {
		t.Error("unencodable findings accepted")
	}
}

// textFindings is what StructuredOutput sends of the text outputs lines,
// summary, joined and short, and of the file output files.
type textFindings struct {
	Lines   []string `json:"lines"`
	Summary string   `json:"summary"`
	Joined  string   `json:"joined"`
	Short   []string `json:"short"`
	Files   any      `json:"files"`
}

// sentTextFindings returns the text findings of r under m as the platform
// line v is sent them.
func sentTextFindings(t *testing.T, r *runtime.Report, m *framework.Manifest, v openaev.PlatformVersion) textFindings {
	t.Helper()
	s, err := openaev.StructuredOutput(r, m, v)
	if err != nil {
		t.Fatal(err)
	}
	var doc textFindings
	if err := json.Unmarshal([]byte(s.JSON), &doc); err != nil {
		t.Fatalf("%s: %v", v, err)
	}
	return doc
}

// TestTextFindingsBounded checks that no text finding the profile sends
// is over the findings index's row limit: each item of a multiple output,
// a whole single one (a list joined with spaces, as the platform stores
// it), a file sent as text to 2.4.0; what fits is sent as it is.
func TestTextFindingsBounded(t *testing.T) {
	long := strings.Repeat("é", openaev.MaxFindingRow) // 2 bytes each
	half := strings.Repeat("x", openaev.MaxFindingRow/2+1)
	m := framework.Manifest{Name: "t", Outputs: []framework.Output{
		{Type: "text", Field: "lines", Multiple: true}, {Type: "text", Field: "summary"},
		{Type: "text", Field: "joined"}, {Type: "file", Field: "files"}, {Type: "text", Field: "short", Multiple: true}}}
	findings := map[string]any{"lines": []string{"ok", long}, "summary": long, "joined": []any{half, half},
		"files": []string{long}, "short": []string{"a", "b"}}
	for _, v := range []openaev.PlatformVersion{{Raw: "3.260821.0", Current: true}, {Raw: "2.4.0"}} {
		r := &runtime.Report{InjectID: "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21", Output: framework.ToolOutput{Findings: findings}}
		doc := sentTextFindings(t, r, &m, v)
		values := map[string]string{"summary": doc.Summary, "joined": doc.Joined, "lines": doc.Lines[1]}
		if f, ok := doc.Files.(string); ok {
			values["files"] = f // 2.4.0: file as text
		}
		for field, f := range values {
			if len(f) > openaev.FindingValueRoom(r.InjectID, field) || !utf8.ValidString(f) || !strings.HasSuffix(f, " bytes in all]") {
				t.Errorf("%s: finding %s of %d bytes, ending %q", v, field, len(f), f[max(len(f)-40, 0):])
			}
		}
		if doc.Lines[0] != "ok" || !reflect.DeepEqual(doc.Short, []string{"a", "b"}) {
			t.Errorf("%s: findings that fit changed: %v %v", v, doc.Lines[0], doc.Short)
		}
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
