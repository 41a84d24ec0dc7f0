package openaev_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// A CA file NewHTTPClient refuses is a *ValidationError on ca_file whose
// reason is the file's fault and whose chain keeps the read's error.
func TestNewHTTPClientCAFileKeepsItsCause(t *testing.T) {
	junk := testkit.WriteFile(t, "junk.pem", "not a certificate")
	dir := filepath.Dir(junk)
	tests := []struct {
		name, path, reason string
		cause              error
	}{
		{"no certificate", junk, "no PEM certificate found", httpx.ErrNoCertificate},
		{"missing", filepath.Join(dir, "missing.pem"), "no such file or directory", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openaev.NewHTTPClient(tt.path, false, nil)
			var ve *openaev.ValidationError
			if !errors.As(err, &ve) || ve.Field != "ca_file" || ve.Value != tt.path || ve.Reason != tt.reason || !errors.Is(err, tt.cause) {
				t.Errorf("NewHTTPClient(%s) = %v, want ca_file: %s, %v in its chain", tt.path, err, tt.reason, tt.cause)
			}
		})
	}
}
