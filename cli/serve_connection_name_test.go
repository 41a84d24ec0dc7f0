package cli_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// The broker shows serve's connection under the injector's name, as the
// platform shows it (--injector-name), then the host and the process id:
// "injectkit on vm pid 7510" by default, "injectkit-nmap on …" for the
// README's deployment, "hello on …" for a binary named hello. It said
// "injectkit-" before the name: "injectkit-injectkit on vm pid 7510",
// "injectkit-injectkit-nmap", and "injectkit-hello" for a binary that
// never calls itself injectkit.
func TestIntegrationServeConnectionNamedAfterTheInjector(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string // the binary's
		args []string
		want string
	}{
		{"", nil, "injectkit"},
		{"", []string{"--injector-name", "injectkit-nmap"}, "injectkit-nmap"},
		{"hello", nil, "hello"},
	} {
		p := openaevtest.NewPlatform(t, serveToken)
		queue := servetest.PlatformQueue(t, p)
		d := serveOptions(t, cli.Options{Registry: serveRegistry(), Name: tt.name}, nil, append([]string{"--openaev-url", p.URL,
			"--token", serveToken, "--injector-id", injectorID, "--listen-addr", "", "--injectors", "noop"}, tt.args...)...)
		waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })
		want := fmt.Sprintf("%s on %s pid %d", tt.want, host, os.Getpid())
		var names []string
		for deadline := time.Now().Add(30 * time.Second); !slices.Contains(names, want) && time.Now().Before(deadline); {
			names = names[:0]
			for _, c := range servetest.Connections(t) { // the broker lists it once open
				if n := c.Property("connection_name"); strings.HasSuffix(n, fmt.Sprintf(" pid %d", os.Getpid())) {
					names = append(names, n)
				}
			}
		}
		if !slices.Contains(names, want) {
			t.Errorf("%s %v: connections of this process %q, want one named %q", tt.name, tt.args, names, want)
		}
		d.Stop(t)
	}
}
