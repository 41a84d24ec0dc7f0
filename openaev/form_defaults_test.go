package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFormDefaultsDecodeToManifestDefaults registers the reference
// injectors and creates, for each registered contract, the inject the
// platform's form makes when the user leaves every field at its default
// and fills only the mandatory fields without one (openaevtest.FormContent,
// the form's pre-fill rule): every param decodes to its manifest default,
// and a cloud inject's provider to its field's default. Contracts
// declaring a text or number field with a cardinality made the form keep
// the first character of its default (call_timeout "30s" ran as 3 s,
// cloud_provider "aws" was refused as "a").
func TestFormDefaultsDecodeToManifestDefaults(t *testing.T) {
	ms := []framework.Manifest{nmap.New().Manifest(), query.New().Manifest(), cloudscan.New().Manifest(), noop.New().Manifest()}
	// What the user must type: the mandatory fields without a default.
	edits := map[framework.Category]map[string]any{
		framework.External: {openaev.KeyQuery: "port:22"},
		framework.Cloud:    {openaev.KeyCloudAccountID: "123456789012", openaev.KeyCloudRegion: "us-east-1"},
	}
	for _, version := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		t.Run(fmt.Sprint(version), func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(version)})
			e.build(ms)
			if _, err := e.client.Register(context.Background(), ms, false); err != nil {
				t.Fatal(err)
			}
			regs := e.platform.Registrations()
			contracts := map[string]string{}
			for _, c := range regs[len(regs)-1].Body["injector_contracts"].([]any) {
				c := c.(map[string]any)
				contracts[c["contract_id"].(string)] = c["contract_content"].(string)
			}
			for _, m := range ms {
				t.Run(m.Name, func(t *testing.T) {
					contract := contracts[openaev.ContractID(m.Name)]
					content, err := openaevtest.FormContent(contract, edits[m.Category])
					if err != nil {
						t.Fatal(err)
					}
					var assets []map[string]any
					if m.Category != framework.External && m.Category != framework.Cloud {
						assets = []map[string]any{asset("asset", "a1", "", "192.0.2.1", nil)}
					}
					req, ok := e.translate(t, e.message(t, "inj-"+m.Name, m.Name, content, assets, nil), "")
					if !ok {
						return
					}
					for _, p := range m.Params {
						got, sent := req.Params[p.Name]
						if !sent {
							continue // the injector's default applies
						}
						want, err := m.ParseParam(p.Name, p.Default)
						if p.Default == "" || err != nil {
							t.Errorf("param %s: the form sent %q, decoded to %#v; the manifest has no default",
								p.Name, content[p.Name], got)
							continue
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("param %s: the form sent %#v, decoded to %#v, want the default %#v",
								p.Name, content[p.Name], got, want)
						}
					}
					if m.Category == framework.Cloud {
						want := fieldDefault(t, contract, openaev.KeyCloudProvider)
						if len(req.Targets) == 0 || req.Targets[0].CloudProvider != want {
							t.Errorf("targets %+v, want provider %v (the field's default)", req.Targets, want)
						}
					}
				})
			}
		})
	}
}

// fieldDefault returns the defaultValue of the contract field key.
func fieldDefault(t *testing.T, contract, key string) any {
	t.Helper()
	var doc struct {
		Fields []struct {
			Key     string `json:"key"`
			Default any    `json:"defaultValue"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(contract), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Fields {
		if f.Key == key {
			return f.Default
		}
	}
	t.Fatalf("no field %s", key)
	return nil
}

// TestFormEditsDecode sends what the platform's form sends for each field
// type of a contract once the user edits it (openaevtest.FormContent): a
// number typed (parsed to a JSON number) or cleared (NaN, sent as null), a
// checkbox left off (the empty string) or turned on, a select's single
// value, a text typed; each decodes to the value the user chose, or to the
// default for a cleared field.
func TestFormEditsDecode(t *testing.T) {
	m := nmap.New().Manifest()
	tests := []struct {
		name  string
		edits map[string]any
		want  map[string]any // decoded params; absent: the default applies
	}{
		{"untouched", nil, map[string]any{"scan_type": "connect", "timing": 3}},
		{"number typed", map[string]any{"timing": "4"}, map[string]any{"scan_type": "connect", "timing": 4}},
		{"number cleared", map[string]any{"timing": ""}, map[string]any{"scan_type": "connect"}},
		{"checkbox on", map[string]any{"service_detection": true},
			map[string]any{"scan_type": "connect", "timing": 3, "service_detection": true}},
		{"checkbox off again", map[string]any{"service_detection": false},
			map[string]any{"scan_type": "connect", "timing": 3, "service_detection": false}},
		{"select", map[string]any{"scan_type": "syn"}, map[string]any{"scan_type": "syn", "timing": 3}},
		{"text", map[string]any{"ports": "22,80"}, map[string]any{"scan_type": "connect", "timing": 3, "ports": "22,80"}},
	}
	e := newEnv(t)
	e.build([]framework.Manifest{m})
	cs, err := e.client.Contracts([]framework.Manifest{m}, current)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content, err := openaevtest.FormContent(cs[0].Content, tt.edits)
			if err != nil {
				t.Fatal(err)
			}
			body := e.message(t, fmt.Sprintf("inj-%d", i), m.Name, content,
				[]map[string]any{asset("asset", "a1", "", "192.0.2.1", nil)}, nil)
			req, ok := e.translate(t, body, "")
			if !ok {
				return
			}
			if !reflect.DeepEqual(req.Params, tt.want) {
				t.Errorf("the form sent %v: params %#v, want %#v", content, req.Params, tt.want)
			}
		})
	}
}

// TestCheckboxDefaultAsTheParamReads registers bool params whose manifest
// default is written in each spelling the param itself reads
// (framework.Manifest.ParseParam, internal/scalar.Bool): the checkbox's
// defaultValue (ContractCheckbox's boolean) is what the injector runs
// with when the box is left alone. "1" and "True" showed unchecked while
// the param read true. A default no bool reads is refused before
// registration, naming the param and the value.
func TestCheckboxDefaultAsTheParamReads(t *testing.T) {
	tests := []struct {
		def  string
		want bool
	}{
		{"", false}, {"true", true}, {"false", false}, {"1", true}, {"0", false},
		{"True", true}, {"TRUE", true}, {"t", true}, {"F", false}, {"False", false},
	}
	m := framework.Manifest{Name: "toggles", Category: framework.Network}
	for i, tt := range tests {
		m.Params = append(m.Params, framework.Param{Name: fmt.Sprintf("flag_%d", i), Type: framework.ParamBool, Default: tt.def})
	}
	c := offlineClient(t)
	cs, err := c.Contracts([]framework.Manifest{m}, current)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		name := fmt.Sprintf("flag_%d", i)
		runs, err := m.ParseParam(name, tt.def)
		if tt.def != "" && (err != nil || runs != tt.want) {
			t.Fatalf("param %s default %q reads %v (%v), want %v", name, tt.def, runs, err, tt.want)
		}
		if got := fieldDefault(t, cs[0].Content, name); got != tt.want {
			t.Errorf("default %q: checkbox defaultValue %#v, want %v", tt.def, got, tt.want)
		}
	}

	m.Params = []framework.Param{{Name: "verbose", Type: framework.ParamBool, Default: "yes"}}
	_, err = c.Contracts([]framework.Manifest{m}, current)
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || ve.Field != "toggles.params.verbose" || ve.Value != "yes" {
		t.Errorf("default yes: err = %v, want a validation error on toggles.params.verbose \"yes\"", err)
	}
}

// TestRequiredEnumAsksTheUser registers a required enum param without a
// default (`param:"enum=aws|gcp,required"`, NewParams leaving it empty):
// its select has no default, so that the platform's form pre-fills it
// empty and its mandatory rule makes the user choose (2.4.0's
// InjectForm.tsx defaultValues, utils.ts getValidatingRule: a mandatory
// select is a non-empty string). Tester t148: it was pre-filled with the
// enum's first value, so that every inject ran with a value nobody chose.
// An optional enum keeps its default. A required one with a default is
// no manifest (framework.ValidateManifest, which Contracts calls first):
// its form would send the default unchosen, where run refuses it missing.
func TestRequiredEnumAsksTheUser(t *testing.T) {
	m := framework.Manifest{Name: "chooser", Category: framework.Network, Params: []framework.Param{
		{Name: "provider", Type: framework.ParamEnum, Enum: []string{"aws", "gcp"}, Required: true},
		{Name: "mode", Type: framework.ParamEnum, Enum: []string{"fast", "slow"}, Default: "slow"},
	}}
	c := offlineClient(t)
	cs, err := c.Contracts([]framework.Manifest{m}, current)
	if err != nil {
		t.Fatal(err)
	}
	content, err := openaevtest.FormContent(cs[0].Content, nil)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"provider": "", "mode": "slow"} {
		if got := content[key]; got != want {
			t.Errorf("%s: the form pre-fills %#v (defaultValue %#v), want %q", key, got, fieldDefault(t, cs[0].Content, key), want)
		}
	}
	m.Params = append(m.Params, framework.Param{Name: "level", Type: framework.ParamEnum, Enum: []string{"low", "high"}, Default: "high", Required: true})
	var ve *openaev.ValidationError
	if _, err := c.Contracts([]framework.Manifest{m}, current); !errors.As(err, &ve) || ve.Field != "chooser.params.level" || ve.Value != "high" {
		t.Errorf("a required enum with a default: Contracts err = %v, want one on chooser.params.level \"high\"", err)
	}
}
