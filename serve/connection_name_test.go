package serve_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

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
