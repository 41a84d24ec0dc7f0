package transport_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport"
)

// A CA file New refuses is a *ValidationError on ca_file whose reason is
// the file's fault and whose chain keeps the read's error.
func TestNewCAFileKeepsItsCause(t *testing.T) {
	junk := testkit.WriteFile(t, "junk.pem", "not a certificate")
	dir := filepath.Dir(junk)
	tests := []struct {
		name   string
		opt    transport.Option
		path   string
		reason string
		cause  error
	}{
		{"no certificate", transport.WithCAFile(junk), junk, "no PEM certificate found", httpx.ErrNoCertificate},
		{"no certificate, read", transport.WithCA(junk, []byte{}), junk, "no PEM certificate found", httpx.ErrNoCertificate},
		{"missing", transport.WithCAFile(filepath.Join(dir, "missing.pem")), filepath.Join(dir, "missing.pem"),
			"no such file or directory", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transport.New("https://127.0.0.1:1", tt.opt)
			var ve *transport.ValidationError
			if !errors.As(err, &ve) || ve.Field != "ca_file" || ve.Value != tt.path || ve.Reason != tt.reason || !errors.Is(err, tt.cause) {
				t.Errorf("New = %v, want ca_file: %s, %v in its chain", err, tt.reason, tt.cause)
			}
		})
	}
}
