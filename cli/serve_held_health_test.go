package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// A result the platform does not take (503 to every "complete") with no
// outbox to keep it holds its worker while it is tried again: /healthz
// says so. One of two workers holding one: still 200, the body counting
// it and saying since when; both: 503, no other message being taken, the
// reason one line naming them (no token, no body). Once the platform takes
// them again /healthz is ok with nothing held.
func TestIntegrationServeHealthSaysWorkersHoldUndeliveredResults(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	for _, id := range []string{"i-held-1", "i-held-2"} {
		p.AddInject(id, openaev.ContractID("noop"))
		p.FailComplete(id, http.StatusServiceUnavailable, 1<<20) // never taken
	}
	stderr, stop := serveQueue(t, p.URL, queue, "--outbox", "none", "--workers", "2", "--injectors", "noop")
	holding := func(n int) bool {
		return len(jsonLogs(stderr.String(), "terminal callback not delivered and no outbox to keep it: retrying until the platform "+
			"takes the result, kept in memory; the message stays unacknowledged so that the inject does not run again")) == n
	}

	servetest.Publish(t, queue, noopMessage(t, "i-held-1", nil))
	waitUntil(t, "the first result held", func() bool { return holding(1) })
	code, h, body := healthOf(t, stderr.String())
	if code != http.StatusOK || h.Status != "ok" || h.ResultsHeld != 1 || h.ResultsHeldSince == "" ||
		!strings.Contains(h.Warning, "1 of 2 workers") {
		t.Errorf("/healthz with 1 of 2 workers holding a result: %d %s; want 200, results_held 1, its since, a warning naming 1 of 2 workers", code, body)
	}

	servetest.Publish(t, queue, noopMessage(t, "i-held-2", nil))
	waitUntil(t, "the second result held", func() bool { return holding(2) })
	code, h, body = healthOf(t, stderr.String())
	if code != http.StatusServiceUnavailable || h.Status == "ok" || h.ResultsHeld != 2 ||
		!strings.Contains(h.Reason, "2 of 2 workers") || !strings.Contains(h.Reason, h.ResultsHeldSince) {
		t.Errorf("/healthz with every worker holding a result: %d %s; want 503, results_held 2, the reason naming 2 of 2 workers and since when", code, body)
	}
	if strings.Contains(body, serveToken) || strings.Contains(body, "i-held") || strings.Contains(body, "signature") {
		t.Errorf("/healthz names the token, an inject or a body: %s", body)
	}

	for _, id := range []string{"i-held-1", "i-held-2"} {
		p.FailComplete(id, 0, 0) // taken from now on
	}
	waitUntil(t, "/healthz ok again once the platform took both", func() bool {
		code, h, _ := healthOf(t, stderr.String())
		return code == http.StatusOK && h.ResultsHeld == 0 && h.Warning == ""
	})
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
}

// healthOf returns /healthz of the daemon whose JSON logs are stderr: its
// status code, decoded body and text.
func healthOf(t *testing.T, stderr string) (int, serve.Health, string) {
	t.Helper()
	serving := jsonLogs(stderr, "serving /healthz and /metrics")
	if len(serving) != 1 {
		t.Fatalf("no listen address logged")
	}
	resp, err := http.Get("http://" + serving[0]["addr"].(string) + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var h serve.Health
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("/healthz: %v: %s", err, b)
	}
	return resp.StatusCode, h, string(b)
}
