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
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// TestCAPool checks the one reading and check of a CA file: its content
// given or read from the file, a pool that trusts it, and for a bad file a
// *CAFileError naming it whose reason is the one text of every CA setting;
// NewClient refuses what CAPool refuses, with the same error, and only that.
func TestCAPool(t *testing.T) {
	srv, _ := httpxtest.TLSServer(t)
	caFile := httpxtest.CAFile(t, srv)
	ca, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		path   string
		pem    []byte // nil: read from path
		reason string // "": accepted
		is     error
	}{
		{name: "a certificate", path: "ca.pem", pem: ca},
		{name: "a certificate read from its file", path: caFile},
		{name: "a certificate after text", path: "ca.pem", pem: append([]byte("comment\n"), ca...)},
		{name: "text", path: "ca.pem", pem: []byte("not a certificate"), reason: "no PEM certificate found", is: ErrNoCertificate},
		{name: "empty", path: "ca.pem", pem: []byte{}, reason: "no PEM certificate found", is: ErrNoCertificate},
		{name: "another PEM block", path: "ca.pem", pem: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
			reason: "no PEM certificate found", is: ErrNoCertificate},
		{name: "a file of text", path: write("text.pem", []byte("not a certificate")), reason: "no PEM certificate found", is: ErrNoCertificate},
		{name: "a missing file", path: filepath.Join(dir, "missing.pem"), reason: "no such file or directory", is: os.ErrNotExist},
		{name: "a directory", path: dir, reason: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, err := CAPool(tt.path, tt.pem)
			_, built := NewClient(TLS{CAFile: tt.path, CAPEM: tt.pem}, nil)
			if tt.reason == "" {
				if err != nil || pool == nil || built != nil {
					t.Fatalf("CAPool = %v, %v; NewClient: %v; want a pool, no error", pool, err, built)
				}
				return
			}
			var ce *CAFileError
			if pool != nil || !errors.As(err, &ce) || ce.Path != tt.path || FileCause(err).Error() != tt.reason || err.Error() != "ca file "+tt.path+": "+tt.reason {
				t.Fatalf("CAPool = %v, %v; want a *CAFileError of %s: %s", pool, err, tt.path, tt.reason)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("CAPool: %v, want errors.Is %v", err, tt.is)
			}
			if built == nil || built.Error() != err.Error() {
				t.Errorf("NewClient: %v, want CAPool's %v", built, err)
			}
		})
	}
}

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
