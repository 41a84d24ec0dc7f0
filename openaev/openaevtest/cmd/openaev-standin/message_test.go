package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestMessageRouteFixesTheExpectations: POST /injects/{id}/message, with
// no broker, answers the platform's message for the inject (its asset's
// agents listed unmarked, the implant among them) and dispatches it, and
// from then on the platform stores a signature only on an expectation it
// created: the primary agent's and the agentless asset's, of the type the
// content lists, not the implant's, not an asset the inject does not
// target (signatures_unattached counts them). An inject it does not know
// is a 404, a body that is not the message's parts a 400.
func TestMessageRouteFixesTheExpectations(t *testing.T) {
	dir := t.TempDir()
	statsFile := filepath.Join(dir, "stats")
	url, stop := start(t, "-token", "tok", "-register", "noop", "-inject", "inj-1",
		"-url-file", filepath.Join(dir, "url"), "-stats-url-file", statsFile, "-ingest-every", "0")
	defer stop()
	b, err := os.ReadFile(statsFile)
	if err != nil {
		t.Fatal(err)
	}
	stats := string(b)
	message := func(id, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(stats+"/injects/"+id+"/message", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	parts := `{"inject_content": {"target_selector": "assets", "expectations": [{"expectation_type": "DETECTION"}]},
		"assets": [{"asset_id": "a1", "endpoint_seen_ip": "192.0.2.1",
			"asset_agents": [{"agent_id": "ag1"}, {"agent_id": "imp1", "agent_parent": "ag1"}]},
			{"asset_id": "a2", "endpoint_seen_ip": "192.0.2.2"}]}`
	for _, tt := range []struct{ id, body string }{{"nosuch", parts}, {"inj-1", `{"assets": 1}`}, {"inj-1", `{"other": 1}`}} {
		if st, _ := message(tt.id, tt.body); st == http.StatusOK {
			t.Errorf("message %s %s: 200", tt.id, tt.body)
		}
	}
	st, msg := message("inj-1", parts)
	if st != http.StatusOK || strings.Contains(msg, "agent_parent") || !strings.Contains(msg, `"agent_id":"imp1"`) ||
		!strings.Contains(msg, `"inject_id":"inj-1"`) {
		t.Fatalf("message: %d %s", st, msg)
	}
	var envelope []string
	for _, target := range []string{`{"agent":"ag1","asset":"a1"}`, `{"agent":"imp1","asset":"a1"}`, `{"asset":"a2"}`, `{"asset":"a9"}`} {
		for _, et := range []string{"DETECTION", "PREVENTION"} {
			envelope = append(envelope, `{"signature_target":`+target+`,"signature_values":[{"expectation_type":"`+et+
				`","values":[{"signature_type":"start_date","signature_value":"2026-12-06T10:00:00Z"}]}]}`)
		}
	}
	structured, _ := json.Marshal(`{"expectation_signatures":{"targets":[` + strings.Join(envelope, ",") + `]}}`)
	post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`)
	if got := post(t, url, "/api/injects/execution/callback/inj-1", "tok",
		`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete","execution_output_structured":`+
			string(structured)+`}`); got != 200 {
		t.Fatalf("complete: %d", got)
	}
	resp, err := http.Get(stats + "/injects/inj-1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h openaevtest.Held
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, s := range h.Signatures {
		stored = append(stored, s.Agent+"/"+s.Asset+"/"+s.ExpectationType)
	}
	if strings.Join(stored, " ") != "/a2/DETECTION ag1/a1/DETECTION" || h.Unattached != 6 || h.Status != "EXECUTED" {
		t.Errorf("stored %v, %d unattached, status %s", stored, h.Unattached, h.Status)
	}
}
