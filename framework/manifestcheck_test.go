package framework_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// manifestLike returns a valid manifest, as a third party writes one,
// edited by f.
func manifestLike(f func(*framework.Manifest)) framework.Manifest {
	m := framework.Manifest{Name: "probe", Category: framework.Network,
		Params:       []framework.Param{{Name: "port", Type: framework.ParamInt, Default: "80"}},
		Settings:     []framework.Setting{{Key: "api_key", Env: "PROBE_API_KEY", Secret: true}},
		Expectations: []framework.ExpectationType{framework.Detection, framework.Prevention, framework.Vulnerability},
		Outputs:      []framework.Output{{Type: "text", Field: "notes"}, {Type: "port", Field: "ports", Multiple: true}}}
	if f != nil {
		f(&m)
	}
	return m
}

// paramAdded returns manifestLike's manifest with p as its last param.
func paramAdded(p framework.Param) framework.Manifest {
	return manifestLike(func(m *framework.Manifest) { m.Params = append(m.Params, p) })
}

func TestValidateManifest(t *testing.T) {
	tests := []struct {
		name     string
		manifest framework.Manifest
		field    string // "" when valid
		value    string
	}{
		{"valid", manifestLike(nil), "", ""},
		{"no expectations", manifestLike(func(m *framework.Manifest) { m.Expectations = nil }), "", ""},
		// Tester t148: an unknown category passed every command, whose run
		// then refused each target ("injector probe takes web targets").
		{"no category: any", manifestLike(func(m *framework.Manifest) { m.Category = "" }), "", ""},
		{"unknown category", manifestLike(func(m *framework.Manifest) { m.Category = "web" }), "probe.category", "web"},
		{"category capitalised", manifestLike(func(m *framework.Manifest) { m.Category = "Network" }), "probe.category", "Network"},
		{"unknown expectation type", manifestLike(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, "BOGUS"}
		}), "probe.expectations", "BOGUS"},
		{"lower-case expectation type", manifestLike(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{"detection"}
		}), "probe.expectations", "detection"},
		{"expectation type twice", manifestLike(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, framework.Detection}
		}), "probe.expectations", "DETECTION"},
		{"the tester's: twice, then unknown", manifestLike(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, framework.Detection, "BOGUS"}
		}), "probe.expectations", "DETECTION"},
		// Tester t148: a hand-written default that is no value of its
		// param passed, and the openaev profile refused the manifest (an
		// int, a bool) or the runtime the value the platform sent back.
		{"int default not a number", paramAdded(framework.Param{Name: "rate", Type: framework.ParamInt, Default: "fast"}), "probe.params.rate", "fast"},
		{"int default out of its range", paramAdded(framework.Param{Name: "rate", Type: framework.ParamInt, Default: "9", Min: "0", Max: "5"}), "probe.params.rate", "9"},
		{"bool default yes", paramAdded(framework.Param{Name: "verbose", Type: framework.ParamBool, Default: "yes"}), "probe.params.verbose", "yes"},
		{"bool default 1", paramAdded(framework.Param{Name: "verbose", Type: framework.ParamBool, Default: "1"}), "", ""},
		{"negative duration default", paramAdded(framework.Param{Name: "wait", Type: framework.ParamDuration, Default: "-1s"}), "probe.params.wait", "-1s"},
		{"duration default in seconds", paramAdded(framework.Param{Name: "wait", Type: framework.ParamDuration, Default: "90"}), "", ""},
		{"enum default not among its values", paramAdded(framework.Param{Name: "mode", Type: framework.ParamEnum, Enum: []string{"a", "b"}, Default: "c"}), "probe.params.mode", "c"},
		// Tester t148 (h224): a required param with a default was shown
		// "default 80, required", refused missing by run, and pre-filled
		// on the platform's form.
		{"required int with a default", paramAdded(framework.Param{Name: "rate", Type: framework.ParamInt, Default: "80", Required: true}), "probe.params.rate", "80"},
		{"required enum with a default", paramAdded(framework.Param{Name: "mode", Type: framework.ParamEnum, Enum: []string{"a", "b"}, Default: "b", Required: true}), "probe.params.mode", "b"},
		{"required without a default", paramAdded(framework.Param{Name: "rate", Type: framework.ParamInt, Required: true}), "", ""},
		{"param twice", paramAdded(framework.Param{Name: "port", Type: framework.ParamString}), "probe.params", "port"},
		{"param without a name", paramAdded(framework.Param{Type: framework.ParamString}), "probe.params[1]", ""},
		{"param name hand-written, lowercase with digits and underscores", paramAdded(framework.Param{Name: "max_rate_2", Type: framework.ParamInt}), "", ""},
		{"param name upper case", paramAdded(framework.Param{Name: "Port2", Type: framework.ParamInt}), "probe.params", "Port2"},
		{"param name with a dash", paramAdded(framework.Param{Name: "max-rate", Type: framework.ParamInt}), "probe.params", "max-rate"},
		{"param name with a space", paramAdded(framework.Param{Name: "scan ports", Type: framework.ParamString}), "probe.params", "scan ports"},
		{"param name with a dot", paramAdded(framework.Param{Name: "probe.port", Type: framework.ParamString}), "probe.params", "probe.port"},
		{"param name not ASCII", paramAdded(framework.Param{Name: "débit", Type: framework.ParamString}), "probe.params", "débit"},
		{"param name with '='", paramAdded(framework.Param{Name: "a=b", Type: framework.ParamString}), "probe.params", "a=b"},
		{"output without a field", manifestLike(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: "text"})
		}), "probe.outputs[2]", ""},
		{"setting without a key", manifestLike(func(m *framework.Manifest) {
			m.Settings = append(m.Settings, framework.Setting{Env: "PROBE_X"})
		}), "probe.settings[1]", ""},
		{"output field twice", manifestLike(func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "dup"}, {Type: "number", Field: "dup"}}
		}), "probe.outputs", "dup"},
		{"output field twice, one type", manifestLike(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, m.Outputs[0])
		}), "probe.outputs", "notes"},
		{"output named like the expectation signatures", manifestLike(func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: framework.ReservedOutputField}}
		}), "probe.outputs", "expectation_signatures"},
		{"setting key twice", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "k", Env: "EVIL_K"}, {Key: "k", Env: "EVIL_K2"}}
		}), "probe.settings", "k"},
		{"setting named like a param", manifestLike(func(m *framework.Manifest) {
			m.Settings = append(m.Settings, framework.Setting{Key: "port", Env: "PROBE_PORT"})
		}), "probe.settings", "port"},
		{"setting key twice, in two spellings", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "api_key", Env: "EVIL_K"}, {Key: "apiKey", Env: "EVIL_K2"}}
		}), "probe.settings", "apiKey"},
		{"setting named like a param in another spelling", manifestLike(func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: "endpoint_url", Type: framework.ParamString})
			m.Settings = append(m.Settings, framework.Setting{Key: "endpointUrl", Env: "PROBE_ENDPOINT"})
		}), "probe.settings", "endpointUrl"},
		{"the tester's: twice, then like a param", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "k"}, {Key: "k"}, {Key: "port"}}
		}), "probe.settings", "k"},
		{"setting key with a space", manifestLike(func(m *framework.Manifest) {
			m.Settings = append(m.Settings, framework.Setting{Key: "api key2"})
		}), "probe.settings", "api key2"},
		{"setting key in capitals", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "Region"}}
		}), "probe.settings", "Region"},
		{"env in lower case", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "region", Env: "lower case env"}}
		}), "probe.settings.region.env", "lower case env"},
		{"env starting with a digit", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "region", Env: "1PROBE"}}
		}), "probe.settings.region.env", "1PROBE"},
		{"two settings read from one env", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "region", Env: "PROBE_REGION"}, {Key: "zone", Env: "PROBE_REGION"}}
		}), "probe.settings.zone.env", "PROBE_REGION"},
		{"env and key as they should be", manifestLike(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "region_2", Env: "PROBE_REGION_2"}, {Key: "zone"}}
		}), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := framework.ValidateManifest(tt.manifest)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || ve.Value != tt.value {
				t.Fatalf("err = %#v, want a validation error on %s %q", err, tt.field, tt.value)
			}
			// The message names the injector, the field and the value
			// (the index of an empty one).
			if msg := err.Error(); !strings.Contains(msg, tt.field) || tt.value != "" && !strings.Contains(msg, `"`+tt.value+`"`) {
				t.Errorf("err = %q", msg)
			}
		})
	}
}

// TestEnumCheck checks that an EnumCheck answers as CheckEnums does, for
// described params and for a struct ParamsSpec rejects, and that a check
// parses no tag: it allocates nothing.
func TestEnumCheck(t *testing.T) {
	scan := framework.NewEnumCheck[scanParams]()
	// Its enum holds a value it does not list, but its float64 has no
	// param: the struct is not described, and nothing is checked.
	type undescribedParams struct {
		Mode string `json:"mode" param:"enum=a|b"`
		F    float64
	}
	undescribed := framework.NewEnumCheck[undescribedParams]()
	bad := &undescribedParams{Mode: "z"}
	tests := []struct {
		name  string
		check func() error
		want  error // CheckEnums' answer
		field string
	}{
		{"valid", func() error { return scan.Check(defaultScan()) }, framework.CheckEnums(defaultScan()), ""},
		{"bad value", func() error { return scan.Check(&scanParams{Mode: "medium"}) }, framework.CheckEnums(&scanParams{Mode: "medium"}), "mode"},
		{"empty value", func() error { return scan.Check(&scanParams{}) }, framework.CheckEnums(&scanParams{}), "mode"},
		{"nil", func() error { return scan.Check(nil) }, framework.CheckEnums((*scanParams)(nil)), ""},
		{"not described", func() error { return undescribed.Check(bad) }, framework.CheckEnums(bad), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if (err == nil) != (tt.want == nil) || (err != nil && err.Error() != tt.want.Error()) {
				t.Fatalf("Check = %v, CheckEnums = %v", err, tt.want)
			}
			if (err != nil) != (tt.field != "") {
				t.Fatalf("Check = %v, want an error only on %q", err, tt.field)
			}
			if err == nil {
				if n := testing.AllocsPerRun(100, func() { _ = tt.check() }); n != 0 {
					t.Errorf("a check allocated %.0f times, want 0 (its tags parsed once, by NewEnumCheck)", n)
				}
			}
		})
	}
}

// A message names at most MaxListedErrors errors, then how many more the
// finding named holds. By the message wanted: the errors joined.
func TestJoinErrors(t *testing.T) {
	ten := slices.Repeat([]string{"e"}, framework.MaxListedErrors)
	for want, errs := range map[string][]string{
		"":                                       nil,
		"targets[0]: refused":                    {"targets[0]: refused"},
		"targets[0]: refused; targets[1]: later": {"targets[0]: refused", "targets[1]: later"},
		"e; e; e; e; e; e; e; e; e; e":           ten,
		"e; e; e; e; e; e; e; e; e; e; and 2 more (configs lists every error)": append(ten, "f", "g"),
	} {
		if got := framework.JoinErrors(errs, "configs"); got != want {
			t.Errorf("JoinErrors(%q) = %q, want %q", errs, got, want)
		}
	}
}
