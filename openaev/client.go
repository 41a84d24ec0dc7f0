package openaev

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// Defaults of a Client: those of every injectkit HTTP client.
const (
	DefaultAttempts     = httpx.DefaultAttempts // 1 try and 3 retries
	DefaultInitialDelay = httpx.DefaultDelay    // waits of 1 s, 2 s, 4 s
	DefaultTimeout      = httpx.DefaultTimeout  // per request
	// DefaultInjectorType is the injector_type registered when Config
	// names none.
	DefaultInjectorType = "injectkit"
)

// Config names the platform and the injector registered on it.
type Config struct {
	// URL is the platform's base URL (http or https, optional path prefix).
	URL string
	// Token is the platform API token, sent as a bearer token. It is never
	// logged nor written into an error.
	Token string
	// Tenant, when set, prefixes every API path with /api/tenants/{tenant}.
	Tenant string
	// InjectorID is the injector's UUID (its queue on the platform).
	InjectorID string
	// InjectorName is shown by the platform (default "injectkit").
	InjectorName string
	// InjectorType is the injector_type (default DefaultInjectorType).
	InjectorType string
	// Icon is a PNG image sent with the registration when asked for; when
	// set, it must pass CheckIcon.
	Icon []byte
}

// Client speaks to one OpenAEV platform: registration, inject reception,
// traces, terminal callbacks and asset-group paging. It is safe for
// concurrent use.
type Client struct {
	cfg       Config
	base      string // without trailing slash, with /api[/tenants/{t}]
	root      string // without trailing slash, with /api (no tenant)
	apiPath   string // base's path, printed by a dry run
	hc        *http.Client
	log       *zap.Logger
	attempts  int
	delay     time.Duration
	timeout   time.Duration
	userAgent string

	dryMu sync.Mutex
	dry   io.Writer // when set, requests are printed, not sent
	echo  io.Writer // when set, each POST is printed as it is sent (WithEcho)
	// secrets are redacted with the token (WithSecrets).
	secrets []string

	// The platform version (see Version), read once under verMu.
	verMu    sync.Mutex
	ver      PlatformVersion
	verGiven bool // set by WithPlatformVersion
	verKnown bool

	down *unreachable // WithUnreachableOnce's state, nil without it

	// The sort fields the platform refused (paging.go), under sortMu.
	sortMu       sync.Mutex
	refusedSorts map[string]bool
}

// Option configures a Client.
type Option func(*Client)

// WithLogger sets the logger (default: none).
func WithLogger(l *zap.Logger) Option { return func(c *Client) { c.log = l } }

// WithHTTPClient sets the HTTP client (default: a client with the proxy
// from the environment and TLS 1.2 at least). The per-request timeout still
// applies.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRetry sets the number of attempts in all (at least 1; default 4) and
// the first wait, doubled after each retry (default 1 s).
func WithRetry(attempts int, initial time.Duration) Option {
	return func(c *Client) { c.attempts, c.delay = attempts, initial }
}

// WithTimeout sets the timeout of each request (default 30 s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithDryRun makes the client print each request it would send to w, one
// JSON document a line ({"method","path","body"}), instead of sending it.
// Config.URL may then be empty. Registration and asset-group paging, which
// need an answer, fail with ErrDryRun.
func WithDryRun(w io.Writer) Option { return func(c *Client) { c.dry = w } }

// WithEcho makes the client print each POST it sends to w as WithDryRun
// prints it, one JSON document a line, just before sending it (once, not
// once a retry): a run with a backend shows the requests of its inject.
// A "complete" is printed as it was built: the findings a rerun or a retry
// leaves out (those the platform already stores) are left out after it.
// A write that fails is logged, and the request sent all the same.
func WithEcho(w io.Writer) Option { return func(c *Client) { c.echo = w } }

// sentAs names, for the log, what became of a request the client was
// given: "delivered", or, in a dry run, "printed", or, printed nowhere
// (the run shows a summary instead), built and checked only.
func (c *Client) sentAs() string {
	switch {
	case c.dry == nil:
		return "delivered"
	case c.dry == io.Discard:
		return "not sent (no backend URL): built and checked"
	}
	return "printed"
}

// NewClient checks cfg and returns a Client. A bad value is a
// *ValidationError naming the field; the token never appears in it.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	c := &Client{
		cfg:       cfg,
		log:       zap.NewNop(),
		attempts:  DefaultAttempts,
		delay:     DefaultInitialDelay,
		timeout:   DefaultTimeout,
		userAgent: "injectkit/dev",
	}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	if c.cfg.InjectorName == "" {
		c.cfg.InjectorName = "injectkit"
	}
	if c.cfg.InjectorType == "" {
		c.cfg.InjectorType = DefaultInjectorType
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	return c, nil
}

// blankName is why a blank injector name or type is refused.
const blankName = "must not be blank: the platform's registration refuses one of white space or control characters only"

// javaBlank reports a string the platform's @NotBlank refuses: nothing
// left once Java's trim() strips every char up to U+0020 (control chars
// included; U+00A0 is text to it).
func javaBlank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }) == ""
}

// controlName is why a name or type with a control character inside is
// refused before registration: a newline or escape in a name shown in the
// platform's lists, in logs and in queue names is a mistake, not a name.
const controlName = "must not hold control characters"

// MaxInjectorName is the most characters of an injector name or type the
// platform stores: its injectors table's injector_name and injector_type
// are varchar(255) (2.4.0's migration V2_79__Injectors), which nothing
// checks before the save, so that a longer one fails the registration
// (a 500 for a new injector, a 409 for an update; openaevtest's
// MaxInjectorColumn), serve retrying it without end.
const MaxInjectorName = 255

// longName is why a name or type of more than MaxInjectorName
// characters is refused.
func longName(s string) string {
	return fmt.Sprintf("is %d characters, longer than the %d the platform stores (its injectors table's varchar(%d)): "+
		"the registration would fail", utf8.RuneCountInString(s), MaxInjectorName, MaxInjectorName)
}

// hasControl reports whether s holds a control character (C0, DEL or C1,
// unicode.IsControl).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func (c *Client) check() error {
	bad := func(field string, v any, reason string) error {
		return &ValidationError{Field: field, Value: fmt.Sprint(v), Reason: reason}
	}
	if field := c.secretField(); field != "" {
		return &ValidationError{Field: field, Reason: signatures.ReasonSecret, Withheld: true}
	}
	switch {
	case c.attempts < 1:
		return bad("retry_attempts", c.attempts, "at least 1 attempt is required")
	case c.delay < 0:
		return bad("retry_delay", c.delay, "must not be negative")
	case c.timeout <= 0:
		return bad("timeout", c.timeout, "must be positive")
	case httpx.TokenProblem(c.cfg.Token) != "":
		return &ValidationError{Field: "token", Reason: httpx.TokenProblem(c.cfg.Token)}
	case c.cfg.Tenant != "" && (strings.ContainsAny(c.cfg.Tenant, "/?#%") || strings.TrimSpace(c.cfg.Tenant) != c.cfg.Tenant):
		return bad("tenant", c.cfg.Tenant, "must be a bare identifier")
	case c.cfg.Tenant == "." || c.cfg.Tenant == "..":
		// Every path carries it: a dot segment, which the platform's HTTP
		// firewall refuses (400), or would resolve to another route.
		return bad("tenant", c.cfg.Tenant, "must be a bare identifier, not a dot segment")
	case segmentRefusal(c.cfg.Tenant) != "":
		return bad("tenant", c.cfg.Tenant, "must be a bare identifier: it "+segmentRefusal(c.cfg.Tenant))
	case javaBlank(c.cfg.InjectorName):
		return bad("injector_name", c.cfg.InjectorName, blankName)
	case javaBlank(c.cfg.InjectorType):
		return bad("injector_type", c.cfg.InjectorType, blankName)
	case hasControl(c.cfg.InjectorName):
		return bad("injector_name", c.cfg.InjectorName, controlName)
	case hasControl(c.cfg.InjectorType):
		return bad("injector_type", c.cfg.InjectorType, controlName)
	case typeSegment(c.cfg.InjectorType) != "":
		return bad("injector_type", c.cfg.InjectorType, typeSegment(c.cfg.InjectorType))
	case utf8.RuneCountInString(c.cfg.InjectorName) > MaxInjectorName:
		return bad("injector_name", c.cfg.InjectorName, longName(c.cfg.InjectorName))
	case utf8.RuneCountInString(c.cfg.InjectorType) > MaxInjectorName:
		return bad("injector_type", c.cfg.InjectorType, longName(c.cfg.InjectorType))
	}
	if len(c.cfg.Icon) > 0 {
		if err := CheckIcon(c.cfg.Icon); err != nil {
			return err
		}
		if why := iconObjectName(c.cfg.InjectorType); why != "" {
			return bad("injector_type", c.cfg.InjectorType, why)
		}
	}
	if c.cfg.InjectorID != "" {
		if _, err := uuid.Parse(c.cfg.InjectorID); err != nil {
			return bad("injector_id", c.cfg.InjectorID, "not a UUID")
		}
	}
	if c.cfg.URL == "" && c.dry != nil {
		c.base = c.apiPrefix("")
		c.apiPath = c.base
		return nil
	}
	u, err := httpx.ParseBaseURL(c.cfg.URL)
	switch {
	case err != nil:
		return bad("url", httpx.StripCredentials(c.cfg.URL), err.Error())
	case u.User != nil:
		return bad("url", httpx.MaskURL(c.cfg.URL), "must not hold credentials (use the token)")
	}
	c.base = c.apiPrefix(strings.TrimRight(c.cfg.URL, "/"))
	c.root = strings.TrimRight(c.cfg.URL, "/") + "/api"
	c.apiPath = c.apiPrefix(strings.TrimRight(u.Path, "/"))
	return nil
}

// secretField names the setting of the client's that every request, or
// the registration, carries and that holds the token or one of the
// client's secrets (WithSecrets), "" when none does: the tenant in every
// path, the injector id in paths and in the registration, its name and
// type in the registration, which the platform shows its users. Sent,
// the secret would reach the platform's and its proxies' access logs.
func (c *Client) secretField() string {
	red := httpx.NewRedactor(append([]string{c.cfg.Token}, c.secrets...)...)
	for _, f := range []struct{ name, v string }{{"tenant", c.cfg.Tenant}, {"injector_id", c.cfg.InjectorID},
		{"injector_name", c.cfg.InjectorName}, {"injector_type", c.cfg.InjectorType}} {
		if f.v != "" && red.Redact(f.v) != f.v {
			return f.name
		}
	}
	return ""
}

// apiPrefix returns base + "/api" or base + "/api/tenants/{tenant}".
func (c *Client) apiPrefix(base string) string {
	if c.cfg.Tenant != "" {
		return base + "/api/tenants/" + url.PathEscape(c.cfg.Tenant)
	}
	return base + "/api"
}

// Config returns the client's configuration with its defaults filled in.
// It holds the token: do not log it.
func (c *Client) Config() Config { return c.cfg }

// ContractNamespace is the UUID namespace of every injectkit contract id:
// uuid.NewSHA1(uuid.NameSpaceURL,
// []byte("https://github.com/injectkit/injectkit/contracts")), written out.
const ContractNamespace = "2f2c53de-018e-5b2b-9a6e-86379d59b25c"

// ContractID returns the fixed contract id of a contract (an injector's
// manifest) named name: a UUID v5 of the name in ContractNamespace. It does
// not depend on the injector id, so that two deployments, or a deployment
// re-created under another injector id, register the same contract ids
// and an inject keeps its contract, as with the platform's own injectors.
func ContractID(name string) string {
	return uuid.NewSHA1(uuid.MustParse(ContractNamespace), []byte(name)).String()
}

// SameContract reports whether a and b are the same contract id: UUIDs,
// whatever the case of their letters (a message or an inject's state may
// spell one in upper case, ContractID in lower). Every comparison of
// contract ids goes through it.
func SameContract(a, b string) bool { return strings.EqualFold(a, b) }

// ContractInjector returns the one of names whose contract id
// (ContractID) is id (SameContract), "" when none is.
func ContractInjector(names []string, id string) string {
	if id == "" {
		return ""
	}
	for _, n := range names {
		if SameContract(ContractID(n), id) {
			return n
		}
	}
	return ""
}

// ContractID returns ContractID(injector); the client's injector id plays
// no part.
func (c *Client) ContractID(injector string) string { return ContractID(injector) }

// redact removes the token from s, in every form httpx.Redact knows.
func (c *Client) redact(s string) string {
	return httpx.Redact(s, append([]string{c.cfg.Token}, c.secrets...)...)
}

// WithSecrets adds values, besides the token, that nothing the client
// sends or logs may show: the secret settings of the injectors, which an
// input error may quote into an INVALID_USAGE message.
func WithSecrets(secrets ...string) Option {
	return func(c *Client) { c.secrets = append(c.secrets, secrets...) }
}

// defaultHTTPClient is the client used without WithHTTPClient: the proxy
// from the environment, TLS 1.2 at least, no redirect followed (pyoaev
// refuses redirects on POST; so does this client, rather than replay a
// body with the token to another place).
func defaultHTTPClient() *http.Client { return httpx.NewDefaultClient() }

// NewHTTPClient returns the HTTP client of a platform reached over HTTPS
// with a private CA (settings ca_file and insecure): TLS 1.2 at least,
// the certificates of caFile added to the system roots, verification off
// when insecure (logged at WARN on log), the proxy from the environment,
// no redirects followed; a platform certificate refused is an error
// naming the setting to check (httpx.CAFileHint). A CA file that cannot be read or holds no
// certificate is a *ValidationError on field ca_file, whose reason is the
// os error without the path ("no such file or directory", "is a
// directory") or "no PEM certificate found", and whose chain holds the
// read's error (errors.Is fs.ErrNotExist for a missing file).
func NewHTTPClient(caFile string, insecure bool, log *zap.Logger) (*http.Client, error) {
	return newHTTPClient(httpx.TLS{CAFile: caFile, Insecure: insecure}, log)
}

// newHTTPClient is NewHTTPClient over t, whose CAPEM may hold the CA
// file's content already read.
func newHTTPClient(t httpx.TLS, log *zap.Logger) (*http.Client, error) {
	t.Hint = httpx.CAFileHint
	hc, err := httpx.NewClient(t, log)
	if err != nil {
		return nil, &ValidationError{Field: "ca_file", Value: t.CAFile, Reason: httpx.FileCause(err).Error(), Err: err}
	}
	return hc, nil
}

// printDry writes one request as a JSON line.
func (c *Client) printDry(path string, body []byte) error {
	return c.printTo(c.dry, path, body)
}

// printTo writes one POST to w as a JSON line.
func (c *Client) printTo(w io.Writer, path string, body []byte) error {
	line, err := json.Marshal(struct {
		Method string          `json:"method"`
		Path   string          `json:"path"`
		Body   json.RawMessage `json:"body"`
	}{http.MethodPost, path, body})
	if err != nil {
		return err
	}
	c.dryMu.Lock()
	defer c.dryMu.Unlock()
	_, err = w.Write(append(line, '\n'))
	return err
}
