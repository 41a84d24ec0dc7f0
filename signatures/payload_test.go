package signatures_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// full is a post signature with every core field set and two own extras.
var full = signatures.Signature{
	SourceIPv4: srcV4, SourceIPv6: srcV6,
	TargetIPv4: "10.0.0.1", TargetIPv6: "2001:db8::1", TargetHostname: "web.example.com",
	CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3",
	Query:     "port:22",
	StartTime: "2026-11-27T01:02:03Z", EndTime: "2026-11-27T01:07:03Z",
	ExecutionStatus: signatures.StatusTimeout, PartialResults: []string{"22/tcp open"},
	Extra: map[string]any{"zeta": 1, "alpha": "a"},
}

func names(vs []signatures.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.SignatureType
	}
	return out
}

func TestSignatureFieldOrder(t *testing.T) {
	want := []string{
		"source_ipv4", "source_ipv6", "target_ipv4", "target_ipv6", "target_hostname",
		"cloud_provider", "cloud_account_id", "cloud_region", "target_service", "query",
		"start_time", "end_time", "execution_status", "partial_results", "alpha", "zeta",
	}
	var got []string
	for _, f := range full.Fields() {
		got = append(got, f.Name)
		if !signatures.IsCoreField(f.Name) && f.Name != "alpha" && f.Name != "zeta" {
			t.Errorf("field %q neither core nor extra", f.Name)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fields() order:\n got %q\nwant %q", got, want)
	}
	p, err := signatures.BuildPayload([]signatures.Signature{full}, []signatures.Attribution{{}}, []signatures.ExpectationType{signatures.Detection}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p.Targets[0].SignatureValues[0].Values); !reflect.DeepEqual(got, want) {
		t.Errorf("payload value order:\n got %q\nwant %q", got, want)
	}
}

func TestSignatureMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		sig  signatures.Signature
		want string
	}{
		{"empty", signatures.Signature{}, `{}`},
		{"network post", signatures.Signature{SourceIPv4: srcV4, TargetIPv4: "10.0.0.1", StartTime: "2026-11-27T01:02:03Z",
			EndTime: "2026-11-27T01:07:03Z", ExecutionStatus: signatures.StatusSuccess},
			`{"source_ipv4":"172.17.0.2","target_ipv4":"10.0.0.1","start_time":"2026-11-27T01:02:03Z","end_time":"2026-11-27T01:07:03Z","execution_status":"success"}`},
		{"timeout with extras", signatures.Signature{Query: "q", ExecutionStatus: signatures.StatusTimeout,
			PartialResults: []string{"a", "b"}, Extra: map[string]any{"n": 2, "b": true, "<x>": "&"}},
			`{"query":"q","execution_status":"timeout","partial_results":["a","b"],"\u003cx\u003e":"\u0026","b":true,"n":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.sig)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			var flat map[string]any
			if err := json.Unmarshal(b, &flat); err != nil {
				t.Fatalf("not a JSON object: %v", err)
			}
		})
	}
	if _, err := json.Marshal(signatures.Signature{Extra: map[string]any{"ch": make(chan int)}}); err == nil {
		t.Error("marshalling an unencodable extra succeeded")
	}
}

func TestBuildPayload(t *testing.T) {
	sigs := []signatures.Signature{
		{SourceIPv4: srcV4, TargetIPv4: "10.0.0.1", StartTime: "s", EndTime: "e", ExecutionStatus: signatures.StatusSuccess,
			Extra: map[string]any{"tool": "own", "scan_id": "x"}},
		{SourceIPv4: srcV4, TargetHostname: "web.example.com", StartTime: "s", EndTime: "e", ExecutionStatus: signatures.StatusSuccess},
	}
	targets := []signatures.Attribution{{Agent: "ag-1", Asset: "as-1", AssetGroup: "g-1"}, {Asset: "as-2"}}
	types := []signatures.ExpectationType{signatures.Prevention, signatures.Detection}
	extras := signatures.TypeExtras{signatures.Prevention: {"tool": "type", "blocked": true}}
	targetExtras := []signatures.TypeExtras{nil, {signatures.Prevention: {"tool": "target"}, signatures.Detection: {"alert": "a-2"}}}

	p, err := signatures.BuildPayload(sigs, targets, types, extras, targetExtras...)
	if err != nil {
		t.Fatal(err)
	}
	v := func(name string, val any) signatures.Value {
		return signatures.Value{SignatureType: name, SignatureValue: val}
	}
	core := func(target signatures.Value) []signatures.Value {
		return []signatures.Value{v("source_ipv4", srcV4), target, v("start_time", "s"), v("end_time", "e"), v("execution_status", "success")}
	}
	want := signatures.Payload{Targets: []signatures.PayloadTarget{
		{
			SignatureTarget: targets[0],
			SignatureValues: []signatures.ValueGroup{
				// a type extra wins over the signature's own extra
				{ExpectationType: signatures.Prevention, Values: append(core(v("target_ipv4", "10.0.0.1")), v("blocked", true), v("scan_id", "x"), v("tool", "type"))},
				{ExpectationType: signatures.Detection, Values: append(core(v("target_ipv4", "10.0.0.1")), v("scan_id", "x"), v("tool", "own"))},
			},
		},
		{
			SignatureTarget: targets[1],
			SignatureValues: []signatures.ValueGroup{
				// a target extra wins over a type extra
				{ExpectationType: signatures.Prevention, Values: append(core(v("target_hostname", "web.example.com")), v("blocked", true), v("tool", "target"))},
				{ExpectationType: signatures.Detection, Values: append(core(v("target_hostname", "web.example.com")), v("alert", "a-2"))},
			},
		},
	}}
	if !reflect.DeepEqual(p, want) {
		gb, _ := json.MarshalIndent(p, "", "  ")
		wb, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("BuildPayload:\n got %s\nwant %s", gb, wb)
	}
}

func TestBuildPayloadOneTargetForAll(t *testing.T) {
	sigs := []signatures.Signature{{TargetIPv4: "10.0.0.1"}, {TargetIPv4: "10.0.0.2"}, {TargetIPv4: "10.0.0.3"}}
	tgt := signatures.Attribution{AssetGroup: "g-1"}
	p, err := signatures.BuildPayload(sigs, []signatures.Attribution{tgt}, []signatures.ExpectationType{signatures.Detection}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Targets) != 3 {
		t.Fatalf("%d entries, want 3", len(p.Targets))
	}
	for i, pt := range p.Targets {
		if pt.SignatureTarget != tgt {
			t.Errorf("entry %d target %+v, want %+v", i, pt.SignatureTarget, tgt)
		}
		if got := pt.SignatureValues[0].Values[0].SignatureValue; got != sigs[i].TargetIPv4 {
			t.Errorf("entry %d holds %v, want %s (order kept)", i, got, sigs[i].TargetIPv4)
		}
	}
}

func TestBuildPayloadEmpty(t *testing.T) {
	p, err := signatures.BuildPayload(nil, nil, []signatures.ExpectationType{signatures.Detection}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	if string(b) != `{"targets":[]}` {
		t.Errorf("empty payload = %s, want {\"targets\":[]}", b)
	}
}

func TestBuildPayloadErrors(t *testing.T) {
	two := []signatures.Signature{{TargetIPv4: "10.0.0.1"}, {TargetIPv4: "10.0.0.2"}}
	one := []signatures.Attribution{{Asset: "a"}}
	det := []signatures.ExpectationType{signatures.Detection}
	tests := []struct {
		name         string
		targets      []signatures.Attribution
		types        []signatures.ExpectationType
		extras       signatures.TypeExtras
		targetExtras []signatures.TypeExtras
		wantField    string
		wantValue    string
	}{
		{name: "no targets", targets: nil, types: det, wantField: "targets", wantValue: "0"},
		{name: "too many targets", targets: make([]signatures.Attribution, 3), types: det, wantField: "targets", wantValue: "3"},
		{name: "no types", targets: one, wantField: "expectation_types"},
		{name: "unknown type", targets: one, types: []signatures.ExpectationType{signatures.Detection, "detection"}, wantField: "expectation_types[1]", wantValue: "detection"},
		{name: "duplicate type", targets: one, types: []signatures.ExpectationType{signatures.Prevention, signatures.Prevention}, wantField: "expectation_types[1]", wantValue: "PREVENTION"},
		{name: "type extra collides", targets: one, types: det, extras: signatures.TypeExtras{signatures.Detection: {"start_time": 1}},
			wantField: "extras.DETECTION", wantValue: "start_time"},
		{name: "type extra named like a core platform type", targets: one, types: det,
			extras: signatures.TypeExtras{signatures.Detection: {"start_date": 1}}, wantField: "extras.DETECTION", wantValue: "start_date"},
		{name: "target extra named like a core platform type", targets: one, types: det,
			targetExtras: []signatures.TypeExtras{{signatures.Detection: {"target_hostname_address": "x"}}, nil},
			wantField:    "target_extras[0].DETECTION", wantValue: "target_hostname_address"},
		{name: "type extra empty key", targets: one, types: det, extras: signatures.TypeExtras{signatures.Detection: {"": 1}},
			wantField: "extras.DETECTION"},
		{name: "target extras wrong length", targets: one, types: det, targetExtras: make([]signatures.TypeExtras, 1),
			wantField: "target_extras", wantValue: "1"},
		{name: "target extra collides", targets: one, types: det,
			targetExtras: []signatures.TypeExtras{nil, {signatures.Detection: {"source_ipv4": "x"}}},
			wantField:    "target_extras[1].DETECTION", wantValue: "source_ipv4"},
		{name: "target extra collides in another case", targets: one, types: det,
			targetExtras: []signatures.TypeExtras{nil, {signatures.Detection: {"Source_Ipv4": "x"}}},
			wantField:    "target_extras[1].DETECTION", wantValue: "Source_Ipv4"},
		{name: "type extras that differ only in case", targets: one, types: det,
			extras:    signatures.TypeExtras{signatures.Detection: {"Greeting": "a", "GREETING": "b"}},
			wantField: "extras.DETECTION", wantValue: "Greeting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := signatures.BuildPayload(two, tt.targets, tt.types, tt.extras, tt.targetExtras...)
			wantValidation(t, err, tt.wantField, tt.wantValue)
			if p.Targets != nil {
				t.Errorf("got %+v alongside error", p)
			}
		})
	}
}

func TestPayloadJSONShape(t *testing.T) {
	sigs := []signatures.Signature{{SourceIPv4: "172.17.0.2", TargetIPv4: "10.0.0.1", StartTime: "2026-11-27T01:02:03Z"}}
	p, err := signatures.BuildPayload(sigs, []signatures.Attribution{{Agent: "", Asset: "as-1"}},
		[]signatures.ExpectationType{signatures.Detection}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"targets":[{"signature_target":{"asset":"as-1"},"signature_values":[{"expectation_type":"DETECTION","values":[` +
		`{"signature_type":"source_ipv4","signature_value":"172.17.0.2"},` +
		`{"signature_type":"target_ipv4","signature_value":"10.0.0.1"},` +
		`{"signature_type":"start_time","signature_value":"2026-11-27T01:02:03Z"}]}]}]}`
	if string(b) != want {
		t.Errorf("payload JSON:\n got %s\nwant %s", b, want)
	}
}

func TestTargetOmitsEmptyIDs(t *testing.T) {
	tests := []struct {
		tgt  signatures.Attribution
		want string
	}{
		{signatures.Attribution{}, `{}`},
		{signatures.Attribution{Agent: "ag"}, `{"agent":"ag"}`},
		{signatures.Attribution{Asset: "as", AssetGroup: "g"}, `{"asset":"as","asset_group":"g"}`},
		{signatures.Attribution{Agent: "ag", Asset: "as", AssetGroup: "g"}, `{"agent":"ag","asset":"as","asset_group":"g"}`},
	}
	for _, tt := range tests {
		b, _ := json.Marshal(tt.tgt)
		if string(b) != tt.want {
			t.Errorf("%+v = %s, want %s", tt.tgt, b, tt.want)
		}
	}
}

func TestValueGroupIsFlat(t *testing.T) {
	tests := []struct {
		g    signatures.ValueGroup
		want bool
	}{
		{signatures.ValueGroup{ExpectationType: signatures.Detection, SignatureType: "source_ipv4", SignatureValue: "x"}, true},
		{signatures.ValueGroup{ExpectationType: signatures.Detection, Values: []signatures.Value{{"source_ipv4", "x"}}}, false},
		{signatures.ValueGroup{ExpectationType: signatures.Detection}, false},
	}
	for _, tt := range tests {
		if got := tt.g.IsFlat(); got != tt.want {
			t.Errorf("%+v.IsFlat() = %v, want %v", tt.g, got, tt.want)
		}
	}
}
