package httpx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// t67: a server certificate refused for its dates or its name says what
// is wrong with it, not to check the CAs trusted (which would not help);
// one from a CA not trusted keeps the CA hint.
func TestCertificateHint(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name      string
		trusted   bool // the client trusts the issuing CA
		from, to  time.Time
		ip        string
		want, not string
	}{
		{"expired", true, now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), "127.0.0.1",
			"the server's certificate is outside its validity dates (expired, or not yet valid)", "--ca-file"},
		{"not yet valid", true, now.Add(24 * time.Hour), now.Add(48 * time.Hour), "127.0.0.1",
			"the server's certificate is outside its validity dates", "--ca-file"},
		{"another host", true, now.Add(-time.Hour), now.Add(time.Hour), "127.0.0.2",
			"the server's certificate does not name 127.0.0.1: use a URL with a name the certificate holds", "--ca-file"},
		{"unknown authority", false, now.Add(-time.Hour), now.Add(time.Hour), "127.0.0.1",
			CAFileHint, "validity dates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caFile, cert := issue(t, tt.from, tt.to, net.ParseIP(tt.ip))
			srv := httptest.NewUnstartedServer(http.NotFoundHandler())
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			srv.StartTLS()
			t.Cleanup(srv.Close)
			opts := TLS{Hint: CAFileHint}
			if tt.trusted {
				opts.CAFile = caFile
			}
			hc, err := NewClient(opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = (&Poster{Client: hc}).Do(context.Background(), Request{Op: "callback", URL: srv.URL})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), tt.not) {
				t.Errorf("error %v; want %q, not %q", err, tt.want, tt.not)
			}
		})
	}
}

// issue writes a new CA to a PEM file and returns its path and a server
// certificate it signed for ip, valid from from to to.
func issue(t *testing.T, from, to time.Time, ip net.IP) (string, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-72 * time.Hour), NotAfter: time.Now().Add(72 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "server"},
		NotBefore: from, NotAfter: to, IPAddresses: []net.IP{ip},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
