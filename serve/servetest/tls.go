package servetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
)

// NodeOption configures a node StartNode starts.
type NodeOption func(*nodeConfig)

type nodeConfig struct {
	tls             *NodeTLS
	consumerTimeout time.Duration // 0: the broker's default
}

// NodeTLS is the TLS listener of a node: PEM files of the CA that signed
// the clients' certificates (and that the clients trust), of the node's
// certificate and of its key.
type NodeTLS struct {
	CAFile, CertFile, KeyFile string
	// RequireClientCert makes the node refuse a client without a
	// certificate signed by the CA (ssl_options.fail_if_no_peer_cert).
	RequireClientCert bool
}

// WithTLS gives the node an AMQPS listener (listeners.ssl.default) on
// 127.0.0.1:Node.TLSPort, besides its plain one.
func WithTLS(t NodeTLS) NodeOption { return func(c *nodeConfig) { c.tls = &t } }

// conf returns the rabbitmq.conf lines of the listener on port.
func (t NodeTLS) conf(port int) string {
	s := fmt.Sprintf("listeners.ssl.default = 127.0.0.1:%d\n", port) +
		"ssl_options.cacertfile = " + t.CAFile + "\n" +
		"ssl_options.certfile = " + t.CertFile + "\n" +
		"ssl_options.keyfile = " + t.KeyFile + "\n" +
		"ssl_options.versions.1 = tlsv1.3\n" +
		"ssl_options.versions.2 = tlsv1.2\n"
	if t.RequireClientCert {
		s += "ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n"
	} else {
		s += "ssl_options.verify = verify_none\nssl_options.fail_if_no_peer_cert = false\n"
	}
	return s
}

// TLSBroker is the node's AMQPS listener with the guest account, as a
// registration with use_ssl names it.
func (n *Node) TLSBroker() serve.Broker {
	return serve.Broker{Host: "127.0.0.1", Port: n.TLSPort, VHost: "/", User: "guest", Pass: "guest", TLS: true}
}

// CA is a private certificate authority made for one test, its files in
// the test's temporary directory.
type CA struct {
	// File is the PEM file of the CA's certificate.
	File string
	// Pool trusts the CA alone.
	Pool *x509.CertPool

	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	dir  string
	seq  int64
}

// NewCA makes a CA valid for an hour.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "injectkit test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{Pool: x509.NewCertPool(), cert: cert, key: key, dir: t.TempDir(), seq: 1}
	ca.Pool.AddCert(cert)
	ca.File = ca.write(t, "ca.pem", "CERTIFICATE", der)
	return ca
}

// Issued is a certificate the CA signed, as files, as their PEM content
// and as a tls.Certificate.
type Issued struct {
	CertFile, KeyFile string
	CertPEM, KeyPEM   []byte
	Cert              tls.Certificate
}

// Server issues a server certificate for 127.0.0.1 and localhost.
func (ca *CA) Server(t testing.TB, name string) Issued {
	t.Helper()
	return ca.issue(t, name, x509.ExtKeyUsageServerAuth)
}

// Client issues a client certificate.
func (ca *CA) Client(t testing.TB, name string) Issued {
	t.Helper()
	return ca.issue(t, name, x509.ExtKeyUsageClientAuth)
}

func (ca *CA) issue(t testing.TB, name string, usage x509.ExtKeyUsage) Issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca.seq++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(ca.seq), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return Issued{
		CertFile: ca.write(t, name+".pem", "CERTIFICATE", der),
		KeyFile:  ca.write(t, name+".key", "PRIVATE KEY", pk),
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		Cert:     tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
	}
}

func (ca *CA) write(t testing.TB, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(ca.dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
