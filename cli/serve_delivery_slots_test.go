package cli_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationServeDeliverySlotsAreOptIn: the broker's prefetch is
// --workers unless --delivery-slots asks for more, with an outbox (the
// default) as without one: a daemon whose workers all run long scans
// takes no message that another daemon on the queue could run. With
// --delivery-slots N it is --workers + N, from the flag, the environment
// or the config file alike.
func TestIntegrationServeDeliverySlotsAreOptIn(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	slotsFile := writeFile(t, "slots.yaml", "delivery_slots: 3\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		prefetch float64
		slots    float64
	}{
		{"default, with an outbox", nil, nil, 2, 0},
		{"outbox none", []string{"--outbox", "none"}, nil, 2, 0},
		{"zero given", []string{"--delivery-slots", "0"}, nil, 2, 0},
		{"flag", []string{"--delivery-slots", "2"}, nil, 4, 2},
		{"environment", nil, map[string]string{"INJECTKIT_DELIVERY_SLOTS": "1"}, 3, 1},
		{"config file", []string{"--config", slotsFile}, nil, 5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			servetest.PlatformQueue(t, p)
			stderr, stop := serveRun(t, tt.env, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", "127.0.0.1:0", "--log-format", "json", "--injectors", "noop",
				"--workers", "2"}, tt.args...)...)
			waitUntil(t, "consuming", func() bool { return len(jsonLogs(stderr.String(), "consuming")) > 0 })
			if code := stop(); code != 0 {
				t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
			}
			if c := jsonLogs(stderr.String(), "consuming")[0]; c["prefetch"] != tt.prefetch {
				t.Errorf("consuming with prefetch %v, want %v", c["prefetch"], tt.prefetch)
			}
			if s := jsonLogs(stderr.String(), "starting"); len(s) != 1 || s[0]["delivery_slots"] != tt.slots {
				t.Errorf("starting lines %v, want one with delivery_slots %v", s, tt.slots)
			}
		})
	}
}

// injectkit serve --workers 1 --delivery-slots 1: once an inject has run, its
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
	forward := testkit.ReverseProxy(t, p.URL)
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

	stderr, stop := serveQueue(t, front.URL, queue, "--workers", "1", "--delivery-slots", "1", "--injectors", "noop",
		"--outbox", filepath.Join(t.TempDir(), "outbox.db"), "--openaev-ingest-window", "0",
		"--log-level", "debug") // the "executed" line below is DEBUG in serve
	servetest.Publish(t, queue, noopMessage(t, "i-first", nil))
	<-held // i-first ran; its complete is unanswered
	servetest.Publish(t, queue, noopMessage(t, "i-second", nil))
	// One delivery slot, held by i-first: i-second
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
