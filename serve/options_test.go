package serve_test

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

func TestValidateSettings(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantErr string // "" for none
	}{
		{"auth failures default", serve.ValidateAuthFailures(serve.DefaultAuthFailures), ""},
		{"auth failures zero", serve.ValidateAuthFailures(0), `invalid auth_failures "0": must be between 1 and 1000`},
		{"auth failures negative", serve.ValidateAuthFailures(-3), `invalid auth_failures "-3"`},
		{"message size default", serve.ValidateMaxMessageSize(serve.DefaultMaxMessageSize), ""},
		{"message size minimum", serve.ValidateMaxMessageSize(1024), ""},
		{"message size too small", serve.ValidateMaxMessageSize(1023), `invalid max_message_size "1023"`},
		{"message size negative", serve.ValidateMaxMessageSize(-5), `invalid max_message_size "-5"`},
		{"message size too large", serve.ValidateMaxMessageSize(512<<20 + 1), `invalid max_message_size "536870913"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantErr == "" {
				if tt.err != nil {
					t.Fatal(tt.err)
				}
				return
			}
			var se *serve.SettingError
			if !errors.As(tt.err, &se) || !strings.Contains(tt.err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want a SettingError containing %q", tt.err, tt.wantErr)
			}
		})
	}
}

func TestBrokerTLSConfig(t *testing.T) {
	ca := servetest.NewCA(t)
	client := ca.Client(t, "client")
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := ca.Client(t, "other")
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("S3cr3tTokenValue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		in          serve.BrokerTLS
		wantSetting string // the setting the error names; "" for none
	}{
		{"none", serve.BrokerTLS{}, ""},
		{"private CA and client certificate", serve.BrokerTLS{CAFile: ca.File, CertFile: client.CertFile, KeyFile: client.KeyFile}, ""},
		{"insecure", serve.BrokerTLS{Insecure: true}, ""},
		{"missing CA file", serve.BrokerTLS{CAFile: "/nonexistent/ca.pem"}, "broker_ca_file"},
		{"CA file without a certificate", serve.BrokerTLS{CAFile: empty}, "broker_ca_file"},
		{"certificate without key", serve.BrokerTLS{CertFile: client.CertFile}, "broker_cert_file"}, // named by the setting given
		{"key without certificate", serve.BrokerTLS{KeyFile: client.KeyFile}, "broker_key_file"},
		// The file at fault is named: a key file holding a certificate, a
		// token or another certificate's key, a certificate file holding
		// a key.
		{"key that is a certificate", serve.BrokerTLS{CertFile: client.CertFile, KeyFile: ca.File}, "broker_key_file"},
		{"key that is a token", serve.BrokerTLS{CertFile: client.CertFile, KeyFile: token}, "broker_key_file"},
		{"key of another certificate", serve.BrokerTLS{CertFile: client.CertFile, KeyFile: other.KeyFile}, "broker_key_file"},
		{"certificate that is a key", serve.BrokerTLS{CertFile: client.KeyFile, KeyFile: client.KeyFile}, "broker_cert_file"},
		{"certificate that is a token", serve.BrokerTLS{CertFile: token, KeyFile: client.KeyFile}, "broker_cert_file"},
		{"missing key file", serve.BrokerTLS{CertFile: client.CertFile, KeyFile: "/nonexistent/key.pem"}, "broker_key_file"},
		// A file with no end is refused at its bound, not read whole.
		{"key file with no end", serve.BrokerTLS{CertFile: client.CertFile, KeyFile: "/dev/zero"}, "broker_key_file"},
		{"certificate file with no end", serve.BrokerTLS{CertFile: "/dev/zero", KeyFile: client.KeyFile}, "broker_cert_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.in.Config()
			if tt.wantSetting != "" {
				var se *serve.SettingError
				if !errors.As(err, &se) || se.Setting != tt.wantSetting {
					t.Fatalf("err = %v, want a SettingError on %s", err, tt.wantSetting)
				}
				if want := map[string]string{"broker_cert_file": tt.in.CertFile, "broker_key_file": tt.in.KeyFile, "broker_ca_file": tt.in.CAFile}[se.Setting]; se.Value != want {
					t.Errorf("err = %v, want the path of %s, %q", err, se.Setting, want)
				}
				if strings.Contains(err.Error(), "S3cr3t") || strings.Contains(err.Error(), "PRIVATE") {
					t.Errorf("err = %v shows a file's content", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MinVersion != tls.VersionTLS12 || cfg.InsecureSkipVerify != tt.in.Insecure ||
				(tt.in.CertFile != "") != (len(cfg.Certificates) == 1) || (tt.in.CAFile != "") != (cfg.RootCAs != nil) {
				t.Errorf("config %+v", cfg)
			}
		})
	}
}

func TestOptionsApply(t *testing.T) {
	ca := servetest.NewCA(t)
	tests := []struct {
		name        string
		edit        func(o *serve.Options)
		wantSetting string
		// wantTLS: a broker TLS setting was given, so the daemon has a
		// TLSConfig (and warns when the registration leaves it unused).
		wantTLS bool
	}{
		{"defaults", func(*serve.Options) {}, "", false},
		{"private CA", func(o *serve.Options) { o.BrokerTLS.CAFile = ca.File }, "", true},
		{"insecure", func(o *serve.Options) { o.BrokerTLS.Insecure = true }, "", true},
		{"auth failures 0", func(o *serve.Options) { o.AuthFailures = 0 }, "auth_failures", false},
		{"message size -5", func(o *serve.Options) { o.MaxMessageSize = -5 }, "max_message_size", false},
		{"CA file missing", func(o *serve.Options) { o.BrokerTLS.CAFile = "/nonexistent" }, "broker_ca_file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := serve.DefaultOptions()
			tt.edit(&o)
			var d serve.Daemon
			err := o.Apply(&d)
			if tt.wantSetting != "" {
				var se *serve.SettingError
				if !errors.As(err, &se) || se.Setting != tt.wantSetting {
					t.Fatalf("err = %v, want a SettingError on %s", err, tt.wantSetting)
				}
				return
			}
			if err != nil || d.AuthFailures != o.AuthFailures || d.MaxMessageSize != o.MaxMessageSize || (d.TLSConfig != nil) != tt.wantTLS {
				t.Errorf("Apply = %v, daemon %d %d %v", err, d.AuthFailures, d.MaxMessageSize, d.TLSConfig)
			}
		})
	}
}

// Apply reads the broker's client certificate and key once each: a pipe
// (--broker-cert-file <(cat client.pem)) gives its content once only.
func TestOptionsApplyReadsClientCertificateOnce(t *testing.T) {
	client := servetest.NewCA(t).Client(t, "client")
	o := serve.DefaultOptions()
	o.BrokerTLS.CertFile, o.BrokerTLS.KeyFile = testkit.OneShotFile(t, client.CertPEM), testkit.OneShotFile(t, client.KeyPEM)
	var d serve.Daemon
	if err := o.Apply(&d); err != nil {
		t.Fatalf("Apply over pipes: %v", err)
	}
	if d.TLSConfig == nil || len(d.TLSConfig.Certificates) != 1 {
		t.Errorf("TLS config %v, want the client certificate", d.TLSConfig)
	}
}
