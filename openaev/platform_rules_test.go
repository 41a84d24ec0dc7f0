package openaev_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
)

// TestFindingRulesAgainstThePlatformsCode: values of each output type
// with the outcome read in OpenAEV 2.4.0's code (github:bogdancaraman/
// openaev, openaev-api/src/main/java/io/openaev/output_processor/ and
// rest/finding/FindingService.java, cited per group), written here by
// hand, not taken from fit.go or the stand-in: so a rule either copies
// wrongly fails. On 2.4.0 the profile sends a value whole exactly when the
// platform accepts it, and the stand-in accepts exactly what the platform
// does. On Current, whose processors were not read, the profile sends a
// value when the stand-in accepts it, which is never what 2.4.0 refuses,
// and leaves out as a precaution what current says.
func TestFindingRulesAgainstThePlatformsCode(t *testing.T) {
	for _, tt := range []struct {
		typ      string
		multiple bool
		value    string // JSON
		accepted bool   // 2.4.0's processor: the callback is processed
		current  bool   // the profile sends it on Current
	}{
		// PortOutputProcessor, NumberOutputProcessor, TextOutputProcessor:
		// no validate of their own, AbstractOutputProcessor.java:44-46
		// (jsonNode != null): any value. On Current a port not an integer,
		// a number not a number is left out as a precaution.
		{"port", false, `22`, true, true},
		{"port", false, `"22/tcp"`, true, false},
		{"port", false, `22.5`, true, false},
		{"number", false, `3.5`, true, true},
		{"number", false, `"n/a"`, true, false},
		// Finding.java:55-59: finding_value @NotBlank, which the insert
		// fails (the batch rolls back) for a value buildString renders blank
		// (AbstractOutputProcessor.java:59-68, trimQuotes :94-96;
		// JsonNode.asText of an object is ""), or a keyed type's key
		// renders so (CVEOutputProcessor.java:53-55,
		// UsernameOutputProcessor.java:39-46).
		{"text", false, `{"a":1}`, false, false},
		{"text", false, `""`, false, false},
		{"text", false, `"\"\""`, false, false},
		{"text", false, `["",""]`, false, false},
		{"text", true, `["a",""]`, false, false},
		{"text", false, `["","a"]`, true, true},
		{"text", false, `"\u00a0"`, true, true},
		{"number", false, `[]`, false, false},
		{"cve", false, `{"id":" ","host":"h","severity":"high"}`, false, false},
		{"username", false, `{"username":"","domain":""}`, false, false},
		{"username", false, `{"username":"","domain":"d"}`, true, true},
		// IPv4OutputProcessor.java:21-23: isValidInet4Address(asText()).
		{"ipv4", false, `"192.0.2.1"`, true, true},
		{"ipv4", false, `"db.example"`, false, false},
		{"ipv4", false, `"192.0.2.01"`, false, false},
		{"ipv4", false, `"::ffff:192.0.2.1"`, false, false},
		{"ipv4", false, `3`, false, false},
		// IPv6OutputProcessor.java:21-23: isValidInet6Address(asText()),
		// commons-validator 1.10.0 (pom.xml: commons-validator.version).
		{"ipv6", false, `"2001:db8::1"`, true, true},
		{"ipv6", false, `"2001:db8::/32"`, true, true},
		{"ipv6", false, `"fe80::1%eth0"`, true, true},
		{"ipv6", false, `"fe80::1%a b"`, false, false},
		{"ipv6", false, `"::ffff:192.0.2.1"`, true, true},
		{"ipv6", false, `"192.0.2.1"`, false, false},
		// CredentialsOutputProcessor.java:36-39: hasNonNull(username) and
		// hasNonNull(password) or hasNonNull(hash).
		{"credentials", false, `{"username":"u","hash":"h"}`, true, true},
		{"credentials", false, `{"username":"u"}`, false, false},
		{"credentials", false, `{"username":"u","password":null}`, false, false},
		{"credentials", false, `"u:p"`, false, false},
		// CVEOutputProcessor.java:40-42: id, host and severity non-null,
		// whatever their type; Current assumes them typed.
		{"cve", false, `{"id":"CVE-1","host":"h","severity":"high"}`, true, true},
		{"cve", false, `{"id":"CVE-1","host":3,"severity":"high"}`, true, false},
		{"cve", false, `{"id":"CVE-1","host":[],"severity":"high"}`, true, false},
		{"cve", false, `{"id":"CVE-1","severity":"high"}`, false, false},
		// PortScanOutputProcessor.java:35-37: host, port and service
		// non-null, whatever their type; Current assumes them typed.
		{"portscan", false, `{"host":"h","port":22,"service":"ssh"}`, true, true},
		{"portscan", false, `{"host":"h","port":"22","service":"ssh"}`, true, false},
		{"portscan", false, `{"host":"h","port":22,"service":"ssh","asset_id":5}`, true, false},
		{"portscan", false, `{"host":"h","port":22}`, false, false},
		// The Active Directory processors' validate: hasNonNull of their
		// fields (UsernameOutputProcessor.java:34-36,
		// ShareOutputProcessor.java:34-36, SidOutputProcessor.java:32-34,
		// VulnerabilityOutputProcessor.java:36-38,
		// PasswordPolicyOutputProcessor.java:34-36,
		// ComputerOutputProcessor.java:32-34, GroupOutputProcessor.java:38-40,
		// DelegationOutputProcessor.java:38-40,
		// AccountWithPasswordNotRequiredOutputProcessor.java:36-38,
		// AdminUsernameOutputProcessor.java:32-34,
		// AsreproastableAccountOutputProcessor.java:34-36,
		// KerberoastableAccountOutputProcessor.java:34-36).
		{"username", false, `{"username":"u"}`, true, true},
		{"username", false, `{"domain":"d"}`, false, false},
		{"share", false, `{"share_name":"c$","permissions":"r"}`, true, true},
		{"share", false, `{"share_name":"c$"}`, false, false},
		{"sid", false, `{"sid":"S-1"}`, true, true},
		{"vulnerability", false, `{"name":"n"}`, false, false},
		{"vulnerability", false, `{"name":"n","status":"s"}`, true, true},
		{"password_policy", false, `{"key":"k","value":null}`, false, false},
		{"computer", false, `{"computer_name":"c"}`, true, true},
		{"group", false, `{"group_name":"g"}`, true, true},
		{"delegation", false, `{"account":"a"}`, true, true},
		{"account_with_password_not_required", false, `{"account":"a"}`, true, true},
		{"admin_username", false, `{"username":"u"}`, true, true},
		{"asreproastable_account", false, `{"username":"u"}`, true, true},
		{"kerberoastable_account", false, `{"hash":"h"}`, false, false},
		// FindingService.java:281-328 (buildFindings): a list is checked
		// item by item only under isMultiple, else as one value, and a
		// value that fails throws "Finding not correctly formatted".
		{"cve", false, `[{"id":"CVE-1","host":"h","severity":"high"}]`, false, false},
		{"cve", true, `[{"id":"CVE-1","host":"h","severity":"high"}]`, true, true},
		{"ipv4", false, `["192.0.2.1"]`, false, false},
		{"ipv4", true, `["192.0.2.1","192.0.2.2"]`, true, true},
		// AssetOutputProcessor.java:72-92 (process): a node that is not a
		// list, or fails validate, is skipped with a WARN, never thrown; on
		// Current a nameless asset is left out as a precaution.
		{"asset", true, `[{"name":"a","type":"Endpoint"}]`, true, true},
		{"asset", true, `[{"foo":1}]`, true, false},
	} {
		var value any
		if err := json.Unmarshal([]byte(tt.value), &value); err != nil {
			t.Fatalf("%s: %v", tt.value, err)
		}
		if !tt.accepted && tt.current {
			t.Fatalf("%s %s: sent on Current though 2.4.0 refuses it: the table is wrong", tt.typ, tt.value)
		}
		for _, line := range []struct {
			v    openaev.PlatformVersion
			test openaevtest.Version
			want bool
		}{{v24, openaevtest.Version24, tt.accepted}, {current, openaevtest.Current, tt.current}} {
			m := &framework.Manifest{Name: "x", Outputs: []framework.Output{{Type: tt.typ, Field: "f", Multiple: tt.multiple}}}
			r := &runtime.Report{InjectID: "i", Output: framework.ToolOutput{Findings: map[string]any{"f": value}}}
			s, err := openaev.StructuredOutput(r, m, line.v)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(s.JSON), &doc); err != nil {
				t.Fatal(err)
			}
			sentWhole := len(s.LeftOut) == 0 && string(doc["f"]) != "" && jsonEqual(t, doc["f"], tt.value)
			if sentWhole != line.want {
				t.Errorf("%s: %s multiple %v %s: sent whole %v (left out: %v), want %v", line.v, tt.typ, tt.multiple, tt.value, sentWhole, s.LeftOut, line.want)
			}
			if err := openaevtest.StoresOutput(line.test, tt.typ, tt.multiple, value); (err == nil) != line.want {
				t.Errorf("%s: stand-in on %s multiple %v %s: %v, want accepted %v", line.v, tt.typ, tt.multiple, tt.value, err, line.want)
			}
		}
	}
}

func jsonEqual(t *testing.T, a json.RawMessage, b string) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		t.Fatalf("not JSON: %s, %s", a, b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// TestNoNULReachesThePlatform: U+0000 in a run's text (a Shodan error
// body, a tool's output, an author's finding or extra) reaches the
// platform as U+FFFD, and every callback is processed, where the
// platform's database would refuse U+0000 and lose the callback after its
// 200 (openaevtest rule 12).
func TestNoNULReachesThePlatform(t *testing.T) {
	tests := []struct {
		name    string
		version openaevtest.Version
		setup   func(*fakeNmap)
		status  string // the inject's, afterwards
		// sent returns the text the platform got where the NUL was.
		sent func(t *testing.T, p *openaevtest.Platform, c openaevtest.Call) string
		want string // a substring of it
	}{
		{"run error in the message on 2.4.0", openaevtest.Version24,
			func(f *fakeNmap) { f.fail = "Invalid query \x00 near \a token" }, "ERROR",
			func(t *testing.T, _ *openaevtest.Platform, c openaevtest.Call) string {
				return c.Body["execution_message"].(string)
			}, "Invalid query \uFFFD near \a token"},
		{"run error in the message on Current", openaevtest.Current,
			func(f *fakeNmap) { f.fail = "\x00" }, "ERROR",
			func(t *testing.T, _ *openaevtest.Platform, c openaevtest.Call) string {
				return c.Body["execution_message"].(string)
			}, "\uFFFD"},
		{"finding", openaevtest.Current,
			func(f *fakeNmap) { f.service = "ss\x00h" }, "EXECUTED",
			func(t *testing.T, p *openaevtest.Platform, _ openaevtest.Call) string {
				rows, _ := p.Findings("inj-nul")["scan_results"].([]any)
				if len(rows) == 0 {
					t.Fatalf("no scan_results stored: %v", p.Findings("inj-nul"))
				}
				return rows[0].(map[string]any)["service"].(string)
			}, "ss\uFFFDh"},
		{"extra sent as a signature", openaevtest.Current,
			func(f *fakeNmap) { f.commandLine = "nmap -sT \x00" }, "EXECUTED",
			func(t *testing.T, p *openaevtest.Platform, _ openaevtest.Call) string {
				for _, s := range p.Signatures("inj-nul")["DETECTION"] {
					if s.Type == "command_line" {
						return s.Value
					}
				}
				t.Fatalf("no command_line signature stored: %v", p.Signatures("inj-nul"))
				return ""
			}, "nmap -sT \uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(tt.version)})
			e.register(t)
			e.nmap.open = map[string][]int{"192.0.2.7": {22}}
			tt.setup(e.nmap)
			body := e.message(t, "inj-nul", "nmap", map[string]any{"target_selector": "assets",
				"target_property_selector": "automatic", "scan_type": "connect"},
				[]map[string]any{asset("asset", "a1", "", "192.0.2.7", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			for _, c := range e.platform.Dropped() {
				t.Errorf("%s dropped: %s", c.Kind, c.Reason)
			}
			c, ok := e.platform.Terminal("inj-nul")
			if !ok || c.Outcome != openaevtest.Processed {
				t.Fatalf("terminal callback %v %s (%s)", ok, c.Outcome, c.Reason)
			}
			if got := e.platform.InjectStatus("inj-nul"); got != tt.status {
				t.Errorf("inject status %s, want %s", got, tt.status)
			}
			if got := tt.sent(t, e.platform, c); !strings.Contains(got, tt.want) || strings.ContainsRune(got, 0) {
				t.Errorf("sent %q, want it to hold %q", got, tt.want)
			}
		})
	}
}

// TestTextFindingWithNULBounded: a text finding holding U+0000 is
// bounded as the platform reads it, U+0000 become U+FFFD (three bytes):
// it fits the findings index's row limit, where the three bytes would
// have taken it over and rolled the callback back.
func TestTextFindingWithNULBounded(t *testing.T) {
	long := strings.Repeat("<x>\x00</x>", openaev.MaxFindingRow/8)
	m := framework.Manifest{Name: "t", Outputs: []framework.Output{
		{Type: "text", Field: "lines", Multiple: true}, {Type: "text", Field: "summary"},
		{Type: "text", Field: "joined"}, {Type: "file", Field: "files"}}}
	findings := map[string]any{"lines": []string{"ok\x00", long}, "summary": long, "joined": []any{long[:1500], long[:1500]},
		"files": []string{long}}
	for _, v := range []openaev.PlatformVersion{{Raw: "3.260821.0", Current: true}, {Raw: "2.4.0"}} {
		r := &runtime.Report{Output: framework.ToolOutput{Findings: findings}}
		doc := sentTextFindings(t, r, &m, v)
		values := append([]string{doc.Summary, doc.Joined}, doc.Lines...)
		if f, ok := doc.Files.(string); ok {
			values = append(values, f) // 2.4.0: file as text
		}
		for _, f := range values {
			if len(f) > openaev.FindingValueRoom("", "lines") || strings.ContainsRune(f, 0) || !strings.ContainsRune(f, '\uFFFD') {
				t.Errorf("%s: finding of %d bytes: %q…", v, len(f), f[:min(len(f), 40)])
			}
		}
	}
}
