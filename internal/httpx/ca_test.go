package httpx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

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
