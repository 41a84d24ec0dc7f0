package cli_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// injectkit serve --workers 1 with an outbox: once an inject has run, its
// worker takes the next message while a delivery slot stores and posts
// its "complete" and acknowledges its message. The first inject's
// "complete" is held unanswered (a proxy before the platform): the second
// inject runs meanwhile, then waits for the one delivery slot; once the
// first's answer comes both are completed, once each, and acknowledged.
// Before, the one worker was held to the acknowledgement: the second
// waited for the first's POST to be taken at all.
func TestIntegrationServeRunsTheNextInjectWhileTheLastDelivers(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.AddInject("i-first", openaev.ContractID("noop"))
	p.AddInject("i-second", openaev.ContractID("noop"))
	held, release := make(chan struct{}, 1), make(chan struct{})
	target, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasSuffix(r.URL.Path, "/callback/i-first") && bytes.Contains(body, []byte(`"execution_action":"complete"`)) {
			select {
			case held <- struct{}{}:
			default:
			}
			<-release
		}
		forward.ServeHTTP(w, r)
	}))
	defer front.Close()
	released := false
	defer func() { // before the proxy's Close, which waits for the held POST
		if !released {
			close(release)
		}
	}()

	stderr, stop := serveRun(t, nil, "--openaev-url", front.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--workers", "1", "--log-format", "json", "--injectors", "noop",
		"--outbox", filepath.Join(t.TempDir(), "outbox.db"), "--openaev-ingest-window", "0")
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	}()
	waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })
	servetest.Publish(t, queue, noopMessage(t, "i-first", nil))
	<-held // i-first ran; its complete is unanswered
	servetest.Publish(t, queue, noopMessage(t, "i-second", nil))
	// One delivery slot (as many as workers), held by i-first: i-second
	// runs, then waits for it, its worker held.
	waitUntil(t, "i-second run while i-first's complete is held", func() bool {
		for _, l := range jsonLogs(stderr.String(), "executed") {
			if l["inject_id"] == "i-second" {
				return true
			}
		}
		return false
	})
	for _, id := range []string{"i-first", "i-second"} {
		if c, ok := p.Terminal(id); ok {
			t.Fatalf("%s's complete reached the platform while i-first's is held (status %d)", id, c.Status)
		}
	}
	close(release)
	released = true
	waitUntil(t, "both completed, their messages acknowledged", func() bool {
		first, ok1 := p.Terminal("i-first")
		second, ok2 := p.Terminal("i-second")
		ready, _ := servetest.Counts(t, queue)
		return ok1 && ok2 && first.Accepted() && second.Accepted() && ready == 0 && len(jsonLogs(stderr.String(), "delivered")) == 2
	})
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, id := range []string{"i-first", "i-second"} {
		if n := len(p.Completions(id)); n != 1 {
			t.Errorf("%s completed %d times, want once", id, n)
		}
	}
}
