package transport

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
)

// Defaults of a Client.
const (
	DefaultAttempts      = httpx.DefaultAttempts      // 1 try and 3 retries
	DefaultInitialDelay  = httpx.DefaultDelay         // waits of 1 s, 2 s, 4 s
	DefaultMaxRetryAfter = httpx.DefaultMaxRetryAfter // cap on a Retry-After header
	DefaultTimeout       = httpx.DefaultTimeout       // per request
	defaultVersion       = "dev"
)

// Client posts callback bodies to one backend. It is safe for concurrent
// use.
type Client struct {
	base       string // without trailing slash
	token      string
	log        *zap.Logger
	maxPayload int
	userAgent  string
	header     func(chunkIndex int, body []byte) http.Header // tests only
	poster     httpx.Poster
}

// settings are what the options set, checked by New.
type settings struct {
	Client
	hc            *http.Client
	attempts      int
	delay         time.Duration
	maxRetryAfter time.Duration
	timeout       time.Duration
	caFile        string
	caPEM         []byte
	insecure      bool
}

// Option configures a Client.
type Option func(*settings)

// WithToken sets the bearer token. Without one, no Authorization header is
// sent. The token is never logged nor kept in an error.
func WithToken(token string) Option { return func(s *settings) { s.token = token } }

// WithLogger sets the logger (default: none). It receives one WARN line per
// retry and the TLS warning of WithInsecure.
func WithLogger(l *zap.Logger) Option { return func(s *settings) { s.log = l } }

// WithMaxPayloadSize sets the largest body in bytes (default 1 MiB).
func WithMaxPayloadSize(n int) Option { return func(s *settings) { s.maxPayload = n } }

// WithRetry sets the number of attempts in all (at least 1; default 4) and
// the first wait, doubled after each retry (default 1 s).
func WithRetry(attempts int, initialDelay time.Duration) Option {
	return func(s *settings) { s.attempts, s.delay = attempts, initialDelay }
}

// WithCA adds the PEM certificates pem, the content of the file path
// already read (a pipe can be read once only), to the system roots the
// client trusts; path names the file in errors and is not opened.
func WithCA(path string, pem []byte) Option {
	return func(s *settings) { s.caFile, s.caPEM = path, pem }
}

// WithInsecure turns TLS certificate verification off when true. New logs a
// warning when it does.
func WithInsecure(insecure bool) Option { return func(s *settings) { s.insecure = insecure } }

// New returns a Client posting to baseURL, an http or https URL with an
// optional path prefix, parsed whole: a host, an IPv6 literal that is an
// address, a port (when written) from 1 to 65535. Invalid options are a
// *ValidationError, among them a size limit too small for a body holding
// one minimal target. A CA file (WithCA) that cannot be read
// or holds no PEM certificate is a *ValidationError on field ca_file whose
// chain holds the read's error (errors.Is fs.ErrNotExist for a missing
// file).
func New(baseURL string, opts ...Option) (*Client, error) {
	s := settings{Client: Client{
		log:        zap.NewNop(),
		maxPayload: DefaultMaxPayloadSize,
		userAgent:  "injectkit/" + defaultVersion,
	}, attempts: DefaultAttempts, delay: DefaultInitialDelay, maxRetryAfter: DefaultMaxRetryAfter, timeout: DefaultTimeout}
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
	hc := s.hc
	if hc == nil {
		hc, err = httpx.NewClient(httpx.TLS{CAFile: s.caFile, CAPEM: s.caPEM, Insecure: s.insecure, Hint: httpx.CAFileHint, URL: s.base},
			s.log.With(zap.String("base_url", httpx.StripCredentials(s.base))))
		if err != nil {
			return nil, &ValidationError{Field: "ca_file", Value: s.caFile, Reason: httpx.FileCause(err).Error(), Err: err}
		}
	}
	c := s.Client
	c.poster = httpx.Poster{Client: hc, Attempts: s.attempts, Backoff: httpx.Exponential(s.delay, 0),
		MaxRetryAfter: s.maxRetryAfter, Timeout: s.timeout, Log: s.log}
	if s.token != "" {
		c.poster.Secrets = []string{s.token}
	}
	// The base URL's credentials travel as a Basic Authorization header,
	// which a backend may echo.
	c.poster.Secrets = append(c.poster.Secrets, httpx.URLSecrets(s.base)...)
	return &c, nil
}

// parseBase checks a base URL (httpx.ParseBaseURL) and returns it
// without its trailing slashes.
func parseBase(raw string) (string, error) {
	if _, err := httpx.ParseBaseURL(raw); err != nil {
		return "", &ValidationError{Field: "base_url", Value: httpx.StripCredentials(raw), Reason: err.Error()}
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
	case s.hc != nil && (s.caFile != "" || s.caPEM != nil || s.insecure):
		return bad("http_client", "custom", "cannot be combined with a CA file or insecure mode")
	case httpx.TokenProblem(s.token) != "":
		return &ValidationError{Field: "token", Reason: httpx.TokenProblem(s.token)}
	}
	c, err := NewChunker("check", s.maxPayload)
	if err != nil {
		return err
	}
	return c.checkRoom()
}

// Result describes a completed SendEncoded.
type Result struct {
	Chunks   int // bodies delivered
	Bytes    int // bytes of the bodies delivered
	Attempts int // requests made, retries included
}

// BaseURL returns the base URL the client posts to, without any user
// information it was given with.
func (c *Client) BaseURL() string { return httpx.StripCredentials(c.base) }

// Logger returns the client's logger (WithLogger): a deliverer built on
// the client logs what it does with a delivery there.
func (c *Client) Logger() *zap.Logger { return c.log }

// CallbackPath returns the path, escaped, that the callback of an inject is
// posted to under a base URL.
func CallbackPath(injectID string) string {
	return "/api/injects/" + url.PathEscape(injectID) + "/callback"
}

// callbackURL returns the endpoint for an inject id.
func (c *Client) callbackURL(injectID string) string {
	return c.base + CallbackPath(injectID)
}
