package serve

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
)

// Defaults and bounds of the daemon's settings, for the configuration
// layer to show and check (see the Validate functions).
const (
	// DefaultAuthFailures is how many authorization failures in a row
	// stop the consumption (setting auth_failures).
	DefaultAuthFailures = 3
	// MaxAuthFailures bounds auth_failures.
	MaxAuthFailures = 1000
	// DefaultMaxMessageSize is the largest platform message handled
	// (setting max_message_size): 16 MiB, RabbitMQ's own default limit.
	DefaultMaxMessageSize = 16 << 20
	// MinMaxMessageSize and MaxMaxMessageSize bound max_message_size
	// (512 MiB is the most RabbitMQ accepts).
	MinMaxMessageSize = 1 << 10
	MaxMaxMessageSize = 512 << 20
)

// SettingError reports a setting whose value is refused, naming both: its
// message reads `invalid <setting> "<value>": <reason>`, the form of every
// configuration error of injectkit (a caller maps it to exit code 2).
type SettingError struct {
	Setting string
	Value   string
	Reason  string
	// Err is the underlying error, when there is one (an unreadable file).
	Err error
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Setting, e.Value, e.Reason)
}

// Unwrap returns the underlying error, if any.
func (e *SettingError) Unwrap() error { return e.Err }

// ValidateAuthFailures checks the auth_failures setting: 1 to
// MaxAuthFailures.
func ValidateAuthFailures(n int) error {
	if n < 1 || n > MaxAuthFailures {
		return &SettingError{Setting: "auth_failures", Value: strconv.Itoa(n),
			Reason: fmt.Sprintf("must be between 1 and %d", MaxAuthFailures)}
	}
	return nil
}

// ValidateMaxMessageSize checks the max_message_size setting, in bytes:
// MinMaxMessageSize (1 KiB) to MaxMaxMessageSize (512 MiB).
func ValidateMaxMessageSize(n int64) error {
	if n < MinMaxMessageSize || n > MaxMaxMessageSize {
		return &SettingError{Setting: "max_message_size", Value: strconv.FormatInt(n, 10),
			Reason: fmt.Sprintf("must be between %d (1 KiB) and %d (512 MiB) bytes", MinMaxMessageSize, MaxMaxMessageSize)}
	}
	return nil
}

// BrokerTLS are the TLS settings of the broker connection, used when the
// platform's registration says use_ssl: broker_ca_file, broker_cert_file,
// broker_key_file and broker_insecure.
type BrokerTLS struct {
	// CAFile names a PEM file whose certificates are trusted in addition
	// to the system roots (a private CA).
	CAFile string
	// CAPEM, when not nil, is the content of CAFile, already read (a pipe
	// can be read once only): Config does not open CAFile then, which
	// names the file in errors.
	CAPEM []byte
	// CertFile and KeyFile name the PEM client certificate and its key,
	// for a broker that asks for one; both or neither.
	CertFile, KeyFile string
	// CertPEM and KeyPEM, when not nil, are the contents of CertFile and
	// KeyFile, already read, as CAPEM is CAFile's.
	CertPEM, KeyPEM []byte
	// Insecure turns the verification of the broker's certificate off;
	// the daemon logs a WARN line when it starts with it.
	Insecure bool
}

// Config returns the tls.Config of s: TLS 1.2 at least, the CA file's
// certificates added to the system roots, the client certificate, and
// verification off when Insecure. The server name is the broker host of
// the registration. A file that cannot be read or parsed is a
// *SettingError naming its setting.
func (s BrokerTLS) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.Insecure} //nolint:gosec // asked for, and logged at start
	if s.CAFile != "" {
		// One reading, one check, one wording, as ca_file's.
		pool, err := httpx.CAPool(s.CAFile, s.CAPEM)
		if err != nil {
			return nil, fileError("broker_ca_file", s.CAFile, err)
		}
		cfg.RootCAs = pool
	}
	switch {
	case s.CertFile != "" && s.KeyFile != "":
		cert, err := s.keyPair()
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	case s.CertFile != "":
		// Named by the setting given, so that the error says where it was.
		return nil, &SettingError{Setting: "broker_cert_file", Value: s.CertFile, Reason: "needs broker_key_file, its private key"}
	case s.KeyFile != "":
		return nil, &SettingError{Setting: "broker_key_file", Value: s.KeyFile, Reason: "needs broker_cert_file, its certificate"}
	}
	return cfg, nil
}

// keyPair loads the client certificate and its key. An error names the
// setting whose file is at fault, and its path, never the key's bytes:
// broker_cert_file when it holds no certificate it can read,
// broker_key_file when it holds no private key it can read (a token, a
// certificate) or one that does not match the certificate.
func (s BrokerTLS) keyPair() (tls.Certificate, error) {
	certPEM, keyPEM := s.CertPEM, s.KeyPEM
	var err error
	if certPEM == nil {
		if certPEM, err = readPEMFile("broker_cert_file", s.CertFile); err != nil {
			return tls.Certificate{}, err
		}
	}
	if keyPEM == nil {
		if keyPEM, err = readPEMFile("broker_key_file", s.KeyFile); err != nil {
			return tls.Certificate{}, err
		}
	}
	certBad := func(reason string) error {
		return &SettingError{Setting: "broker_cert_file", Value: s.CertFile, Reason: reason}
	}
	keyBad := func(reason string) error {
		return &SettingError{Setting: "broker_key_file", Value: s.KeyFile, Reason: reason}
	}
	switch {
	case !hasPEM(certPEM, func(t string) bool { return t == "CERTIFICATE" }):
		return tls.Certificate{}, certBad("holds no PEM certificate")
	case !hasPEM(keyPEM, func(t string) bool { return strings.HasSuffix(t, "PRIVATE KEY") }):
		return tls.Certificate{}, keyBad("holds no PEM private key")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	switch {
	case err == nil:
		return cert, nil
	case strings.Contains(err.Error(), "match"):
		return tls.Certificate{}, keyBad("not the private key of broker_cert_file's certificate")
	case strings.Contains(err.Error(), "private key"), strings.Contains(err.Error(), "key input"):
		return tls.Certificate{}, keyBad("holds no private key it can read (PKCS #1, PKCS #8 or EC, unencrypted)")
	}
	return tls.Certificate{}, certBad("not a certificate it can read: " + err.Error())
}

// hasPEM reports whether data holds a PEM block whose type is wanted.
func hasPEM(data []byte, wanted func(typ string) bool) bool {
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return false
		}
		if wanted(b.Type) {
			return true
		}
	}
}

// maxPEMFile bounds what a certificate or key file may hold, as the CLI
// bounds a CA file: a path to a device or a huge file by mistake is
// refused once one byte past it is read.
const maxPEMFile = 4 << 20

// readPEMFile reads the file of setting at path, up to maxPEMFile bytes.
func readPEMFile(setting, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(setting, path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	switch {
	case err != nil:
		return nil, fileError(setting, path, err)
	case len(b) > maxPEMFile:
		return nil, &SettingError{Setting: setting, Value: path, Reason: fmt.Sprintf("larger than %d bytes (4 MiB), the most it may hold", maxPEMFile)}
	}
	return b, nil
}

// fileError is the *SettingError of a file setting whose file cannot be
// read, or, a CA file's, holds no certificate: the one text of
// httpx.FileCause, without the path ("no such file or directory", "is a
// directory", "no PEM certificate found"), as every other file setting
// says it, the cause kept in the chain.
func fileError(setting, path string, err error) error {
	cause := httpx.FileCause(err)
	return &SettingError{Setting: setting, Value: path, Reason: cause.Error(), Err: cause}
}

// given reports whether a broker TLS setting is given.
func (s BrokerTLS) given() bool {
	return s.CAFile != "" || s.CAPEM != nil || s.CertFile != "" || s.KeyFile != "" || s.CertPEM != nil ||
		s.KeyPEM != nil || s.Insecure
}

// errTooLarge is the cause of a message rejected for its size.
var errTooLarge = errors.New("message too large")

// tooLarge is the permanent error of a message larger than limit, about
// key (its inject id, "" when unknown).
func tooLarge(size, limit int64, key string) error {
	about := ""
	if key != "" {
		about = " (inject " + key + ")"
	}
	return Permanent(fmt.Errorf("%w%s: %d bytes, more than the max message size of %d bytes (max_message_size); "+
		"not decoded", errTooLarge, about, size, limit))
}

// Options are the daemon settings a configuration layer exposes beside
// Daemon's basic fields: auth_failures, max_message_size and the broker_*
// TLS settings. DefaultOptions gives their defaults, Validate checks them,
// Apply sets them on a Daemon.
type Options struct {
	AuthFailures   int
	MaxMessageSize int64
	BrokerTLS      BrokerTLS
}

// DefaultOptions returns the defaults: DefaultAuthFailures,
// DefaultMaxMessageSize, no broker TLS setting.
func DefaultOptions() Options {
	return Options{AuthFailures: DefaultAuthFailures, MaxMessageSize: DefaultMaxMessageSize}
}

// Validate checks every option; the first error is a *SettingError naming
// the setting and its value.
func (o Options) Validate() error {
	_, err := o.validate()
	return err
}

// validate is Validate, and the broker's tls.Config it built: each file
// of BrokerTLS is read once (a pipe gives its content once only).
func (o Options) validate() (*tls.Config, error) {
	if err := ValidateAuthFailures(o.AuthFailures); err != nil {
		return nil, err
	}
	if err := ValidateMaxMessageSize(o.MaxMessageSize); err != nil {
		return nil, err
	}
	return o.BrokerTLS.Config()
}

// Apply validates the options and sets them on d: AuthFailures,
// MaxMessageSize and, when a broker TLS setting is given, TLSConfig (from
// BrokerTLS; without one the daemon's default applies, and no warning
// says the settings are unused when the registration says use_ssl false).
func (o Options) Apply(d *Daemon) error {
	cfg, err := o.validate()
	if err != nil {
		return err
	}
	d.AuthFailures, d.MaxMessageSize = o.AuthFailures, o.MaxMessageSize
	if o.BrokerTLS.given() {
		d.TLSConfig = cfg
	}
	return nil
}
