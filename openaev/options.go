package openaev

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
)

// ServeOptions are the openaev settings of `injectkit serve` a
// configuration layer exposes: injectors, max_payload_size, ca_file and
// insecure. DefaultServeOptions gives their defaults, Validate checks
// them.
type ServeOptions struct {
	// Injectors are the injectors to register and consume for (see
	// SelectInjectors; ParseInjectors reads "nmap,query"); none: every
	// registered one but noop.
	Injectors []string
	// MaxPayloadSize bounds every callback body (ValidateMaxPayloadSize).
	MaxPayloadSize int64
	// CAFile and Insecure are the TLS settings of the platform's HTTPS
	// (NewHTTPClient).
	CAFile   string
	Insecure bool
	// URL is the platform's base URL: Insecure has no effect on a plain
	// http:// one (logged at INFO instead of the warning).
	URL string
	// CAPEM, when not nil, is the content of CAFile, already read (a pipe
	// can be read once only): CAFile is not opened then, and names the
	// file in errors.
	CAPEM []byte
}

// DefaultServeOptions returns the defaults: every injector but noop,
// DefaultMaxPayloadSize, the system roots.
func DefaultServeOptions() ServeOptions {
	return ServeOptions{MaxPayloadSize: DefaultMaxPayloadSize}
}

// Validate checks the options against the registered injectors'
// manifests; the error is a *ValidationError naming the setting.
func (o ServeOptions) Validate(manifests []framework.Manifest) error {
	if _, err := SelectInjectors(manifests, o.Injectors); err != nil {
		return err
	}
	return ValidateMaxPayloadSize(o.MaxPayloadSize)
}

// Manifests returns the manifests of the injectors to serve.
func (o ServeOptions) Manifests(manifests []framework.Manifest) ([]framework.Manifest, error) {
	return SelectInjectors(manifests, o.Injectors)
}

// ProfileOptions returns the options of the Profile.
func (o ServeOptions) ProfileOptions() []ProfileOption {
	return []ProfileOption{WithMaxPayloadSize(o.MaxPayloadSize)}
}

// HTTPClient returns the platform client's HTTP client (NewHTTPClient).
func (o ServeOptions) HTTPClient(log *zap.Logger) (*http.Client, error) {
	return newHTTPClient(httpx.TLS{CAFile: o.CAFile, CAPEM: o.CAPEM, Insecure: o.Insecure, URL: o.URL}, log)
}
