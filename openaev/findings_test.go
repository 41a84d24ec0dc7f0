package openaev_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// digestExec reports one text finding, digest, of a fixed value.
type digestExec struct{ value string }

func (digestExec) Manifest() framework.Manifest {
	return framework.Manifest{Name: "digest", Description: "reports a digest",
		Expectations: []signatures.ExpectationType{signatures.Detection},
		Outputs:      []framework.Output{{Type: "text", Field: "digest"}}}
}

func (d digestExec) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusSuccess, Findings: map[string]any{"digest": d.value}}
}

// TestLongTextFindingStored: the findings index's row limit covers the
// inject id, the type and the field besides the value, so an
// incompressible text finding of the row limit's length (which the
// profile sent whole before, and the platform refused, rolling the
// callback back), or one byte over what the row leaves it, is truncated
// to fit: the platform stores the result, on both lines. A finding that
// fits is stored as it is.
func TestLongTextFindingStored(t *testing.T) {
	const inject = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21" // a UUID, as the platform's
	room := openaev.FindingValueRoom(inject, "digest")
	for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		for _, tt := range []struct {
			name string
			size int
		}{
			{"filling the row", room},
			{"a byte over the row", room + 1},
			{"the row limit", openaev.MaxFindingRow},
			{"twice the row limit", 2 * openaev.MaxFindingRow},
		} {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				value := hexDigest(tt.size)
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
				e.registry.Register("digest", func() framework.Executor { return digestExec{value} })
				manifests := append(testManifests(), digestExec{}.Manifest())
				e.build(manifests)
				if _, err := e.client.Register(context.Background(), manifests, false); err != nil {
					t.Fatal(err)
				}
				body := e.message(t, inject, "digest", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
				if err := e.proc.Process(context.Background(), body); err != nil {
					t.Fatal(err)
				}
				for _, c := range e.platform.Calls(inject) {
					if c.Kind == openaevtest.KindComplete && !c.Processed() {
						t.Fatalf("complete %s: %s", c.Outcome, c.Reason)
					}
				}
				got, _ := e.platform.Findings(inject)["digest"].(string)
				switch {
				case tt.size <= room:
					if got != value {
						t.Errorf("a finding that fits stored as %d bytes, want %d as sent", len(got), len(value))
					}
				case !utf8.ValidString(got) || !strings.HasSuffix(got, " bytes in all]"):
					t.Errorf("a finding of %d bytes stored as %d bytes ending %q, want it truncated with a note",
						len(value), len(got), got[max(len(got)-40, 0):])
				case !strings.HasPrefix(value, got[:strings.Index(got, " … [truncated")]):
					t.Errorf("the truncated finding is not the value's beginning")
				}
			})
		}
	}
}

// hexDigest returns n bytes of hex of a sequence that does not repeat:
// nothing PostgreSQL could compress.
func hexDigest(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.NewChaCha8([32]byte{}).Read(b) // never fails
	return hex.EncodeToString(b)[:n]
}

// TestNmapFindingsStoredPerAsset: the platform links each portscan finding
// of a multi-asset nmap inject to the assets its rows name (asset_id), an
// address two assets share to both; the port findings to none. The ids
// the profile sends are those of assets the platform holds, the message's
// or an asset group's endpoints, never an asset group's or an agent's id,
// which the platform would drop (openaevtest's Call.UnlinkedAssets).
func TestNmapFindingsStoredPerAsset(t *testing.T) {
	tests := []struct {
		name   string
		assets []map[string]any
		groups []map[string]any
		want   []openaevtest.FindingRow
	}{
		{"the message's assets", []map[string]any{asset("asset", "a1", "", "192.0.2.7", nil, "ag1"),
			asset("endpoint", "a2", "db01.example.com", "", nil), asset("asset", "a3", "", "192.0.2.7", nil)}, nil,
			[]openaevtest.FindingRow{
				{Type: "portscan", Value: "192.0.2.7:22 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
				{Type: "portscan", Value: "192.0.2.7:80 (ssh)", Field: "scan_results", Assets: []string{"a1", "a3"}},
				{Type: "portscan", Value: "db01.example.com:443 (ssh)", Field: "scan_results", Assets: []string{"a2"}},
				{Type: "port", Value: "22", Field: "ports"},
				{Type: "port", Value: "443", Field: "ports"},
				{Type: "port", Value: "80", Field: "ports"},
			}},
		{"an asset group's endpoints", nil, []map[string]any{{"asset_group_id": "g1", "asset_group_name": "Servers"}},
			[]openaevtest.FindingRow{
				{Type: "portscan", Value: "192.0.2.7:22 (ssh)", Field: "scan_results", Assets: []string{"e1"}},
				{Type: "portscan", Value: "192.0.2.7:80 (ssh)", Field: "scan_results", Assets: []string{"e1"}},
				{Type: "portscan", Value: "db01.example.com:443 (ssh)", Field: "scan_results", Assets: []string{"e2"}},
				{Type: "port", Value: "22", Field: "ports"},
				{Type: "port", Value: "443", Field: "ports"},
				{Type: "port", Value: "80", Field: "ports"},
			}},
	}
	for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
		for _, tt := range tests {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
				e.register(t)
				e.platform.SetAssetGroup("g1", asset("asset", "e1", "", "192.0.2.7", nil, "ag-e1"),
					asset("asset", "e2", "db01.example.com", "", nil))
				e.nmap.open = map[string][]int{"192.0.2.7": {22, 80}, "db01.example.com": {443}}
				selector := "assets"
				if tt.groups != nil {
					selector = "asset-groups"
				}
				body := e.message(t, "inj-assets", "nmap", map[string]any{"target_selector": selector,
					"expectations": []map[string]any{{"expectation_type": "DETECTION"}}}, tt.assets, tt.groups)
				if err := e.proc.Process(context.Background(), body); err != nil {
					t.Fatal(err)
				}
				done, ok := e.platform.Terminal("inj-assets")
				if !ok || !done.Processed() {
					t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
				}
				if len(done.UnlinkedAssets) > 0 {
					t.Errorf("the complete's findings name %q, which are no assets the platform holds: it drops those links", done.UnlinkedAssets)
				}
				got := map[string]openaevtest.FindingRow{}
				for _, r := range e.platform.StoredFindings("inj-assets") {
					if r.Field != "action_output" {
						got[r.Value] = r
					}
				}
				wanted := map[string]openaevtest.FindingRow{}
				for _, r := range tt.want {
					wanted[r.Value] = r
				}
				if !reflect.DeepEqual(got, wanted) {
					t.Errorf("stored findings\n%v\nwant\n%v", got, wanted)
				}
			})
		}
	}
}

// misfitExec reports findings given as they are, under the outputs
// given.
type misfitExec struct {
	outputs  []framework.Output
	findings map[string]any
}

func (m misfitExec) Manifest() framework.Manifest {
	return framework.Manifest{Name: "misfit", Description: "reports findings as given", Platforms: []string{"Linux"},
		Expectations: []signatures.ExpectationType{signatures.Detection}, Outputs: m.outputs}
}

func (m misfitExec) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusSuccess, Findings: m.findings}
}

// TestFindingNotOfItsTypeLeftOut: a finding value that does not fit its
// output's type (an ipv4 output given a host name) made the platform drop
// the whole terminal callback, its signatures with it, while the run said
// delivered. The profile leaves such a value out (the other items of a
// multiple output kept) with a WARN naming the output, the item and the
// value: the callback is processed, the signatures and the other findings
// stored. A value no platform code read refuses (a port "22/tcp": 2.4.0's
// PortOutputProcessor checks only presence) is sent to 2.4.0, and left
// out on the Current line as a precaution, the WARN saying so rather than
// that the platform refuses it. The complete's message counts the items
// sent, and says how many were left out and why, even when none was sent.
func TestFindingNotOfItsTypeLeftOut(t *testing.T) {
	const (
		refused    = "the platform's processor refuses it"
		precaution = "left out so that a stricter platform cannot refuse the callback for it"
	)
	for _, tt := range []struct {
		name      string
		version   openaevtest.Version
		output    framework.Output
		value     any
		stored    any    // the finding the platform stores; nil: none
		warn      string // what the WARN says of the platform; "": no WARN
		warnValue string // the value the WARN names
		warnItem  int    // -1: no item
		// summary is the count the complete's message gives the output,
		// the items sent and those left out, and why ("open_ports: 1 (1
		// left out: not of the output's type)"); "": it names none (a
		// value that is no list).
		summary string
	}{
		{"a port list with a service name", openaevtest.Current, framework.Output{Type: "port", Field: "open_ports", Multiple: true, Finding: true},
			[]any{"22/tcp", 443}, []any{float64(443)}, precaution, "22/tcp", 0, "open_ports: 1 (1 left out: not of the output's type)"},
		{"a port list of names alone", openaevtest.Current, framework.Output{Type: "port", Field: "open_ports", Multiple: true, Finding: true},
			[]string{"22/tcp"}, nil, precaution, "22/tcp", 0, "open_ports: 0 (1 left out: not of the output's type)"},
		{"a port list with a service name, to 2.4.0", openaevtest.Version24, framework.Output{Type: "port", Field: "open_ports", Multiple: true, Finding: true},
			[]any{"22/tcp", 443}, []any{"22/tcp", float64(443)}, "", "", -1, "open_ports: 2"},
		{"a host name as an ipv4", openaevtest.Current, framework.Output{Type: "ipv4", Field: "address", Finding: true},
			"db.example", nil, refused, "db.example", -1, ""},
		{"a host name as an ipv4, to 2.4.0", openaevtest.Version24, framework.Output{Type: "ipv4", Field: "address", Finding: true},
			"db.example", nil, refused, "db.example", -1, ""},
		// IPv6OutputProcessor: commons-validator's isValidInet6Address takes
		// a prefix length, and a zone without whitespace only.
		{"ipv6 with a prefix length and a zone holding a space", openaevtest.Current, framework.Output{Type: "ipv6", Field: "v6", Multiple: true, Finding: true},
			[]any{"2001:db8::/32", "fe80::1%a b", "fe80::1%eth0"}, []any{"2001:db8::/32", "fe80::1%eth0"}, refused, "fe80::1%a b", 1, "v6: 2 (1 left out: not of the output's type)"},
		{"ipv6 with a prefix length and a zone holding a space, to 2.4.0", openaevtest.Version24, framework.Output{Type: "ipv6", Field: "v6", Multiple: true, Finding: true},
			[]any{"fe80::1/64", "fe80::1%a b"}, []any{"fe80::1/64"}, refused, "fe80::1%a b", 1, "v6: 1 (1 left out: not of the output's type)"},
		// A blank group counts as an empty one (String.trim), but the
		// U+0000 is sent as U+FFFD, which is no hexadecimal digit.
		{"ipv6 ending in a U+0000 group", openaevtest.Current, framework.Output{Type: "ipv6", Field: "v6", Multiple: true, Finding: true},
			[]any{"::1", "1:2:3:4:5:6:7:\x00"}, []any{"::1"}, refused, "1:2:3:4:5:6:7:\x00", 1, "v6: 1 (1 left out: not of the output's type)"},
		{"credentials without a password", openaevtest.Current, framework.Output{Type: "credentials", Field: "creds", Multiple: true, Finding: true},
			[]map[string]string{{"username": "root"}, {"username": "bob", "password": "x"}}, []any{map[string]any{"username": "bob", "password": "x"}}, refused, `{"username":"root"}`, 0, "creds: 1 (1 left out: not of the output's type)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const inject = "inj-misfit"
			e := runMisfit(t, tt.version, inject, tt.output, tt.value)
			if d := e.platform.Dropped(); len(d) > 0 {
				t.Fatalf("%d callbacks dropped, want none: %s", len(d), d[0].Reason)
			}
			var sigs int
			for _, c := range e.platform.Calls(inject) {
				if c.Kind == openaevtest.KindComplete {
					if !c.Processed() {
						t.Fatalf("complete %s: %s", c.Outcome, c.Reason)
					}
					sigs += len(c.Signatures)
				}
			}
			if sigs == 0 && tt.version == openaevtest.Current { // 2.4.0 has no signatures
				t.Error("no signatures stored")
			}
			found := e.platform.Findings(inject)
			if found["note"] != "kept" {
				t.Errorf("note stored as %v, want kept", found["note"])
			}
			if got := found[tt.output.Field]; !reflect.DeepEqual(got, tt.stored) {
				t.Errorf("%s stored as %#v, want %#v", tt.output.Field, got, tt.stored)
			}
			term, _ := e.platform.Terminal(inject)
			msg, _ := term.Body["execution_message"].(string)
			if tt.summary != "" && !strings.Contains(msg, "("+tt.summary+")") {
				t.Errorf("message %q does not count what was sent, (%s)", msg, tt.summary)
			}
			if tt.summary == "" && strings.Contains(msg, "("+tt.output.Field+": ") {
				t.Errorf("message %q counts %s, of which nothing was sent", msg, tt.output.Field)
			}
			warns := e.logs.FilterMessageSnippet("does not fit its output's type").All()
			if tt.warn == "" {
				if len(warns) > 0 {
					t.Fatalf("WARN %q, want none: the platform takes the value", warns[0].Message)
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("%d WARNs of a value left out, want 1", len(warns))
			}
			if !strings.Contains(warns[0].Message, tt.warn) {
				t.Errorf("WARN %q, want it to say %q", warns[0].Message, tt.warn)
			}
			ctx := warns[0].ContextMap()
			item, hasItem := ctx["item"]
			if ctx["output"] != tt.output.Field || ctx["value"] != tt.warnValue ||
				hasItem != (tt.warnItem >= 0) || hasItem && item != int64(tt.warnItem) {
				t.Errorf("WARN %v, want output %s, item %d, value %s", ctx, tt.output.Field, tt.warnItem, tt.warnValue)
			}
			if !strings.Contains(msg, "not of their output's type: "+tt.output.Field) {
				t.Errorf("message %q does not say what was left out", msg)
			}
		})
	}
}

// TestFindingsSentFitThePlatform: whatever an injector reports, every
// finding the structured output carries passes the stand-in's model of
// the platform's output processors, on both lines, and a value that
// passes it is sent whole.
func TestFindingsSentFitThePlatform(t *testing.T) {
	values := []any{"22/tcp", 22, 22.5, "192.0.2.1", "2001:db8::1", "db.example", nil, true,
		map[string]any{"username": "u", "hash": "h"}, map[string]any{"username": "u"},
		map[string]any{"id": "CVE-1", "host": "h", "severity": "high"}, map[string]any{"id": "CVE-1", "host": 3, "severity": "high"},
		map[string]any{"host": "h", "port": 22, "service": "ssh"}, map[string]any{"host": "h", "port": "22", "service": "ssh"},
		map[string]any{"name": "n"}, map[string]any{"sid": "S-1"}, map[string]any{"share_name": "c$"}}
	for _, pv := range []struct {
		v    openaev.PlatformVersion
		test openaevtest.Version
	}{{current, openaevtest.Current}, {v24, openaevtest.Version24}} {
		for _, typ := range openaev.OutputTypes(pv.v) {
			if typ == openaev.OutputExpectationSignature {
				continue
			}
			for _, multiple := range []bool{false, true} {
				for _, value := range append(values, []any{values[0], values[1]}, []any{values[3], nil, values[4]}, values) {
					m := &framework.Manifest{Name: "x", Outputs: []framework.Output{{Type: typ, Field: "f", Multiple: multiple}}}
					r := &runtime.Report{InjectID: "i", Output: framework.ToolOutput{Findings: map[string]any{"f": value}}}
					s, err := openaev.StructuredOutput(r, m, pv.v)
					if err != nil {
						t.Fatal(err)
					}
					var doc map[string]any
					if err := json.Unmarshal([]byte(s.JSON), &doc); err != nil {
						t.Fatal(err)
					}
					sent, ok := doc["f"]
					if ok {
						if err := openaevtest.StoresOutput(pv.test, typ, multiple, sent); err != nil {
							t.Errorf("%s %s multiple %v: %v sent as %v, which the platform refuses: %v", pv.v, typ, multiple, value, sent, err)
						}
					}
					if value != nil && openaevtest.StoresOutput(pv.test, typ, multiple, generic(t, value)) == nil && len(s.LeftOut) > 0 {
						t.Errorf("%s %s multiple %v: %v left out (%v), but the platform takes it", pv.v, typ, multiple, value, s.LeftOut)
					}
				}
			}
		}
	}
}

func generic(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// runMisfit runs inject, on a platform of version v, with an injector
// whose output o gets value and whose text output "note" gets "kept", on
// one asset, and returns the env the run used.
func runMisfit(t *testing.T, v openaevtest.Version, inject string, o framework.Output, value any) *env {
	t.Helper()
	ex := misfitExec{outputs: []framework.Output{o, {Type: "text", Field: "note"}},
		findings: map[string]any{o.Field: value, "note": "kept"}}
	e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(v)})
	e.registry.Register("misfit", func() framework.Executor { return ex })
	manifests := append(testManifests(), ex.Manifest())
	e.build(manifests)
	if _, err := e.client.Register(context.Background(), manifests, false); err != nil {
		t.Fatal(err)
	}
	body := e.message(t, inject, "misfit", map[string]any{"target_selector": "assets", "target_property_selector": "hostname",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
		[]map[string]any{asset("asset", "a1", "h1.example", "", nil)}, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	return e
}
