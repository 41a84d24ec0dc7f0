package query

import (
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestExpectationsFromTheCLI: query declares VULNERABILITY only (a lookup
// sends nothing to its targets: no defence watching them could see it).
// Without --expectation it runs with its declared type, and its signature
// groups are VULNERABILITY's alone; DETECTION or PREVENTION asked for, by
// flag or inject file, exits 2 naming where and the value, before any
// request reaches the engine.
func TestExpectationsFromTheCLI(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		inject  []string // the inject file's expectation_types, nil: no file
		code    int
		wantErr string // in stderr's last line
	}{
		{"default", nil, nil, 0, ""},
		{"--expectation VULNERABILITY", []string{"--expectation", "VULNERABILITY"}, nil, 0, ""},
		{"--expectation DETECTION", []string{"--expectation", "DETECTION"}, nil, 2,
			`invalid expectation "DETECTION" (--expectation): DETECTION is not an expectation type injector query declares: it declares VULNERABILITY`},
		{"--expectation PREVENTION", []string{"--expectation", "PREVENTION"}, nil, 2,
			`invalid expectation "PREVENTION" (--expectation)`},
		{"an inject file's DETECTION", nil, []string{"VULNERABILITY", "DETECTION"}, 2,
			`expectation_types[1]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			args := []string{"injectkit", "run", Name, "--output", "json", "--log-level", "error"}
			if tt.inject != nil {
				args = append(args, "--inject-file", testkit.WriteJSON(t, "inject.json", map[string]any{"inject_id": "q-1",
					"expectation_types": tt.inject, "targets": []map[string]any{{"query": "apache", "target_ipv4": "127.0.0.1"}}}))
			} else {
				args = append(args, "--query", "apache", "--target", "127.0.0.1")
			}
			code, out, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
				"INJECTKIT_OUTBOX": "none"}, append(args, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, errs.String())
			}
			if tt.code != 0 {
				last := strings.TrimSpace(errs.String())
				last = last[strings.LastIndexByte(last, '\n')+1:]
				if !strings.Contains(last, tt.wantErr) {
					t.Errorf("stderr's last line = %s, want it to hold %s", last, tt.wantErr)
				}
				if n := len(srv.Requests()); n != 0 || out.Len() != 0 {
					t.Errorf("%d requests sent, stdout %q: want nothing", n, out.String())
				}
				return
			}
			body := out.String()
			if !strings.Contains(body, `"expectation_type":"VULNERABILITY"`) {
				t.Errorf("no VULNERABILITY signature group:\n%s", body)
			}
			for _, et := range []string{"DETECTION", "PREVENTION"} {
				if strings.Contains(body, et) {
					t.Errorf("a %s signature group went out:\n%s", et, body)
				}
			}
		})
	}
}

// TestPlatformMessageListingDetection runs a platform message for a query
// inject on an asset against OpenAEV's stand-in (current line, signatures
// stored): the inject form adds DETECTION and PREVENTION to every
// contract, and a message listing them is run as for any type the
// injector does not declare: they are ignored, and the platform stores no
// signature of theirs (only its own, computed at publish), which a collector matching our source address (or
// counting any alert) would mark "detected" on alerts the lookup did not
// cause. The asset's CVEs still reach the platform.
func TestPlatformMessageListingDetection(t *testing.T) {
	for _, tt := range []struct {
		name  string
		types []string
	}{
		{"detection, prevention and vulnerability", []string{"DETECTION", "PREVENTION", "VULNERABILITY"}},
		{"detection only", []string{"DETECTION"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const injectID, token = "q-msg-1", "platform-token"
			srv := newStandIn(t)
			p := openaevtest.NewPlatform(t, token, openaevtest.WithDevFeatures(openaevtest.SignatureOutputProcessor))
			registerQuery(t, p, token)
			p.AddInject(injectID, openaev.ContractID(Name))
			p.AddAssets("a1")
			var expectations []map[string]any
			for _, et := range tt.types {
				expectations = append(expectations, map[string]any{"expectation_type": et})
			}
			msg := p.Message(openaevtest.QueuedInject{ID: injectID, ContractID: openaev.ContractID(Name),
				Content: map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip", "query": "nginx",
					"expectations": expectations},
				Assets: []map[string]any{{"asset_id": "a1", "endpoint_seen_ip": "203.0.113.1"}}})
			p.Dispatch(injectID)
			// The platform's own, computed at publish: the current line signs
			// an asset with no active agent itself (-agent-null, its IPs).
			own := p.Signatures(injectID)
			file := testkit.WriteFile(t, "message.json", string(msg))
			env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey, "INJECTKIT_OUTBOX": "none"}
			code, _, errs := runCLI(t, Name, env, "injectkit", "run", "--openaev-message", file, "--openaev-version", p.Version().String(),
				"--backend-url", p.URL, "--token", token, "--log-level", "error")
			if code != 0 {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, errs.String())
			}
			if call, ok := p.Terminal(injectID); !ok || call.Outcome != openaevtest.Processed {
				t.Fatalf("no complete processed (%+v):\n%s", call, errs.String())
			}
			if n := len(srv.Requests()); n == 0 {
				t.Fatal("no query reached the engine")
			}
			if got := p.Signatures(injectID); !reflect.DeepEqual(got, own) {
				t.Errorf("the platform holds signatures %v, want only its own from publish %v", got, own)
			}
			if _, ok := p.Findings(injectID)[FieldCVEs]; !ok {
				t.Errorf("no cves stored (findings %v)", p.Findings(injectID))
			}
		})
	}
}
