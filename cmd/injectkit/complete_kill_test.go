package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// aComplete picks a "complete" callback.
func aComplete(body []byte) bool {
	return bytes.Contains(body, []byte(`"execution_action":"complete"`))
}

// kill -9 of `injectkit run --openaev-message` while its "complete" is on
// the wire leaves that attempt's start noted beside the outbox, and no
// outcome: OpenAEV 2.4.0 queues callbacks, and may hold that "complete"
// unprocessed. A flush after the restart counts it as an attempt that got
// no answer, and holds the "complete" for the ingestion window from the
// attempt's start (exit 1, saying so), sending nothing; once the platform
// shows the inject finished by it, the next flush sends nothing and
// settles it delivered, and when the platform never got it, a flush
// waiting for no window sends it, once.
func TestBinaryKill9DuringCompleteThenFlush(t *testing.T) {
	tests := []struct {
		name string
		pass bool // the platform got the "complete" cut by the kill
	}{
		{"the platform queued the complete", true},
		{"the complete never reached the platform", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("inj-complete-kill-%d", i)
			p, msg := heldNoopInject(t, id)
			front, held := holdingFront(t, p.URL, aComplete, tt.pass)
			box := filepath.Join(t.TempDir(), "outbox.db")
			killRunOnceHeld(t, held, "its complete", "run", "noop", "--openaev-message", msg, "--backend-url", front,
				"--token", platformToken, "--outbox", box, "--log-level", "error")
			want := 0
			if tt.pass {
				want = 1
			}
			completes := func() int { return p.StatsFrom(0).ByKind[openaevtest.KindComplete] }
			if got := completes(); got != want {
				t.Fatalf("%d completes received before the flush, want %d", got, want)
			}

			flush := func(window string) (int, string) {
				code, out, errs := injectkit(t, nil, "outbox", "flush", "--outbox", box, "--backend-url", front, "--token", platformToken,
					"--openaev-ingest-window", window)
				return code, out + errs
			}
			code, out := flush("1h")
			if code != 1 || !strings.Contains(out, "within the platform's ingestion window") {
				t.Errorf("flush within the window: exit %d, want 1 saying the complete is held for the window\n%s", code, out)
			}
			if got := completes(); got != want {
				t.Errorf("%d completes received after a flush within the window, want %d: nothing sent", got, want)
			}

			if tt.pass {
				p.Ingest() // the platform processes the complete it queued
				code, out = flush("1h")
			} else {
				// The note of the cut attempt lasts the window it was made
				// with (1h, the first flush's): a flush told the platform
				// keeps no window (0) sends it, once.
				code, out = flush("0")
			}
			if code != 0 {
				t.Errorf("flush: exit %d, want 0\n%s", code, out)
			}
			p.Ingest()
			if got := completes(); got != 1 {
				t.Errorf("%d completes received in all, want 1", got)
			}
			finishedOnce(t, p, id)
		})
	}
}

// finishedOnce checks that the platform processed one completion of
// inject id, which finished it (EXECUTED), and dropped no callback.
func finishedOnce(t *testing.T, p *openaevtest.Platform, id string) {
	t.Helper()
	if c := len(p.Completions(id)); c != 1 {
		t.Errorf("%d completions processed, want 1", c)
	}
	if st := p.InjectStatus(id); st != "EXECUTED" {
		t.Errorf("inject %s, want EXECUTED", st)
	}
	if d := p.Dropped(); len(d) != 0 {
		t.Errorf("%d callbacks dropped, first: %s", len(d), d[0].Reason)
	}
}

// heldNoopInject returns a platform of the current line that holds what
// it ingests (openaevtest.WithHeldIngestion), holding inject id of the
// noop contract, and the file of the message dispatching it to one asset.
func heldNoopInject(t *testing.T, id string) (*openaevtest.Platform, string) {
	t.Helper()
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVersion(openaevtest.Current), openaevtest.WithHeldIngestion())
	registerContracts(t, p)
	p.AddInject(id, openaev.ContractID("noop"))
	assets := []map[string]any{{"asset_id": "asset-01", "asset_name": "web01.example.com",
		"asset_hostname": "web01.example.com", "asset_ips": []string{"192.0.2.1"}}}
	return p, testkit.WriteFile(t, "message.json", platformMessage(id, "noop", map[string]any{"target_selector": "assets",
		"target_property_selector": "hostname", "expectations": expectations("DETECTION")}, assets))
}
