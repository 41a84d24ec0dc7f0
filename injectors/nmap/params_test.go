package nmap

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

func TestParamsValidate(t *testing.T) {
	ports := func(list string) Params { return Params{ScanType: ScanConnect, Ports: list, Timing: 3} }
	tests := []struct {
		name   string
		params Params
		field  string // "" when valid
	}{
		{"defaults", DefaultParams(), ""},
		{"syn", Params{ScanType: ScanSYN, Timing: 0}, ""},
		{"fin T5", Params{ScanType: ScanFIN, Timing: 5}, ""},
		{"one port", ports("22"), ""},
		{"list and ranges", ports("22,80,8000-8100"), ""},
		{"bounds", ports("1,65535,1-65535"), ""},
		{"empty scan type", Params{Timing: 3}, "scan_type"},
		{"unknown scan type", Params{ScanType: "udp", Timing: 3}, "scan_type"},
		{"scan type case", Params{ScanType: "SYN", Timing: 3}, "scan_type"},
		{"timing negative", Params{ScanType: ScanConnect, Timing: -1}, "timing"},
		{"timing 6", Params{ScanType: ScanConnect, Timing: 6}, "timing"},
		{"port 0", ports("0"), "ports"},
		{"port 65536", ports("65536"), "ports"},
		{"leading zeros, as nmap reads them", ports("00022,000022,0000000022,00001-000080"), ""},
		{"zeros only", ports("00000"), "ports"},
		{"leading zeros past 65535", ports("0065536"), "ports"},
		{"long digits", ports("1000022"), "ports"},
		{"reversed range", ports("100-10"), "ports"},
		{"open range", ports("100-"), "ports"},
		{"double range", ports("1-2-3"), "ports"},
		{"empty item", ports("22,,80"), "ports"},
		{"trailing comma", ports("22,"), "ports"},
		{"spaces around items, as nmap skips them", ports("22, 80 ,\t443 , 8000-8100 "), ""},
		{"space within a range", ports("22 - 80"), "ports"},
		{"space within a port", ports("2 2"), "ports"},
		{"spaces alone", ports("  "), "ports"},
		{"newline", ports("22,\n80"), "ports"},
		{"protocol prefix", ports("T:22"), "ports"},
		{"service name", ports("http"), "ports"},
		{"option", ports("-oN/tmp/x"), "ports"},
		{"shell", ports("22;id"), "ports"},
		{"too long", ports(strings.Repeat("1,", 600) + "1"), "ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frameworktest.WantInvalid(t, tt.params.Validate(), tt.field)
		})
	}
}

// A bad ports item is named when the reason alone would not show it.
func TestPortsErrorNamesTheItem(t *testing.T) {
	for spec, want := range map[string]string{
		"-p":             `in "-p": empty port`,
		"1-2,--script=x": `in "--script=x": empty port`,
		"22;id":          `"22;id" is not a port number`,
		"0":              "port 0 out of range",
		"00000":          "port 00000 out of range 1-65535",
		"22,0123456":     "port 0123456 out of range 1-65535",
		"22,80,100-":     `in "100-": empty port`,
	} {
		p := DefaultParams()
		p.Ports = spec
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ports %q: %v, want %q", spec, err, want)
		}
	}
}

// A syn or fin scan is refused before nmap runs when nmap would refuse it
// (not root as nmap decides: NMAP_PRIVILEGED set, else NMAP_UNPRIVILEGED
// unset and uid 0) or could not open its raw socket (no effective
// CAP_NET_RAW), and only then: root without CAP_NET_RAW was let through
// (nmap then failed, "Couldn't open a raw socket"), and a user with it and
// NMAP_PRIVILEGED refused.
func TestValidateParamsRoot(t *testing.T) {
	tests := []struct {
		name     string
		scanType string
		privs    privileges
		want     string // in the error, "" when none
	}{
		{"connect as a user", ScanConnect, asUser, ""},
		{"connect as root", ScanConnect, asRoot, ""},
		{"connect as root without CAP_NET_RAW", ScanConnect, privileges{}, ""},
		{"syn as root", ScanSYN, asRoot, ""},
		{"fin as root", ScanFIN, asRoot, ""},
		{"syn as a user", ScanSYN, asUser, "run as root, or with CAP_NET_RAW and NMAP_PRIVILEGED set, or use scan_type=connect"},
		{"fin as a user", ScanFIN, asUser, "run as root, or with CAP_NET_RAW and NMAP_PRIVILEGED set"},
		{"syn as a user with CAP_NET_RAW alone", ScanSYN, privileges{euid: 1000, netRaw: true}, "NMAP_PRIVILEGED"},
		{"syn as a user with CAP_NET_RAW and NMAP_PRIVILEGED", ScanSYN, privileges{euid: 1000, netRaw: true, privileged: true}, ""},
		{"syn as a user with NMAP_PRIVILEGED alone", ScanSYN, privileges{euid: 1000, privileged: true}, "lacks CAP_NET_RAW"},
		{"syn as root without CAP_NET_RAW", ScanSYN, privileges{}, "the process lacks CAP_NET_RAW, without which nmap cannot open a raw socket"},
		{"syn as root with NMAP_UNPRIVILEGED", ScanSYN, privileges{netRaw: true, unprivileged: true}, "NMAP_UNPRIVILEGED is set"},
		{"NMAP_PRIVILEGED wins over NMAP_UNPRIVILEGED, as in nmap", ScanSYN, privileges{netRaw: true, privileged: true, unprivileged: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			e.privileges = func() privileges { return tt.privs }
			p := DefaultParams()
			p.ScanType = tt.scanType
			err := e.ValidateParams(&p)
			if tt.want == "" {
				if err != nil {
					t.Errorf("ValidateParams = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrNeedsRoot) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ValidateParams = %v, want ErrNeedsRoot saying %q", err, tt.want)
			}
			// Refused as any other param, so that every command names it
			// its way (params.scan_type, --param "scan_type=syn").
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != "scan_type" || ve.Value != tt.scanType ||
				!strings.HasPrefix(err.Error(), `invalid scan_type "`+tt.scanType+`": scan type needs root privileges: `) {
				t.Errorf("ValidateParams = %v (%#v), want a *signatures.ValidationError on scan_type", err, ve)
			}
		})
	}
}

// parseCapEff reads the effective set of a /proc/PID/status file.
func TestParseCapEff(t *testing.T) {
	tests := []struct {
		name, status string
		want         uint64
		wantErr      bool
	}{
		{"root", "Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n", 0x1ffffffffff, false},
		{"CAP_NET_RAW dropped", "CapEff:\t000001ffffffdfff\n", 0x1ffffffdfff, false},
		{"a user with CAP_NET_RAW", "CapEff:\t0000000000002000\n", 1 << capNetRaw, false},
		{"no line", "Name:\tx\n", 0, true},
		{"not hex", "CapEff:\tzz\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCapEff([]byte(tt.status))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseCapEff = %#x, %v; want %#x, error %v", got, err, tt.want, tt.wantErr)
			}
		})
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
		// As the platform's form sends a list typed with spaces.
		{`{"ports":"22, 80, 443"}`, Params{ScanType: ScanConnect, Ports: "22, 80, 443", Timing: 3}, ""},
		{`{"scan_type":"syn","service_detection":true}`, Params{ScanType: ScanSYN, Timing: 3, ServiceDetection: true}, ""},
		{`{"args":"--script=x"}`, Params{}, "params.args"},
		{`{"timing":"3"}`, Params{}, "params.timing"},
		{`{"timing":9}`, Params{}, "params.timing"},
		{`{"scan_type":"udp"}`, Params{}, "params.scan_type"},
		{`{"ports":"22;id"}`, Params{}, "params.ports"},
	}
	e := New()
	e.privileges = func() privileges { return asRoot }
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.in), &raw); err != nil {
				t.Fatal(err)
			}
			p, err := framework.DecodeParams(e, raw)
			frameworktest.WantInvalid(t, err, tt.wantField)
			if tt.wantField == "" && *p.(*Params) != tt.want {
				t.Errorf("decode %s = %+v, want %+v", tt.in, *p.(*Params), tt.want)
			}
		})
	}
}

// The ports param's doc (injectkit injectors nmap, the README) tells the
// length limit validation holds it to: a spec of that many characters is
// accepted, one more is refused, naming the limit.
func TestPortsDocTellsTheLengthLimit(t *testing.T) {
	p, ok := New().Manifest().Param("ports")
	if !ok {
		t.Fatal("no ports param")
	}
	limit := 0
	for f := range strings.FieldsSeq(p.Doc) {
		if n, err := strconv.Atoi(f); err == nil && strings.Contains(p.Doc, f+" characters") {
			limit = n
		}
	}
	if limit == 0 {
		t.Fatalf("ports doc %q names no length limit (N characters)", p.Doc)
	}
	spec := strings.Repeat("1,", limit)[:limit-1] + "2" // "1,1,…,2": limit characters
	if err := validatePorts(spec); err != nil {
		t.Errorf("a spec of %d characters: %v, want it accepted", len(spec), err)
	}
	err := validatePorts(spec + "2")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("longer than %d characters", limit)) {
		t.Errorf("a spec of %d characters: %v, want it refused naming %d characters", len(spec)+1, err, limit)
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

// ValidateParams checks only what depends on the executor: the params'
// own Validate is the framework's to call, once, before it
// (framework.CheckParams, which the runtime and Conformance call). An
// Execute called without the framework still refuses them.
func TestValidateParamsLeavesTheParamsOwnChecksToTheFramework(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Params)
		field string
	}{
		{"timing out of range", func(p *Params) { p.Timing = 9 }, "params.timing"},
		{"unknown scan type", func(p *Params) { p.ScanType = "bogus" }, "params.scan_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			e.privileges = func() privileges { return asUser }
			p := DefaultParams()
			tt.edit(&p)
			if err := e.ValidateParams(&p); err != nil {
				t.Errorf("ValidateParams = %v, want nil: Params.Validate is the framework's to call", err)
			}
			var ve *signatures.ValidationError
			if err := framework.CheckParams(e, &p); !errors.As(err, &ve) || ve.Field != tt.field {
				t.Errorf("CheckParams = %v, want a *signatures.ValidationError on %s", err, tt.field)
			}
			out := e.Execute(t.Context(), &framework.Inject{Params: &p,
				Targets: []framework.Target{{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}}})
			if out.Status != framework.StatusFailed || out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitInvalidInput {
				t.Errorf("Execute without the framework: status %s, error %+v, want failed with exit %d", out.Status, out.ErrorInfo, ExitInvalidInput)
			}
		})
	}
}
