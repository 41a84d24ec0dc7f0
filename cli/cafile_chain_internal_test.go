package cli

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"go.uber.org/zap"
)

// A refused ca_file keeps its cause in the error's chain, read by run or
// by the openaev profile's client (a file without
// a certificate errors.Is httpx.ErrNoCertificate), under the one text
// naming the setting and the file.
func TestCAFileRefusalKeepsItsCause(t *testing.T) {
	junk := testkit.WriteFile(t, "j1.pem", "not a certificate")
	dir := filepath.Dir(junk)
	tests := []struct {
		name, path string
		cause      error
		want       string
	}{
		{"no certificate", junk, httpx.ErrNoCertificate, `invalid ca_file "` + junk + `" (--ca-file): no PEM certificate found`},
		{"missing", filepath.Join(dir, "missing.pem"), fs.ErrNotExist, `invalid ca_file "` + filepath.Join(dir, "missing.pem") + `" (--ca-file): no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bc := &backendConfig{CAFile: tt.path}
			err := bc.readCA(t.Context(), " (--ca-file)")
			if err == nil || err.Error() != tt.want || !errors.Is(err, tt.cause) {
				t.Errorf("readCA = %v, want %q with %v in its chain", err, tt.want, tt.cause)
			}
			// The openaev profile's client, given the path alone.
			if _, err := backendHTTPClient(backendConfig{CAFile: tt.path}, zap.NewNop()); !errors.Is(err, tt.cause) {
				t.Errorf("backendHTTPClient = %v, want %v in its chain", err, tt.cause)
			}
		})
	}
}
