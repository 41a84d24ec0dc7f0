package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// Defaults of a Client.
const (
	DefaultAttempts      = 4                // 1 try and 3 retries
	DefaultInitialDelay  = time.Second      // waits of 1 s, 2 s, 4 s
	DefaultMaxRetryAfter = 30 * time.Second // cap on a Retry-After header
	DefaultTimeout       = 30 * time.Second // per request
	defaultVersion       = "dev"
)

// Client posts callback bodies to one backend. It is safe for concurrent
// use.
type Client struct {
	base          string // without trailing slash
	token         string
	log           *zap.Logger
	hc            *http.Client
	maxPayload    int
	attempts      int
	delay         time.Duration
	maxRetryAfter time.Duration
	timeout       time.Duration
	userAgent     string
	header        func(chunkIndex int, body []byte) http.Header
}

type settings struct {
	Client
	caFile   string
	insecure bool
}

// Option configures a Client.
type Option func(*settings)

// WithToken sets the bearer token. Without one, no Authorization header is
// sent. The token is never logged.
func WithToken(token string) Option { return func(s *settings) { s.token = token } }

// WithLogger sets the logger (default: none).
func WithLogger(l *zap.Logger) Option { return func(s *settings) { s.log = l } }

// WithMaxPayloadSize sets the largest body in bytes (default 1 MiB).
func WithMaxPayloadSize(n int) Option { return func(s *settings) { s.maxPayload = n } }

// WithRetry sets the number of attempts in all (at least 1; default 4) and
// the first wait, doubled after each retry (default 1 s).
func WithRetry(attempts int, initialDelay time.Duration) Option {
	return func(s *settings) { s.attempts, s.delay = attempts, initialDelay }
}

// WithMaxRetryAfter caps the wait a Retry-After header on a 429 or 503 can
// ask for (default 30 s).
func WithMaxRetryAfter(d time.Duration) Option { return func(s *settings) { s.maxRetryAfter = d } }

// WithTimeout sets the timeout of each request (default 30 s).
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithCAFile adds the PEM certificates of a file to the system roots the
// client trusts.
func WithCAFile(path string) Option { return func(s *settings) { s.caFile = path } }

// WithInsecure turns TLS certificate verification off when true. New logs a
// warning when it does.
func WithInsecure(insecure bool) Option { return func(s *settings) { s.insecure = insecure } }

// WithHTTPClient sets the HTTP client, replacing the one New builds; it
// cannot be combined with WithCAFile or WithInsecure. The per-request
// timeout still applies.
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.hc = hc } }

// WithUserAgent sets the version in the User-Agent header
// "injectkit/<version>" (default "dev").
func WithUserAgent(version string) Option {
	return func(s *settings) { s.userAgent = "injectkit/" + version }
}

// WithHeader sets a hook called before each request with the index and the
// bytes of the body posted; the headers it returns are added to the request
// and replace the default of the same name (the Idempotency-Key). It cannot
// replace Authorization, Content-Type or User-Agent.
func WithHeader(h func(chunkIndex int, body []byte) http.Header) Option {
	return func(s *settings) { s.header = h }
}

// New returns a Client posting to baseURL, an http or https URL with an
// optional path prefix. Invalid options are a *ValidationError.
func New(baseURL string, opts ...Option) (*Client, error) {
	s := settings{Client: Client{
		log:           zap.NewNop(),
		maxPayload:    DefaultMaxPayloadSize,
		attempts:      DefaultAttempts,
		delay:         DefaultInitialDelay,
		maxRetryAfter: DefaultMaxRetryAfter,
		timeout:       DefaultTimeout,
		userAgent:     "injectkit/" + defaultVersion,
	}}
	for _, o := range opts {
		o(&s)
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	base, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	s.base = base
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.hc == nil {
		if s.hc, err = s.httpClient(); err != nil {
			return nil, err
		}
	}
	c := s.Client
	return &c, nil
}

func parseBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", &ValidationError{Field: "base_url", Value: raw, Reason: "not a URL"}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", &ValidationError{Field: "base_url", Value: u.Redacted(), Reason: "scheme must be http or https"}
	case u.Host == "":
		return "", &ValidationError{Field: "base_url", Value: u.Redacted(), Reason: "no host"}
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", &ValidationError{Field: "base_url", Value: u.Redacted(), Reason: "must not have a query or fragment"}
	}
	return strings.TrimRight(raw, "/"), nil
}

func (s *settings) check() error {
	bad := func(field string, v any, reason string) error {
		return &ValidationError{Field: field, Value: fmt.Sprint(v), Reason: reason}
	}
	switch {
	case s.maxPayload <= 0:
		return bad("max_payload_size", s.maxPayload, "must be positive")
	case s.attempts < 1:
		return bad("retry_attempts", s.attempts, "at least 1 attempt is required")
	case s.delay < 0:
		return bad("retry_delay", s.delay, "must not be negative")
	case s.maxRetryAfter < 0:
		return bad("max_retry_after", s.maxRetryAfter, "must not be negative")
	case s.timeout <= 0:
		return bad("timeout", s.timeout, "must be positive")
	case s.hc != nil && (s.caFile != "" || s.insecure):
		return bad("http_client", "custom", "cannot be combined with a CA file or insecure mode")
	case s.token != "" && strings.ContainsAny(s.token, "\r\n"):
		return &ValidationError{Field: "token", Reason: "holds a line break"}
	}
	if _, err := NewChunker("check", s.maxPayload); err != nil {
		return err
	}
	return nil
}

// httpClient builds the default client: proxy from the environment, TLS
// verification on, the CA file added to the system roots, redirects not
// followed.
func (s *settings) httpClient() (*http.Client, error) {
	tr := &http.Transport{ForceAttemptHTTP2: true, MaxIdleConns: 10, IdleConnTimeout: 90 * time.Second}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	}
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if s.caFile != "" {
		pem, err := os.ReadFile(s.caFile)
		if err != nil {
			return nil, fmt.Errorf("read ca file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &ValidationError{Field: "ca_file", Value: s.caFile, Reason: "no PEM certificate found"}
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if s.insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true
		s.log.Warn("tls certificate verification disabled", zap.String("base_url", redactedURL(s.base)))
	}
	// A redirected POST would turn into a GET whose success means nothing:
	// a 3xx is reported as it is.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}, nil
}

func redactedURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return ""
}

// Result describes a completed Send.
type Result struct {
	Chunks   int // bodies delivered
	Bytes    int // bytes of the bodies delivered
	Attempts int // requests made, retries included
}

// Bodies returns the bodies Send would post for p (see the package-level
// Bodies), with the client's maximum payload size.
func (c *Client) Bodies(injectID, phase string, p signatures.Payload) ([][]byte, error) {
	return Bodies(injectID, phase, p, c.maxPayload)
}

// Send validates, normalises and chunks p, then posts each body in order
// with PostBody. Invalid input is a *ValidationError and a target too large
// for one body a *TargetTooLargeError, both before any request. A failed
// body stops the send: the error is a *TransmissionError listing in
// Delivered the chunks already accepted, or, when the context ends, the
// context's error (wrapped in a *TransmissionError if chunks had been
// delivered, so that errors.Is still matches it).
func (c *Client) Send(ctx context.Context, injectID, phase string, p signatures.Payload) (Result, error) {
	enc, err := c.Encode(injectID, phase, len(p.Targets), slices.All(p.Targets))
	if err != nil {
		return Result{}, err
	}
	return c.SendEncoded(ctx, enc)
}

func failedChunk(err error, i, total int, delivered []int) error {
	te, ok := err.(*TransmissionError)
	switch {
	case ok:
		te.Chunk, te.Total, te.Delivered = i, total, delivered
		return te
	case len(delivered) > 0:
		return &TransmissionError{Err: err, Chunk: i, Total: total, Delivered: delivered, kind: failOther}
	}
	return err
}

// BaseURL returns the base URL the client posts to, without any user
// information it was given with.
func (c *Client) BaseURL() string {
	u, err := url.Parse(c.base)
	if err != nil || u.User == nil {
		return c.base
	}
	u.User = nil
	return u.String()
}

// CallbackPath returns the path, escaped, that the callback of an inject is
// posted to under a base URL.
func CallbackPath(injectID string) string {
	return "/api/injects/" + url.PathEscape(injectID) + "/callback"
}

// callbackURL returns the endpoint for an inject id.
func (c *Client) callbackURL(injectID string) string {
	return c.base + CallbackPath(injectID)
}

func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}
