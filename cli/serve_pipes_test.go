package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// serve reads the broker's client certificate and key once each, as its
// CA files: given as pipes (--broker-cert-file <(cat client.pem)) they
// start the daemon, not exit 2 for a file that holds no certificate.
func TestServeReadsBrokerClientCertificateOnce(t *testing.T) {
	client := servetest.NewCA(t).Client(t, "client")
	p := openaevtest.NewPlatform(t, serveToken)
	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "", "--broker-cert-file", testkit.OneShotFile(t, client.CertPEM),
		"--broker-key-file", testkit.OneShotFile(t, client.KeyPEM))
	waitUntil(t, "serve to start or exit", func() bool {
		return strings.Contains(stderr.String(), "starting") || strings.Contains(stderr.String(), "injectkit: ")
	})
	stop()
	if s := stderr.String(); !strings.Contains(s, "starting") || strings.Contains(s, "holds no PEM") {
		t.Errorf("serve over piped broker certificate files did not start:\n%s", s)
	}
}
