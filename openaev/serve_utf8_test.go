package openaev_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationServeRefusesAMessageNotUTF8 checks, through the daemon on
// a real broker, that a message holding a string that is not UTF-8 (an
// asset id here), which the platform never writes, runs nothing: read as
// encoding/json reads it, with U+FFFD, its callbacks would name an asset
// the platform does not have. Its inject is told INVALID_USAGE naming the
// member, the message is rejected without requeue in one WARN line, and
// the daemon runs the next message.
func TestIntegrationServeRefusesAMessageNotUTF8(t *testing.T) {
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{})
	d, _ := s.daemon(t, broker, queue)
	run(t, d)
	asset := map[string]any{"asset_id": "a-BAD-z", "endpoint_hostname": "", "endpoint_ips": []string{"192.0.2.1"}}
	bad := s.message(t, "i-utf8", "nmap", map[string]any{"target_selector": "assets"}, []map[string]any{asset}, nil)
	bad = bytes.Replace(bad, []byte("-BAD-"), []byte{0xff}, 1)
	good := s.message(t, "i-next", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	servetest.Publish(t, queue, bad, good)
	testkit.WaitFor(t, testkit.Hang, "both messages settled", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "rejected")+
			servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "acked") == 2
	})
	if got := servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "rejected"); got != 1 {
		t.Errorf("%v messages rejected, want 1", got)
	}
	term, ok := s.platform.Terminal("i-utf8")
	if msg := fmt.Sprint(term.Body["execution_message"]); !ok || term.Body["execution_status"] != "INVALID_USAGE" ||
		!strings.Contains(msg, "assets[0].asset_id is not UTF-8 (the byte 0xFF)") {
		t.Errorf("i-utf8 was not told INVALID_USAGE naming the asset id: %v %v", kinds(s.platform.Calls("i-utf8")), term.Body)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want once (the next message's inject alone)", n)
	}
	if st := s.platform.InjectStatus("i-next"); st == "QUEUING" || st == "PENDING" || st == "" {
		t.Errorf("the next message's inject is %q on the platform, want it finished", st)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d ready: the message was requeued", ready)
	}
	rejected := s.logs.FilterMessage("message rejected without requeue").All()
	if len(rejected) != 1 || !strings.Contains(fmt.Sprint(rejected[0].ContextMap()["reason"]), "assets[0].asset_id is not UTF-8") {
		t.Errorf("rejection lines %v, want one naming assets[0].asset_id", rejected)
	}
	if got := servetest.Metric(t, s.prom, "injectkit_injects_failed_total", "injector", "unknown"); got != 1 {
		t.Errorf("injects failed (unknown) %v, want 1", got)
	}
}
