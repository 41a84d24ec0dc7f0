package serve_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestBrokerCAFileAsCAFile checks that broker_ca_file is read and checked
// as the platform client's ca_file is: the same files refused with the
// same reason (the one text of internal/httpx's CAPool), read from the
// file or given already read, and the same files trusted.
func TestBrokerCAFileAsCAFile(t *testing.T) {
	ca := servetest.NewCA(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "text.pem")
	if err := os.WriteFile(text, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		pem    []byte // nil: read from path
		reason string // "": trusted
	}{
		{name: "a CA file", path: ca.File},
		{name: "a missing file", path: filepath.Join(dir, "missing.pem"), reason: "no such file or directory"},
		{name: "a directory", path: dir, reason: "is a directory"},
		{name: "a file of text", path: text, reason: "no PEM certificate found"},
		{name: "text already read", path: "ca.pem", pem: []byte("not a certificate"), reason: "no PEM certificate found"},
		{name: "nothing already read", path: "ca.pem", pem: []byte{}, reason: "no PEM certificate found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := serve.BrokerTLS{CAFile: tt.path, CAPEM: tt.pem}.Config()
			_, perr := openaev.ServeOptions{CAFile: tt.path, CAPEM: tt.pem}.HTTPClient(nil)
			if tt.reason == "" {
				if err != nil || cfg.RootCAs == nil || perr != nil {
					t.Fatalf("broker: %v; platform: %v; want both to trust %s", err, perr, tt.path)
				}
				return
			}
			var se *serve.SettingError
			if !errors.As(err, &se) || se.Setting != "broker_ca_file" || se.Value != tt.path || se.Reason != tt.reason {
				t.Errorf("broker: %v, want invalid broker_ca_file %q: %s", err, tt.path, tt.reason)
			}
			var ve *openaev.ValidationError
			if !errors.As(perr, &ve) || ve.Field != "ca_file" || ve.Value != tt.path || ve.Reason != tt.reason {
				t.Errorf("platform: %v, want invalid ca_file %q: %s", perr, tt.path, tt.reason)
			}
		})
	}
}
