package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A broker connection that fails on a certificate names the settings to
// check in its error (the one "broker connection failed" line): the CA
// file when the broker's certificate is refused, the client certificate
// and key when the broker refuses the client's, the platform's broker
// host when the certificate, signed by a CA trusted, names another, and
// the broker's certificate when it expired (both named the CA file, which
// cannot mend them).
func TestDialNamesTheTLSSettingToFix(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MaxVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	b := Broker{Host: host, Port: p, VHost: "/", User: "guest", Pass: "guest", TLS: true}
	trusted := x509.NewCertPool()
	trusted.AddCert(srv.Certificate())
	// The test server's certificate names example.com, 127.0.0.1 and ::1.
	other := b
	other.Host = "localhost"
	expired, expiredPool := expiredServer(t)
	tests := []struct {
		name     string
		broker   Broker
		cfg      *tls.Config
		want     string
		withheld string // a hint that would send the operator to the wrong setting
	}{
		{"broker certificate refused", b, &tls.Config{MinVersion: tls.VersionTLS12}, "check broker_ca_file, --broker-ca-file", ""},
		{"client certificate refused", b, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: trusted},
			"if it wants a client certificate: check broker_cert_file and broker_key_file", ""},
		{"broker certificate for other names", other, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: trusted},
			"not localhost (the broker's certificate does not name the host the platform's registration gives, its openaev.rabbitmq.hostname",
			"check broker_ca_file"},
		{"broker certificate expired", expired, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: expiredPool},
			"(the broker's certificate has expired, or is not valid yet: renew it on the broker", "check broker_ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dial(context.Background(), tt.broker, tt.cfg, "test", 5*time.Second)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "guest") ||
				tt.withheld != "" && strings.Contains(err.Error(), tt.withheld) {
				t.Errorf("dial: %v, want %q", err, tt.want)
			}
		})
	}
}

// /healthz says why the broker connection fails, not only that it does.
func TestHealthNamesTheBrokerFailure(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	r := newRunner(&Daemon{TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}})
	r.heartbeatOK.Store(true)
	b := Broker{Host: host, Port: p, VHost: "/", User: "guest", Pass: "s3cret", TLS: true}
	_, derr := dial(context.Background(), b, r.d.TLSConfig, "test", 5*time.Second)
	why := derr.Error()
	r.brokerErr.Store(&why) // as the session loop records a failed connection
	h := r.health()
	if !strings.HasPrefix(h.Reason, ReasonBroker+": ") || !strings.Contains(h.Reason, "broker_ca_file") ||
		strings.Contains(h.Reason, "s3cret") {
		t.Errorf("reason %q, want the broker's refused certificate named", h.Reason)
	}
}

// expiredServer serves TLS on loopback with a self-signed certificate for
// 127.0.0.1 that expired an hour ago, and returns it as a broker and the
// pool trusting the certificate.
func expiredServer(t *testing.T) (Broker, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired broker"},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: time.Now().Add(-time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	return Broker{Host: "127.0.0.1", Port: port, VHost: "/", User: "guest", Pass: "guest", TLS: true}, pool
}
