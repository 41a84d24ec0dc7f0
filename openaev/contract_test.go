package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

var (
	current = openaev.PlatformVersion{Raw: "3.260821.0", Current: true}
	v24     = openaev.PlatformVersion{Raw: "2.4.0"}
)

// TestContractIDsGolden pins the contract ids of the reference injectors:
// changing them orphans every inject a platform holds.
func TestContractIDsGolden(t *testing.T) {
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/injectkit/injectkit/contracts")).String()
	if openaev.ContractNamespace != ns {
		t.Errorf("ContractNamespace = %s, want %s", openaev.ContractNamespace, ns)
	}
	a := offlineClient(t)
	b, err := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1", InjectorID: "0b6c0b9c-1d0e-4c8e-9a43-5e0f9c3f2a10"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, id string }{
		{"nmap", "8d39d4f2-2e77-5986-a6ad-caf4c0475d6a"},
		{"query", "73583f8d-53db-5527-b475-69403c03b7de"},
		{"cloudscan", "0c73a23a-fc35-5974-a199-f05f5bc5612a"},
		{"noop", "c5df9442-3be3-5c6d-8cf5-31a58dabebfb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := openaev.ContractID(tt.name); got != tt.id {
				t.Errorf("ContractID(%s) = %s, want %s", tt.name, got, tt.id)
			}
			if a.ContractID(tt.name) != tt.id || b.ContractID(tt.name) != tt.id {
				t.Errorf("clients of two injector ids give %s and %s, want %s", a.ContractID(tt.name), b.ContractID(tt.name), tt.id)
			}
		})
	}
}

// nmapShaped is a manifest declaring what the platform's own nmap injector
// declares (a domain, security platform types per expectation), an output
// type newer than 2.4.0 (action_output) and one 2.4.0 knows (ipv4). Each
// call returns a fresh value.
func nmapShaped() framework.Manifest {
	m := (&fakeNmap{}).Manifest()
	m.Outputs = append(m.Outputs, framework.Output{Type: "ipv4", Field: "up_hosts", Multiple: true, Finding: true})
	return m
}

func TestContractsValidation(t *testing.T) {
	with := func(f func(*framework.Manifest)) framework.Manifest {
		m := nmapShaped()
		f(&m)
		return m
	}
	tests := []struct {
		name     string
		manifest framework.Manifest
		version  openaev.PlatformVersion
		field    string // "" when valid
		value    string
	}{
		{"nmap-shaped on current", nmapShaped(), current, "", ""},
		{"nmap-shaped on 2.4", nmapShaped(), v24, "", ""},
		{"no platform, no domain", framework.Manifest{Name: "cloudy", Category: framework.Cloud}, v24, "", ""},
		{"name with a space", with(func(m *framework.Manifest) { m.Name = "Port Check" }), current, "name", "Port Check"},
		{"name like a flag", with(func(m *framework.Manifest) { m.Name = "-x" }), current, "name", "-x"},
		{"name with a slash", with(func(m *framework.Manifest) { m.Name = "a/b" }), current, "name", "a/b"},
		{"AWS is no platform type", with(func(m *framework.Manifest) { m.Platforms = []string{"AWS"} }), current, "nmap.platforms", "AWS"},
		{"Android on current", with(func(m *framework.Manifest) { m.Platforms = []string{"Android", "iOS"} }), current, "", ""},
		{"Android on 2.4", with(func(m *framework.Manifest) { m.Platforms = []string{"Android"} }), v24, "nmap.platforms", "Android"},
		{"lower-case platform", with(func(m *framework.Manifest) { m.Platforms = []string{"linux"} }), current, "nmap.platforms", "linux"},
		{"unknown output type", with(func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "cloud_finding", Field: "configs"}}
		}), current, "nmap.outputs.configs", "cloud_finding"},
		{"unknown output type on 2.4", with(func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "cloud_finding", Field: "configs"}}
		}), v24, "nmap.outputs.configs", "cloud_finding"},
		{"unknown security platform", with(func(m *framework.Manifest) {
			m.SecurityPlatforms[framework.Detection] = []string{"ndr"}
		}), current, "nmap.security_platforms.DETECTION", "ndr"},
		{"domain without a colour", with(func(m *framework.Manifest) {
			m.Domains = []framework.Domain{{Name: "Network"}}
		}), current, "nmap.domains[0]", `name "Network", color ""`},
		{"domain name of 256 characters", with(func(m *framework.Manifest) {
			m.Domains = []framework.Domain{{Name: strings.Repeat("d", 256), Color: "#123456"}}
		}), current, "nmap.domains[0]", "name of 256 characters, color of 7"},
		{"domain colour of 256 characters", with(func(m *framework.Manifest) {
			m.Domains = []framework.Domain{{Name: "Recon", Color: strings.Repeat("#", 256)}}
		}), v24, "nmap.domains[0]", "name of 5 characters, color of 256"},
		{"domain name of 255 two-byte characters", with(func(m *framework.Manifest) {
			m.Domains = []framework.Domain{{Name: strings.Repeat("é", 255), Color: "#123456"}}
		}), current, "", ""},
		// The platform keeps only the attack patterns it holds whose
		// external id equals one given, case aside
		// (findAllByExternalIdInIgnoreCaseAndTenantId), every other
		// dropped with a 200; a stored id is never blank (@NotBlank).
		{"blank attack pattern", with(func(m *framework.Manifest) { m.AttackPatterns = []string{"T1046", " "} }), current, "nmap.attack_patterns", " "},
		{"attack pattern with a trailing space", with(func(m *framework.Manifest) { m.AttackPatterns = []string{"T1046 "} }), v24, "nmap.attack_patterns", "T1046 "},
		{"two attack patterns in one", with(func(m *framework.Manifest) { m.AttackPatterns = []string{"T1595,T1046"} }), current, "nmap.attack_patterns", "T1595,T1046"},
		{"attack patterns in lower case, sub-technique", with(func(m *framework.Manifest) { m.AttackPatterns = []string{"t1046", "T1596.005"} }), current, "", ""},
		{"unknown expectation type", with(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, "BOGUS"}
		}), current, "nmap.expectations", "BOGUS"},
		{"unknown expectation type on 2.4", with(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, "BOGUS"}
		}), v24, "nmap.expectations", "BOGUS"},
		{"expectation type twice", with(func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, framework.Detection}
		}), v24, "nmap.expectations", "DETECTION"},
		{"output field twice", with(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: "number", Field: "up_hosts"})
		}), current, "nmap.outputs", "up_hosts"},
		{"output named like the expectation signatures", with(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: "text", Field: openaev.FieldExpectationSignatures})
		}), v24, "nmap.outputs", "expectation_signatures"},
		{"output named like the expectation signatures, of their type", with(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: openaev.OutputExpectationSignature, Field: openaev.FieldExpectationSignatures})
		}), current, "nmap.outputs", "expectation_signatures"},
		{"setting key twice", with(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "k", Env: "NMAP_K"}, {Key: "k", Env: "NMAP_K2"}}
		}), v24, "nmap.settings", "k"},
		{"setting named like a param", with(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: m.Params[0].Name}}
		}), current, "nmap.settings", nmapShaped().Params[0].Name},
		{"param twice", with(func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: m.Params[0].Name, Type: framework.ParamString})
		}), current, "nmap.params", nmapShaped().Params[0].Name},
		{"param without a name", with(func(m *framework.Manifest) {
			m.Params = []framework.Param{{Type: framework.ParamString}}
		}), v24, "nmap.params[0]", ""},
		{"output field of 256 characters", with(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: "text", Field: strings.Repeat("f", 256)})
		}), v24, "nmap.outputs", strings.Repeat("f", 256)},
		{"output field of 255 two-byte characters", with(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: "text", Field: strings.Repeat("é", 255)})
		}), current, "", ""},
		{"asset output field of 256 characters: no finding", with(func(m *framework.Manifest) {
			m.Outputs = append(m.Outputs, framework.Output{Type: "asset", Field: strings.Repeat("f", 256)})
		}), current, "", ""},
		{"output without a field", with(func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text"}}
		}), current, "nmap.outputs[0]", ""},
		{"setting without a key", with(func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Env: "NMAP_X"}}
		}), v24, "nmap.settings[0]", ""},
		{"param named like a target field", with(func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: "targets", Type: framework.ParamString})
		}), current, "nmap.params", "targets"},
		{"param named like the expectations field", with(func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Name: openaev.KeyExpectations, Type: framework.ParamString})
		}), v24, "nmap.params", openaev.KeyExpectations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := offlineClient(t).Contracts([]framework.Manifest{tt.manifest}, tt.version)
			// ValidateManifest applies every check of a contract.
			if verr := openaev.ValidateManifest(tt.manifest, tt.version); fmt.Sprint(verr) != fmt.Sprint(err) {
				t.Errorf("ValidateManifest: %v; Contracts: %v", verr, err)
			}
			if tt.field == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ve *openaev.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || ve.Value != tt.value {
				t.Fatalf("err = %#v, want a validation error on %s %q", err, tt.field, tt.value)
			}
		})
	}
}

// TestRegisterRefusedBeforeSending checks that a manifest no platform
// accepts fails before any request, the version read included.
func TestRegisterRefusedBeforeSending(t *testing.T) {
	srv := transporttest.NewBackend(t)
	srv.SetReply(transporttest.Reply{Status: http.StatusTeapot, Body: "unexpected"})
	c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := nmapShaped()
	m.Name, m.Platforms = "cloudscan", []string{"AWS"}
	_, err = c.Register(context.Background(), []framework.Manifest{nmapShaped(), m}, false)
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) || ve.Field != "cloudscan.platforms" || ve.Value != "AWS" {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Len(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// contractDoc is what a test reads back from a contract.
type contractDoc struct {
	Outputs []struct {
		Type     string `json:"type"`
		Field    string `json:"field"`
		Multiple bool   `json:"isMultiple"`
	} `json:"outputs"`
	Fields []struct {
		Key        string           `json:"key"`
		Available  []map[string]any `json:"availableExpectations"`
		Predefined []map[string]any `json:"predefinedExpectations"`
	} `json:"fields"`
	Domains []openaev.ContractDomain `json:"domains"`
}

func TestContractsByVersion(t *testing.T) {
	tests := []struct {
		name    string
		version openaev.PlatformVersion
		outputs string
	}{
		{"current", current, "portscan:scan_results:true port:ports:true action_output:action_output:false " +
			"ipv4:up_hosts:true expectation_signature:expectation_signatures:true"},
		{"2.4: ipv4 as it is, no raw output, no signatures", v24, "portscan:scan_results:true port:ports:true " +
			"ipv4:up_hosts:true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contracts, err := offlineClient(t).Contracts([]framework.Manifest{nmapShaped(),
				{Name: "plain", Expectations: []framework.ExpectationType{framework.Detection}}}, tt.version)
			if err != nil {
				t.Fatal(err)
			}
			var doc contractDoc
			if err := json.Unmarshal([]byte(contracts[0].Content), &doc); err != nil {
				t.Fatal(err)
			}
			var outs []string
			for _, o := range doc.Outputs {
				outs = append(outs, o.Type+":"+o.Field+":"+map[bool]string{true: "true", false: "false"}[o.Multiple])
				if !slices.Contains(openaev.OutputTypes(tt.version), o.Type) {
					t.Errorf("output type %s unknown to %s", o.Type, tt.version)
				}
			}
			if got := strings.Join(outs, " "); got != tt.outputs {
				t.Errorf("outputs = %s\nwant      %s", got, tt.outputs)
			}
			network := []openaev.ContractDomain{{Name: "Network", Color: "#009933"}}
			if !slices.Equal(contracts[0].Domains, network) || !slices.Equal(doc.Domains, network) {
				t.Errorf("domains %v / %v, want %v", contracts[0].Domains, doc.Domains, network)
			}
			wantSP := map[string]string{"DETECTION": "NDR,SIEM,XDR", "PREVENTION": "NDR,XDR"}
			checkSecurityPlatforms(t, doc, wantSP)

			// A manifest declaring nothing gets empty lists, not nulls.
			b, _ := json.Marshal(contracts[1])
			if !strings.Contains(string(b), `"contract_domains":[]`) || !strings.Contains(contracts[1].Content, `"domains":[]`) ||
				!strings.Contains(contracts[1].Content, `"expectation_expected_security_platform_types":[]`) {
				t.Errorf("plain contract: %s", b)
			}
		})
	}
}

func checkSecurityPlatforms(t *testing.T, doc contractDoc, want map[string]string) {
	t.Helper()
	for _, f := range doc.Fields {
		if f.Key != "expectations" {
			continue
		}
		if len(f.Available) != 2 || len(f.Predefined) != 2 {
			t.Fatalf("expectations %v %v", f.Available, f.Predefined)
		}
		for _, e := range append(f.Available, f.Predefined...) {
			raw, ok := e["expectation_expected_security_platform_types"].([]any)
			if !ok {
				t.Fatalf("no security platform types in %v", e)
			}
			var got []string
			for _, v := range raw {
				got = append(got, v.(string))
			}
			if strings.Join(got, ",") != want[e["expectation_type"].(string)] {
				t.Errorf("%v: %v, want %s", e["expectation_type"], got, want[e["expectation_type"].(string)])
			}
		}
		return
	}
	t.Fatal("no expectations field")
}

// TestReferenceContracts registers the reference injectors, as serve does
// with the stock registry, on a strict stand-in of each platform line: the
// registration is accepted and every declared output type is one the
// version knows.
func TestReferenceContracts(t *testing.T) {
	ms := []framework.Manifest{nmap.New().Manifest(), query.New().Manifest(), cloudscan.New().Manifest(), noop.New().Manifest()}
	for _, tt := range []struct {
		name    string
		version openaevtest.Version
		want    openaev.PlatformVersion
	}{
		{"current", openaevtest.Current, current},
		{"2.4.0", openaevtest.Version24, v24},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(tt.version))
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID},
				openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Register(context.Background(), ms, false); err != nil {
				t.Fatalf("registration refused: %v", err)
			}
			if got := c.Version(context.Background()); got != tt.want {
				t.Errorf("version %+v, want %+v", got, tt.want)
			}
			for _, m := range ms {
				outs, ok := p.ContractOutputs(openaev.ContractID(m.Name))
				if !ok {
					t.Fatalf("%s: contract not registered", m.Name)
				}
				for _, o := range outs {
					typ, _, _ := strings.Cut(o, ":")
					if !openaevtest.KnownOutputType(tt.version, typ) {
						t.Errorf("%s declares %s, unknown to %s", m.Name, o, tt.version)
					}
				}
			}
		})
	}
}

// TestValidateManifestReportsEveryProblem: a manifest with several
// problems, of each layer (the framework's, the platform's enums, the
// contract's fields), gets all of them, each naming its field and value,
// not the first alone; errors.As still finds a *ValidationError.
func TestValidateManifestReportsEveryProblem(t *testing.T) {
	m := framework.Manifest{Name: "b3", Category: framework.Network, Platforms: []string{"linux", "Windows", "macos"},
		Expectations: []framework.ExpectationType{framework.Detection, framework.Detection},
		Outputs:      []framework.Output{{Type: "ports", Field: "open"}, {Type: "text", Field: "note"}},
		Params:       []framework.Param{{Name: "targets", Type: framework.ParamString}, {Name: "mode", Type: framework.ParamEnum}}}
	err := openaev.ValidateManifest(m, current)
	if err == nil {
		t.Fatal("accepted")
	}
	var ve *openaev.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%v: no *ValidationError", err)
	}
	want := []string{
		`invalid b3.expectations "DETECTION": declared twice`,
		`invalid b3.platforms "linux"`,
		`invalid b3.platforms "macos"`,
		`invalid b3.outputs.open "ports"`,
		`invalid b3.params "targets": name reserved`,
		`invalid b3.params.mode "enum": enum declares no values`,
	}
	lines := strings.Split(err.Error(), "\n")
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d errors, want %d:\n%v", len(lines), len(want), err)
	}
}
