package openaevtest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// nmapContract is shaped as pyoaev 3.260821 and the platform's nmap injector
// send it (nmap_contracts.py): portscan, port, action_output and signature
// outputs, NDR/SIEM/XDR expectations, the Network domain.
func nmapContract(mutate func(content, entry map[string]any)) map[string]any {
	content := map[string]any{
		"contract_id": "0b7f3674-ac5d-4b95-b749-6665e74a211f",
		"label":       map[string]any{"en": "Nmap - SYN Scan"},
		"config":      map[string]any{"type": "openaev_nmap", "expose": true},
		"manual":      false,
		"fields": []any{
			map[string]any{"key": "targets", "type": "text"},
			map[string]any{"key": "expectations", "type": "expectation",
				"availableExpectations": []any{
					map[string]any{"expectation_type": "DETECTION", "expectation_expected_security_platform_types": []any{"NDR", "SIEM", "XDR"}},
					map[string]any{"expectation_type": "PREVENTION", "expectation_expected_security_platform_types": []any{"NDR", "XDR"}},
				}},
		},
		"outputs": []any{
			map[string]any{"type": "portscan", "field": "scan_results", "labels": []any{"scan"}, "isFindingCompatible": true, "isMultiple": true},
			map[string]any{"type": "port", "field": "ports", "labels": []any{"scan"}, "isFindingCompatible": false, "isMultiple": true},
			map[string]any{"type": "action_output", "field": "action_output", "labels": []any{"scan"}, "isFindingCompatible": false, "isMultiple": false},
			map[string]any{"type": "expectation_signature", "field": "expectation_signatures", "labels": []any{"scan"}, "isFindingCompatible": false, "isMultiple": true},
		},
		"domains": []any{map[string]any{"domain_name": "Network", "domain_color": "#009933"}},
	}
	entry := map[string]any{
		"contract_id":                           "0b7f3674-ac5d-4b95-b749-6665e74a211f",
		"contract_labels":                       map[string]any{"en": "Nmap - SYN Scan"},
		"contract_attack_patterns_external_ids": []any{"T1046"},
		"contract_platforms":                    []any{},
		"contract_domains":                      []any{map[string]any{"domain_name": "Network", "domain_color": "#009933"}},
	}
	if mutate != nil {
		mutate(content, entry)
	}
	b, _ := json.Marshal(content)
	entry["contract_content"] = string(b)
	return entry
}

func registrationInput(contracts ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"injector_id": "inj-1", "injector_name": "n", "injector_type": "t",
		"injector_contracts": contracts})
	return string(b)
}

func register(t testing.TB, p *openaevtest.Platform, contracts ...map[string]any) (int, map[string]any) {
	t.Helper()
	body, ct := multipartBody(t, registrationInput(contracts...), "application/json", nil, "")
	return post(t, p, "/api/injectors", token, ct, body)
}

func TestRegistrationEnums(t *testing.T) {
	outputs := func(types ...string) func(c, e map[string]any) {
		return func(c, e map[string]any) {
			var list []any
			for _, ty := range types {
				list = append(list, map[string]any{"type": ty, "field": "f_" + ty})
			}
			c["outputs"] = list
		}
	}
	tests := []struct {
		name    string
		version openaevtest.Version
		mutate  func(content, entry map[string]any)
		want    int
	}{
		{"nmap-shaped contract on Current", openaevtest.Current, nil, 200},
		// Output types are judged when a result is processed, not here: the
		// contract_content is stored as the string it is.
		{"nmap-shaped contract on 2.4.0: action_output and expectation_signature unknown", openaevtest.Version24, nil, 200},
		{"2.4.0 outputs on 2.4.0", openaevtest.Version24, outputs("portscan", "port", "text", "cve", "asset"), 200},
		{"ipv4 and ipv6 on 2.4.0", openaevtest.Version24, outputs("ipv4", "ipv6"), 200},
		{"file on 2.4.0", openaevtest.Version24, outputs("file"), 200},
		{"ipv6 and file on Current", openaevtest.Current, outputs("ipv6", "file", "ipv4"), 200},
		{"cloud_finding", openaevtest.Current, outputs("cloud_finding"), 200},
		{"platform AWS", openaevtest.Current, func(c, e map[string]any) { e["contract_platforms"] = []any{"AWS"} }, 400},
		{"platform Linux and Generic", openaevtest.Version24, func(c, e map[string]any) {
			e["contract_platforms"] = []any{"Linux", "Generic"}
			outputs("text")(c, e)
		}, 200},
		{"platform Android on 2.4.0", openaevtest.Version24, func(c, e map[string]any) {
			e["contract_platforms"] = []any{"Android"}
			outputs("text")(c, e)
		}, 400},
		{"platform Android on Current", openaevtest.Current, func(c, e map[string]any) { e["contract_platforms"] = []any{"Android"} }, 200},
		{"platform lower case", openaevtest.Current, func(c, e map[string]any) { e["contract_platforms"] = []any{"linux"} }, 400},
		// The contracts are not validated (no @Valid): a new domain's blank
		// name or color is refused by the Domain entity's @NotBlank as it is
		// saved, a 500; a color left out is drawn at random.
		{"domain without colour", openaevtest.Current, func(c, e map[string]any) {
			e["contract_domains"] = []any{map[string]any{"domain_name": "Network"}}
		}, 200},
		{"domain blank name", openaevtest.Current, func(c, e map[string]any) {
			e["contract_domains"] = []any{map[string]any{"domain_name": " ", "domain_color": "#fff"}}
		}, 500},
		{"new domain empty colour", openaevtest.Version24, func(c, e map[string]any) {
			e["contract_domains"] = []any{map[string]any{"domain_name": "Reconnaissance", "domain_color": ""}}
		}, 500},
		// A stored domain (a preset one here) is looked up, not saved.
		{"preset domain empty colour", openaevtest.Version24, func(c, e map[string]any) {
			e["contract_domains"] = []any{map[string]any{"domain_name": "Network", "domain_color": ""}}
		}, 200},
		{"domain a string", openaevtest.Version24, func(c, e map[string]any) { e["contract_domains"] = []any{"Network"} }, 400},
		{"no domains", openaevtest.Current, func(c, e map[string]any) { delete(e, "contract_domains") }, 200},
		{"security platform EDR", openaevtest.Current, func(c, e map[string]any) {
			c["fields"] = []any{map[string]any{"key": "expectations", "predefinedExpectations": []any{
				map[string]any{"expectation_type": "DETECTION", "expectation_expected_security_platform_types": []any{"EDR", "AI_GATEWAY"}}}}}
		}, 200},
		// contract_content is stored as a string: what it holds is not
		// bound at registration.
		{"security platform unknown", openaevtest.Current, func(c, e map[string]any) {
			c["fields"] = []any{map[string]any{"key": "expectations", "availableExpectations": []any{
				map[string]any{"expectation_type": "DETECTION", "expectation_expected_security_platform_types": []any{"FIREWALL"}}}}}
		}, 200},
		{"security platform unknown on 2.4.0", openaevtest.Version24, func(c, e map[string]any) {
			c["fields"] = []any{map[string]any{"key": "expectations", "availableExpectations": []any{
				map[string]any{"expectation_type": "DETECTION", "expectation_expected_security_platform_types": []any{"FIREWALL"}}}}}
		}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(tt.version))
			contract := nmapContract(tt.mutate)
			st, reply := register(t, p, contract)
			if st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
			id := contract["contract_id"].(string)
			outs, known := p.ContractOutputs(id)
			if known != (st == 200) {
				t.Errorf("contract kept = %v after %d", known, st)
			}
			if st != 200 {
				return
			}
			// A type the version lacks fails the processing of every
			// result with structured outputs (getContractOutputs).
			unknown := false
			for _, o := range outs {
				ty, _, _ := strings.Cut(o, ":")
				unknown = unknown || !openaevtest.KnownOutputType(tt.version, ty)
			}
			p.AddInject("i-enum", id)
			postJSON(t, p, "/api/injects/execution/reception/i-enum", map[string]any{"tracking_total_count": 1})
			postJSON(t, p, "/api/injects/execution/callback/i-enum", callback("complete", "SUCCESS", map[string]any{"undeclared": 1}))
			calls := p.Calls("i-enum")
			if c := calls[len(calls)-1]; (c.Outcome == openaevtest.Dropped) != unknown {
				t.Errorf("a result %s (%s); output types known to %s: %v", c.Outcome, c.Reason, tt.version, !unknown)
			}
		})
	}
}

func TestSettingsVersion(t *testing.T) {
	for _, tt := range []struct {
		opt  openaevtest.Option
		want string
	}{
		{openaevtest.WithVersion(openaevtest.Current), "3.260821.0"},
		{openaevtest.WithVersion(openaevtest.Version24), "2.4.0"},
		{openaevtest.WithVersionString("2.260701.3"), "2.260701.3"},
	} {
		p := openaevtest.NewPlatform(t, token, tt.opt)
		if got := getText(t, p, "/api/settings/version"); got != tt.want {
			t.Errorf("/api/settings/version = %q, want %q", got, tt.want)
		}
		var s map[string]any
		_ = json.Unmarshal([]byte(getText(t, p, "/api/settings")), &s)
		if s["platform_version"] != tt.want {
			t.Errorf("/api/settings = %v", s)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want openaevtest.Version
		err  bool
	}{
		{"2.4.0", openaevtest.Version24, false},
		{"2.4.7", openaevtest.Version24, false},
		{"1.18.19", openaevtest.Version24, false},
		{"2.260623.0", openaevtest.Version24, false},
		{"2.260624.0", openaevtest.Current, false},
		{"2.260715.2", openaevtest.Current, false},
		{"3.260821.0", openaevtest.Current, false},
		{"4.1.0", openaevtest.Current, false},
		{"banana", openaevtest.Current, true},
		{"3", openaevtest.Current, true},
	} {
		got, err := openaevtest.Classify(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("Classify(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestValidateOutput(t *testing.T) {
	dec := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		typ, value string
		version    openaevtest.Version
		multiple   bool // declared isMultiple
		ok         bool
	}{
		// A nuclei-shaped finding (nuclei_output_parser.py).
		{"cve", `[{"id":"CVE-2021-44228","host":["10.0.0.5"],"asset_id":["a1"],"severity":"critical"}]`, openaevtest.Current, true, true},
		{"cve", `[{"id":"CVE-2021-44228","host":"10.0.0.5","severity":"high"}]`, openaevtest.Version24, true, true},
		{"cve", `["CVE-2021-44228"]`, openaevtest.Current, true, false},
		{"cve", `[{"id":"CVE-1","severity":"low"}]`, openaevtest.Current, true, false},
		{"cve", `[{"id":"CVE-1","host":["h"]}]`, openaevtest.Current, true, false},
		{"ipv4", `["10.0.0.1","192.168.1.1"]`, openaevtest.Current, true, true},
		{"ipv4", `["10.0.0.1","2001:db8::1"]`, openaevtest.Current, true, false},
		{"ipv4", `["10.0.0.1"]`, openaevtest.Version24, true, true},
		{"ipv6", `["10.0.0.1"]`, openaevtest.Version24, true, false},
		{"ipv6", `["2001:db8::1"]`, openaevtest.Current, true, true},
		{"ipv6", `["10.0.0.1"]`, openaevtest.Current, true, false},
		{"port", `[22,80]`, openaevtest.Version24, true, true},
		{"port", `[22,"80"]`, openaevtest.Current, true, false},
		{"port", `[22.5]`, openaevtest.Current, true, false},
		{"portscan", `[{"asset_id":"a1","host":"10.0.0.5","port":22,"service":"ssh"}]`, openaevtest.Current, true, true},
		// asset_id is the one field the platform does not require: a row
		// without it (a manual target) is valid and linked to no asset.
		{"portscan", `[{"host":"10.0.0.5","port":22,"service":""}]`, openaevtest.Current, true, true},
		{"portscan", `[{"asset_id":7,"host":"10.0.0.5","port":22,"service":"ssh"}]`, openaevtest.Current, true, false},
		{"portscan", `[{"asset_id":"a1","port":22,"service":"ssh"}]`, openaevtest.Current, true, false},
		{"portscan", `[{"asset_id":"a1","host":"10.0.0.5","port":22}]`, openaevtest.Version24, true, false},
		{"portscan", `[{"asset_id":"a1","host":"10.0.0.5","port":"22","service":"ssh"}]`, openaevtest.Current, true, false},
		{"text", `["anything", 1]`, openaevtest.Version24, true, true},
		{"cloud_finding", `[]`, openaevtest.Current, true, false},
		{"expectation_signature", `{"targets":[]}`, openaevtest.Current, true, true},
		{"expectation_signature", `{"targets":[]}`, openaevtest.Version24, true, false},
		// SignatureOutputProcessor.process reads targets with JsonNode.path
		// and returns when it finds no array: no shape is refused.
		{"expectation_signature", `[1]`, openaevtest.Current, true, true},
		{"expectation_signature", `{"targets":null}`, openaevtest.Current, true, true},
		{"asset", `[{"name":"web01","type":"Endpoint"}]`, openaevtest.Current, true, true},
		// FindingService.buildFindings validates a list item by item only
		// under isMultiple, else as one value, which a list of cves, rows
		// or addresses is not.
		{"cve", `[{"id":"CVE-1","host":"h","severity":"low"}]`, openaevtest.Version24, false, false},
		{"cve", `{"id":"CVE-1","host":"h","severity":"low"}`, openaevtest.Version24, false, true},
		{"portscan", `[{"host":"h","port":22,"service":"ssh"}]`, openaevtest.Current, false, false},
		{"ipv4", `["10.0.0.1"]`, openaevtest.Version24, false, false},
		{"ipv4", `"10.0.0.1"`, openaevtest.Version24, false, true},
		{"text", `["a","b"]`, openaevtest.Version24, false, true},
		{"port", `[22,80]`, openaevtest.Version24, false, true},
		// A null is one value: "null" for a text, number or port; nothing
		// for a type that requires fields or an address.
		{"text", `null`, openaevtest.Version24, false, true},
		{"port", `null`, openaevtest.Current, true, true},
		{"cve", `null`, openaevtest.Version24, true, false},
		{"portscan", `null`, openaevtest.Current, false, false},
		{"ipv4", `null`, openaevtest.Version24, true, false},
		{"ipv6", `["2001:db8::1",null]`, openaevtest.Current, true, false},
		{"username", `null`, openaevtest.Version24, false, false},
		{"asset", `null`, openaevtest.Version24, true, true},
		// The Active Directory types require their fields (hasNonNull).
		{"username", `[{"username":"bob","domain":"corp"}]`, openaevtest.Version24, true, true},
		{"username", `["bob"]`, openaevtest.Version24, true, false},
		{"credentials", `[{"username":"bob","hash":"aad3b435"}]`, openaevtest.Current, true, true},
		{"credentials", `[{"username":"bob","password":null}]`, openaevtest.Current, true, false},
		{"share", `[{"share_name":"C$"}]`, openaevtest.Version24, true, false},
		// 2.4.0's processors check less than the stand-in on Current:
		// presence only (portscan, cve), nothing (port, number), and an
		// asset node that is not a list or has no name is skipped.
		{"port", `["22/tcp"]`, openaevtest.Version24, true, true},
		{"port", `["22/tcp"]`, openaevtest.Current, true, false},
		{"number", `"many"`, openaevtest.Version24, false, true},
		{"portscan", `[{"host":"h","port":"22","service":"ssh"}]`, openaevtest.Version24, true, true},
		{"portscan", `[{"host":"h","port":null,"service":"ssh"}]`, openaevtest.Version24, true, false},
		{"cve", `[{"id":"CVE-1","host":[],"severity":"low"}]`, openaevtest.Version24, true, true},
		{"cve", `[{"id":"CVE-1","host":[],"severity":"low"}]`, openaevtest.Current, true, false},
		{"cve", `["CVE-1"]`, openaevtest.Version24, true, false},
		{"asset", `[{"type":"Endpoint"}]`, openaevtest.Version24, true, true},
		{"asset", `[{"type":"Endpoint"}]`, openaevtest.Current, true, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s multiple=%v %s", tt.version, tt.typ, tt.multiple, tt.value), func(t *testing.T) {
			err := openaevtest.ValidateOutput(tt.version, tt.typ, tt.multiple, dec(tt.value))
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func getText(t *testing.T, p *openaevtest.Platform, path string) string {
	t.Helper()
	st, body := get(t, p, path)
	if st != 200 {
		t.Fatalf("GET %s: %d", path, st)
	}
	return strings.TrimSpace(body)
}
