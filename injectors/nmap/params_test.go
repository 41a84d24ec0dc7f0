package nmap

import (
	"encoding/json"
	"errors"
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
	if err := e.ValidateParams(map[string]any{"ports": "22"}); err == nil || !strings.Contains(err.Error(), "map[string]interface {}") {
		t.Errorf("ValidateParams(map) = %v, want an error naming the type", err)
	}
	if err := e.ValidateParams(nil); err != nil {
		t.Errorf("ValidateParams(nil) = %v, want the defaults to be valid", err)
	}
}

// TestNewParamsStrictDecode decodes the way the runtime does: strictly, over
// the defaults.
func TestNewParamsStrictDecode(t *testing.T) {
	tests := []struct {
		in      string
		want    Params
		wantErr bool
	}{
		{`{}`, DefaultParams(), false},
		{`{"ports":"22,80","timing":1}`, Params{ScanType: ScanConnect, Ports: "22,80", Timing: 1}, false},
		{`{"scan_type":"syn","service_detection":true}`, Params{ScanType: ScanSYN, Timing: 3, ServiceDetection: true}, false},
		{`{"args":"--script=x"}`, Params{}, true},
		{`{"timing":"3"}`, Params{}, true},
	}
	for _, tt := range tests {
		p := New().NewParams()
		dec := json.NewDecoder(strings.NewReader(tt.in))
		dec.DisallowUnknownFields()
		err := dec.Decode(p)
		if (err != nil) != tt.wantErr {
			t.Fatalf("decode %s: err = %v, wantErr %v", tt.in, err, tt.wantErr)
		}
		if err == nil && *p.(*Params) != tt.want {
			t.Errorf("decode %s = %+v, want %+v", tt.in, *p.(*Params), tt.want)
		}
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
