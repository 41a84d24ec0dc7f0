package openaev_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// The ERROR line of a result the platform refused (401) and nothing keeps
// (no outbox) lists the undelivered signatures as its terminal callback
// carries them: as the platform would have got them, its signature names,
// once per agent of an asset with several.
func TestLostResultLogsThePlatformsSignatures(t *testing.T) {
	s := newServeEnv(t, serveOpts{injectors: "noop"})
	agents := []string{"ag1", "ag2", "ag3"}
	content := map[string]any{"target_selector": "assets", "expectations": []map[string]any{{"expectation_type": "DETECTION"}}}
	body := s.message(t, "i-1", "noop", content, []map[string]any{asset("asset", "a1", "", "192.0.2.1", nil, agents...)}, nil)
	s.platform.FailComplete("i-1", http.StatusUnauthorized, 1)
	_ = s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body})
	lines := s.logs.FilterMessageSnippet("not kept (no outbox)").All()
	if len(lines) != 1 {
		t.Fatalf("%d lines saying the result is lost, want 1: %v", len(lines), s.logs.All())
	}
	raw, _ := lines[0].ContextMap()["undelivered_signatures"].(string)
	var doc struct {
		Targets []struct {
			SignatureTarget struct {
				Agent string `json:"agent"`
				Asset string `json:"asset"`
			} `json:"signature_target"`
			SignatureValues []struct {
				Values []struct {
					Type string `json:"signature_type"`
				} `json:"values"`
			} `json:"signature_values"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("undelivered_signatures %q: %v", raw, err)
	}
	got := map[string]bool{}
	if len(doc.Targets) == 0 {
		t.Fatalf("no undelivered signatures: %s", raw)
	}
	for _, tg := range doc.Targets {
		if tg.SignatureTarget.Asset != "a1" {
			t.Errorf("target %+v, want asset a1", tg.SignatureTarget)
		}
		got[tg.SignatureTarget.Agent] = true
		for _, g := range tg.SignatureValues {
			for _, v := range g.Values {
				if v.Type == "end_time" || v.Type == "execution_status" || v.Type == "source_ipv4" {
					t.Errorf("signature named %q, not as the platform names it", v.Type)
				}
			}
		}
	}
	for _, a := range agents {
		if !got[a] {
			t.Errorf("no undelivered signatures for agent %s: %s", a, raw)
		}
	}
}
