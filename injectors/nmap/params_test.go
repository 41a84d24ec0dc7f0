package nmap

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		field  string // "" when valid
	}{
		{"defaults", DefaultParams(), ""},
		{"syn", Params{ScanType: ScanSYN, Timing: 0}, ""},
		{"fin T5", Params{ScanType: ScanFIN, Timing: 5}, ""},
		{"one port", Params{ScanType: ScanConnect, Ports: "22", Timing: 3}, ""},
		{"list and ranges", Params{ScanType: ScanConnect, Ports: "22,80,8000-8100", Timing: 3}, ""},
		{"bounds", Params{ScanType: ScanConnect, Ports: "1,65535,1-65535", Timing: 3}, ""},
		{"empty scan type", Params{Timing: 3}, "scan_type"},
		{"unknown scan type", Params{ScanType: "udp", Timing: 3}, "scan_type"},
		{"scan type case", Params{ScanType: "SYN", Timing: 3}, "scan_type"},
		{"timing negative", Params{ScanType: ScanConnect, Timing: -1}, "timing"},
		{"timing 6", Params{ScanType: ScanConnect, Timing: 6}, "timing"},
		{"port 0", Params{ScanType: ScanConnect, Ports: "0", Timing: 3}, "ports"},
		{"port 65536", Params{ScanType: ScanConnect, Ports: "65536", Timing: 3}, "ports"},
		{"port long digits", Params{ScanType: ScanConnect, Ports: "0000022", Timing: 3}, "ports"},
		{"reversed range", Params{ScanType: ScanConnect, Ports: "100-10", Timing: 3}, "ports"},
		{"open range", Params{ScanType: ScanConnect, Ports: "100-", Timing: 3}, "ports"},
		{"double range", Params{ScanType: ScanConnect, Ports: "1-2-3", Timing: 3}, "ports"},
		{"empty item", Params{ScanType: ScanConnect, Ports: "22,,80", Timing: 3}, "ports"},
		{"trailing comma", Params{ScanType: ScanConnect, Ports: "22,", Timing: 3}, "ports"},
		{"space", Params{ScanType: ScanConnect, Ports: "22, 80", Timing: 3}, "ports"},
		{"protocol prefix", Params{ScanType: ScanConnect, Ports: "T:22", Timing: 3}, "ports"},
		{"service name", Params{ScanType: ScanConnect, Ports: "http", Timing: 3}, "ports"},
		{"option", Params{ScanType: ScanConnect, Ports: "-oN/tmp/x", Timing: 3}, "ports"},
		{"shell", Params{ScanType: ScanConnect, Ports: "22;id", Timing: 3}, "ports"},
		{"too long", Params{ScanType: ScanConnect, Ports: strings.Repeat("1,", 600) + "1", Timing: 3}, "ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.params.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *signatures.ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", ve.Field, tt.field, err)
			}
		})
	}
}

func TestValidateParamsRoot(t *testing.T) {
	tests := []struct {
		scanType string
		euid     int
		wantRoot bool
	}{
		{ScanConnect, 1000, false},
		{ScanConnect, 0, false},
		{ScanSYN, 0, false},
		{ScanFIN, 0, false},
		{ScanSYN, 1000, true},
		{ScanFIN, 1000, true},
	}
	for _, tt := range tests {
		e := New()
		e.euid = func() int { return tt.euid }
		p := DefaultParams()
		p.ScanType = tt.scanType
		err := e.ValidateParams(&p)
		if got := errors.Is(err, ErrNeedsRoot); got != tt.wantRoot || (!tt.wantRoot && err != nil) {
			t.Errorf("%s as uid %d: ValidateParams = %v", tt.scanType, tt.euid, err)
		}
		if tt.wantRoot && !strings.Contains(err.Error(), "scan_type=connect") {
			t.Errorf("error %q does not name the fix", err)
		}
	}
}

func TestValidateParamsType(t *testing.T) {
	e := New()
	err := e.ValidateParams(map[string]any{"ports": "22"})
	if !errors.Is(err, framework.ErrParamsType) || !strings.Contains(err.Error(), "map[string]interface {}") {
		t.Errorf("ValidateParams(map) = %v, want ErrParamsType naming the type", err)
	}
	if err := e.ValidateParams(nil); err != nil {
		t.Errorf("ValidateParams(nil) = %v, want the defaults to be valid", err)
	}
	if err := e.ValidateParams(DefaultParams()); err != nil {
		t.Errorf("ValidateParams(Params) = %v, want a value accepted", err)
	}
}

// TestNewParamsStrictDecode decodes the way the runtime does
// (framework.DecodeParams): strictly, over the defaults, then validated;
// errors name the param under params.
func TestNewParamsStrictDecode(t *testing.T) {
	tests := []struct {
		in        string
		want      Params
		wantField string // of the error, "" when none
	}{
		{`{}`, DefaultParams(), ""},
		{`{"ports":"22,80","timing":1}`, Params{ScanType: ScanConnect, Ports: "22,80", Timing: 1}, ""},
		{`{"scan_type":"syn","service_detection":true}`, Params{ScanType: ScanSYN, Timing: 3, ServiceDetection: true}, ""},
		{`{"args":"--script=x"}`, Params{}, "params.args"},
		{`{"timing":"3"}`, Params{}, "params.timing"},
		{`{"timing":9}`, Params{}, "params.timing"},
		{`{"scan_type":"udp"}`, Params{}, "params.scan_type"},
		{`{"ports":"22;id"}`, Params{}, "params.ports"},
	}
	e := New()
	e.euid = func() int { return 0 }
	for _, tt := range tests {
		var raw map[string]any
		if err := json.Unmarshal([]byte(tt.in), &raw); err != nil {
			t.Fatal(err)
		}
		p, err := framework.DecodeParams(e, raw)
		var ve *signatures.ValidationError
		switch {
		case tt.wantField != "" && (!errors.As(err, &ve) || ve.Field != tt.wantField):
			t.Errorf("decode %s: err = %v, want a validation error on %s", tt.in, err, tt.wantField)
		case tt.wantField == "" && err != nil:
			t.Errorf("decode %s: %v", tt.in, err)
		case tt.wantField == "" && *p.(*Params) != tt.want:
			t.Errorf("decode %s = %+v, want %+v", tt.in, *p.(*Params), tt.want)
		}
	}
}

// TestScanTypeEnum: the scan types the manifest offers (the scan_type tag)
// are exactly those buildArgs knows a flag for.
func TestScanTypeEnum(t *testing.T) {
	p, ok := New().Manifest().Param("scan_type")
	if !ok {
		t.Fatal("no scan_type param")
	}
	var known []string
	for k := range scanFlags {
		known = append(known, k)
	}
	if !slices.Equal(slices.Sorted(slices.Values(p.Enum)), slices.Sorted(slices.Values(known))) {
		t.Errorf("scan_type enum %v, scan flags for %v", p.Enum, known)
	}
}

func TestManifest(t *testing.T) {
	m := New().Manifest()
	if m.Name != "nmap" || m.Category != framework.Network {
		t.Errorf("name/category = %q/%q", m.Name, m.Category)
	}
	// Every documented param is a field of Params, with a default that
	// decodes to DefaultParams, and nothing else is accepted.
	def := map[string]any{}
	b, _ := json.Marshal(DefaultParams())
	_ = json.Unmarshal(b, &def)
	if len(m.Params) != len(def) {
		t.Errorf("manifest documents %d params, Params has %d fields", len(m.Params), len(def))
	}
	for _, p := range m.Params {
		v, ok := def[p.Name]
		if !ok {
			t.Errorf("manifest param %q is not a Params field", p.Name)
			continue
		}
		var s string
		switch x := v.(type) {
		case string:
			s = x
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		if s != p.Default {
			t.Errorf("param %q default = %q, want %q", p.Name, p.Default, s)
		}
		if p.Doc == "" || p.Type == "" {
			t.Errorf("param %q lacks a type or a doc", p.Name)
		}
	}
	want := map[string]bool{"scan_results": true, "ports": true, "action_output": true}
	for _, o := range m.Outputs {
		delete(want, o.Field)
	}
	if len(want) != 0 {
		t.Errorf("outputs lack %v", want)
	}
	if len(m.Expectations) != 2 || len(m.AttackPatterns) != 1 || m.AttackPatterns[0] != "T1046" {
		t.Errorf("expectations %v, attack patterns %v", m.Expectations, m.AttackPatterns)
	}
}
