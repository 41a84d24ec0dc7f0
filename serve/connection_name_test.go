package serve_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// Tests of the daemon's broker connection as the broker's operator sees
// it (rabbitmqctl): its name, and /healthz once the operator closes it.

// ownConnection returns the daemon's connection to the broker, connected
// (the broker lists it once open): the one whose client-provided name
// (client property connection_name) is that of the daemon of this
// process, and only it.
func ownConnection(t *testing.T, f *fixture) servetest.Connection {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s on %s pid %d", f.d.Name, host, os.Getpid())
	var found []servetest.Connection
	var names []string
	for _, c := range servetest.Connections(t) {
		names = append(names, c.Property("connection_name"))
		if c.Property("connection_name") == want {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d connections named %q among %q, want 1", len(found), want, names)
	}
	return found[0]
}

func TestIntegrationConnectionNamesHostAndPid(t *testing.T) {
	f := newFixture(t, newRecorder(nil))
	start(t, f.d)
	waitFor(t, "the broker connected", func() bool { return servetest.Metric(t, f.metrics, "injectkit_broker_connected") == 1 })
	c := ownConnection(t, f)
	if !strings.HasPrefix(c.Property("connection_name"), f.d.Name+" on ") {
		t.Errorf("connection name %q does not begin with the daemon's name %q", c.Property("connection_name"), f.d.Name)
	}
}

// An operator closing the daemon's connection (rabbitmqctl
// close_connection, a reason given) is seen in /healthz with the broker's
// close, code and reason, as a failed dial is, the reason redacted as
// every broker text is: a secret it quotes is not shown.
func TestIntegrationHealthSaysWhyTheBrokerClosedTheConnection(t *testing.T) {
	const secret = "h225-token-0123456789abcdef"
	for _, tt := range []struct {
		name, reason string
		want         []string
	}{
		{"operator's reason", "h225 maintenance window",
			[]string{serve.ReasonBroker + ": connection to amqp://127.0.0.1:5672/%2F lost: ",
				"Exception (320)", "CONNECTION_FORCED - h225 maintenance window"}},
		{"reason echoing a secret", "h225 closed for " + secret,
			[]string{serve.ReasonBroker + ": connection to amqp://127.0.0.1:5672/%2F lost: ",
				"Exception (320)", "CONNECTION_FORCED - h225 closed for [REDACTED]"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, newRecorder(nil))
			url := f.listen(t, time.Hour)
			f.d.Secrets = []string{secret}
			// Not connected again before the test ends: /healthz keeps the
			// loss's reason.
			f.d.MinBackoff, f.d.MaxBackoff = time.Hour, time.Hour
			start(t, f.d)
			waitFor(t, "the broker connected", func() bool {
				return servetest.Metric(t, f.metrics, "injectkit_broker_connected") == 1
			})
			servetest.CloseConnection(t, ownConnection(t, f), tt.reason)
			waitFor(t, "the broker disconnected", func() bool {
				return servetest.Metric(t, f.metrics, "injectkit_broker_connected") == 0
			})
			code, h := servetest.Health(t, url)
			if code != http.StatusServiceUnavailable || h.BrokerConnected {
				t.Errorf("/healthz: %d, broker_connected %v; want 503, false", code, h.BrokerConnected)
			}
			for _, w := range tt.want {
				if !strings.Contains(h.Reason, w) {
					t.Errorf("/healthz reason %q does not say %q", h.Reason, w)
				}
			}
			if strings.Contains(h.Reason, secret) {
				t.Errorf("/healthz reason %q shows the secret", h.Reason)
			}
			lost := f.logs.FilterMessage(connLostLine).All()
			if len(lost) != 1 {
				t.Fatalf("%d WARN broker connection lost, want 1", len(lost))
			}
			if got := fmt.Sprint(lost[0].ContextMap()["error"]); strings.Contains(got, secret) || !strings.Contains(got, "Exception (320)") {
				t.Errorf("WARN broker connection lost: error %q", got)
			}
		})
	}
}

// A daemon whose name is as long as the platform takes an injector name
// (255 characters, here 250 of which many take two bytes) consumes: its
// consumer tags, the name then the pid and a sequence number, are AMQP
// short strings (at most 255 bytes), which the client refuses to send
// longer, so that every consume failed and the daemon retried without end.
func TestIntegrationConsumesUnderALongName(t *testing.T) {
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	f.d.Name = "injectkit-" + strings.Repeat("né", 120)
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":"long-name"}`))
	waitFor(t, "the message handled", func() bool { return rec.distinct() == 1 })
	if _, consumers := servetest.Counts(t, f.queue); consumers != 1 {
		t.Errorf("%d consumers on the queue, want 1", consumers)
	}
	// Its connection keeps the whole name (a client property, a long string).
	ownConnection(t, f)
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := f.logs.FilterMessage("broker connection failed").Len(); n != 0 {
		t.Errorf("%d WARN broker connection failed, want 0: %v", n, f.logs.FilterMessage("broker connection failed").All()[0].ContextMap())
	}
}
