package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// listenWarn is what the WARN about a listen address reachable from other
// hosts says, whatever the address.
const listenWarn = "serves /healthz and /metrics without authentication on "

// serve warns once, at start, naming where it was given and the value,
// when its listen address is reachable from other hosts, and starts all
// the same. The HTTP server binds after the WARN: here the outbox cannot
// be created, so serve exits 2 before it binds anything but loopback.
func TestServeWarnsOfAnExposedListenAddr(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(conf, []byte("listen_addr: \"[::]:9464\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", serveToken, "--injector-id", injectorID, "--injectors", "noop"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag, no host", nil, []string{"--listen-addr", ":9100"},
			"the listen address given by --listen-addr, :9100, " + listenWarn + "every interface"},
		{"env", map[string]string{"INJECTKIT_LISTEN_ADDR": "0.0.0.0:9464"}, nil,
			"the listen address given by env INJECTKIT_LISTEN_ADDR, 0.0.0.0:9464, " + listenWarn + "every interface"},
		{"config file", nil, []string{"--config", conf},
			"the listen address given by listen_addr (config file " + conf + ":1), [::]:9464, " + listenWarn + "every interface"},
		{"one interface", nil, []string{"--listen-addr", "192.0.2.7:9464"},
			"the listen address given by --listen-addr, 192.0.2.7:9464, " + listenWarn + "the interface of 192.0.2.7: " +
				"reachable from other hosts"},
		{"loopback", nil, []string{"--listen-addr", "127.0.0.2:9464"}, ""},
		{"IPv6 loopback", nil, []string{"--listen-addr", "[::1]:9464"}, ""},
		{"no HTTP server", nil, []string{"--listen-addr", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(notDir, "outbox.db")}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, registry(), env, append(append([]string(nil), base...), tt.args...)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "create directory") {
				t.Fatalf("exit %d, want 2 refusing the outbox before the HTTP server binds:\n%s", r.code, r.stderr)
			}
			n := strings.Count(r.stderr, listenWarn)
			switch {
			case tt.want == "" && n != 0:
				t.Errorf("a WARN about a listen address reachable from this host only:\n%s", r.stderr)
			case tt.want != "" && (n != 1 || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "give 127.0.0.1:")):
				t.Errorf("want one WARN saying %q and suggesting 127.0.0.1:\n%s", tt.want, r.stderr)
			}
		})
	}
}

// serve on a loopback address binds it and says nothing of it.
func TestServeLoopbackListenAddrNotWarned(t *testing.T) {
	p := openaevtest.NewPlatform(t, "the-right-token")
	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0")
	waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
	if code := stop(); code != cli.ExitDelivery {
		t.Errorf("exit %d, want 1 (the token refused); stderr: %s", code, stderr)
	}
	if got := stderr.String(); !strings.Contains(got, "serving /healthz and /metrics") || strings.Contains(got, listenWarn) {
		t.Errorf("want the HTTP server started on loopback, without a WARN about it:\n%s", got)
	}
}
