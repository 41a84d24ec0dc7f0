package query

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// Name is the injector's registered name.
const Name = "query"

// Providers and defaults.
const (
	ProviderShodan = "shodan"

	DefaultShodanBaseURL  = "https://api.shodan.io"
	DefaultMaxResults     = 100
	MaxMaxResults         = 1000
	DefaultRequestTimeout = 30 * time.Second
)

// Setting keys (config "query.<key>").
const (
	SettingShodanBaseURL  = "shodan_base_url"
	SettingShodanAPIKey   = "shodan_api_key"
	SettingRequestTimeout = "request_timeout"
)

// Params are the inject parameters of the query injector; the manifest's
// params are derived from them (framework.ParamsSpec).
type Params struct {
	// MaxResults bounds the matches fetched per target configuration
	// (1 to MaxMaxResults, its tag's range, which the runtime and
	// Validate check); Shodan pages hold 100 matches.
	MaxResults int `json:"max_results" param:"min=1,max=1000" doc:"matches fetched per target configuration (Shodan pages hold 100)"`
	// Provider names the search engine.
	Provider string `json:"provider" param:"enum=shodan" doc:"search engine"`
}

// Executor runs exposure queries. Build one with New; Configure sets its
// base URL and API key. Its zero value runs with the defaults once
// configured.
type Executor struct {
	baseURL *url.URL
	apiKey  string
	timeout time.Duration
	client  *http.Client
	retry   retryPolicy
	// minGap is the least time between two requests of a key (0: the
	// default, one second); pacer spaces them across every Executor
	// sharing it (nil: this Executor's own).
	minGap time.Duration
	pacer  *Pacer
}

// Option configures New.
type Option func(*Executor)

// WithPacer makes the Executor pace its Shodan requests with p, which
// every Executor of the process should share (a registry's factory
// builds one Executor per inject): two runs of one API key at once are
// then paced against each other, and a base URL the key goes to in clear
// is warned of once. Without it each Executor paces its own runs only,
// and warns of its own.
func WithPacer(p *Pacer) Option { return func(e *Executor) { e.pacer = p } }

// Interface guards.
var (
	_ framework.Executor      = (*Executor)(nil)
	_ framework.Manifester    = (*Executor)(nil)
	_ framework.ParamsFactory = (*Executor)(nil)
	_ framework.Configurer    = (*Executor)(nil)
	_ framework.Closer        = (*Executor)(nil)
	_ framework.Validator     = (*Params)(nil)
)

// New returns an Executor with the default settings and no API key.
func New(opts ...Option) *Executor {
	e := &Executor{
		baseURL: defaultBaseURL(),
		timeout: DefaultRequestTimeout,
		client:  newHTTPClient(),
		retry:   defaultRetry(),
	}
	for _, opt := range opts {
		opt(e)
	}
	if e.pacer == nil {
		e.pacer = NewPacer()
	}
	return e
}

// defaultRetry makes 4 attempts in all, waiting about 1 s, 2 s, then 4 s.
func defaultRetry() retryPolicy {
	return retryPolicy{attempts: 4, delay: time.Second, maxDelay: 30 * time.Second}
}

func defaultBaseURL() *url.URL {
	u, err := url.Parse(DefaultShodanBaseURL)
	if err != nil {
		panic("query: bad default base URL: " + err.Error())
	}
	return u
}

// newHTTPClient returns the httpx client: the proxy from the environment,
// TLS 1.2 at least, and no redirect followed, since the API key travels in
// the URL and must not reach another host.
func newHTTPClient() *http.Client { return httpx.NewDefaultClient() }

// Manifest describes the injector.
func (e *Executor) Manifest() framework.Manifest {
	return framework.Manifest{
		Name:        Name,
		Category:    framework.External,
		Description: "Run exposure queries (Shodan host search) narrowed to each target and report the matching services and their CVEs.",
		Params:      framework.MustParamsSpec(e.NewParams()),
		Settings: []framework.Setting{
			baseSetting,
			keySetting,
			{Key: SettingRequestTimeout, Env: "INJECTKIT_QUERY_REQUEST_TIMEOUT", Default: DefaultRequestTimeout.String(),
				Doc: "timeout of one API request, body included"},
		},
		// A lookup sends nothing to the targets: no SIEM, EDR or NDR
		// watching them sees it, so DETECTION and PREVENTION would be
		// judged on alerts it did not cause (a collector matching the
		// source address, ours, or counting any alert). Only what the
		// engine records of them, VULNERABILITY, is declared, as the
		// platform's own Shodan injector declares it.
		Expectations: []signatures.ExpectationType{framework.Vulnerability},
		Outputs: []framework.Output{
			{Type: "ipv4", Field: FieldMatchedIPs, Labels: []string{"shodan"}, Multiple: true, Finding: true},
			{Type: "ipv6", Field: FieldMatchedIPv6, Labels: []string{"shodan"}, Multiple: true, Finding: true},
			{Type: "cve", Field: FieldCVEs, Labels: []string{"shodan"}, Multiple: true, Finding: true},
		},
		// An external query runs on no platform of the targets'.
		Platforms:      nil,
		AttackPatterns: []string{"T1596.005"},
		Domains:        []framework.Domain{framework.DomainNetwork},
		// VULNERABILITY is judged from the cves output, by no security
		// platform: none is named.
		SecurityPlatforms: nil,
	}
}

// NewParams returns the parameters with their defaults.
func (e *Executor) NewParams() any { return defaultParams() }

func defaultParams() *Params {
	return &Params{MaxResults: DefaultMaxResults, Provider: ProviderShodan}
}

// paramChecks checks Params' enum and range, its tags parsed once, on first use
// (not in the package's init: a run of another injector never needs it).
var paramChecks = sync.OnceValue(framework.NewEnumCheck[Params])

// Validate checks the parameters (provider's enum, max_results' range,
// as their tags say); it never touches the network.
func (p *Params) Validate() error { return paramChecks().Check(p) }

// validate is Validate, for Execute.
func (p *Params) validate() error { return p.Validate() }

// asParams returns the inject's params (see framework.ParamsAs), or the
// defaults when there are none.
func asParams(params any) (*Params, error) {
	p, err := framework.ParamsAs[Params](params)
	if errors.Is(err, framework.ErrNoParams) {
		return defaultParams(), nil
	}
	return p, err
}

// Configure applies the settings declared in the manifest. A key left out
// keeps the default; shodan_base_url given empty or blank is refused, so
// that a value meant for a stand-in never turns into api.shodan.io, a
// shodan_api_key holding a control character, any other character
// signatures.Garbling refuses (a byte order mark, a zero-width space), or
// white space inside it, is refused without its value, and a request_timeout given empty or
// blank is refused, as every duration given empty is. Unknown keys are
// errors.
func (e *Executor) Configure(settings map[string]string) error {
	for k, given := range settings {
		v := strings.TrimSpace(given)
		switch k {
		case SettingShodanBaseURL:
			if v == "" {
				return &signatures.ValidationError{Field: Name + "." + k, Value: given, Reason: "must not be blank: give a URL, or leave the setting out for " + DefaultShodanBaseURL}
			}
			u, err := parseBaseURL(v)
			if err != nil {
				return err
			}
			e.baseURL = u
		case SettingShodanAPIKey:
			if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
				// It would go in the request URL: refused, never quoted;
				// named as a token's is (httpx.TokenProblem).
				r, _ := utf8.DecodeRuneInString(v[i:])
				return &signatures.ValidationError{Field: Name + "." + k, Withheld: true,
					Reason: fmt.Sprintf("holds a control character, %U at byte %d", r, i)}
			}
			if why := signatures.Garbling(v); why != "" {
				// An invisible character read or pasted with the key (a
				// file's byte order mark, a zero-width space): the key
				// reads right wherever it is printed, and Shodan refuses
				// it (401). Named by its code point, the key withheld.
				return &signatures.ValidationError{Field: Name + "." + k, Withheld: true, Reason: why}
			}
			if i := strings.IndexFunc(v, unicode.IsSpace); i >= 0 {
				// A key is one word (32 letters and digits): two pasted
				// halves, or a label copied with it ("key: …"), which
				// Shodan would refuse (401) after the inject ran.
				// Refused as a token holding a space is, never quoted.
				space := "a space"
				if r, _ := utf8.DecodeRuneInString(v[i:]); r != ' ' {
					space = fmt.Sprintf("a space (%U)", r)
				}
				return &signatures.ValidationError{Field: Name + "." + k, Withheld: true,
					Reason: fmt.Sprintf("holds %s at byte %d: a Shodan API key is one word; give the key alone", space, i)}
			}
			e.apiKey = v
		case SettingRequestTimeout:
			if v == "" {
				// As every duration given empty (README): refused, never
				// taken for the default.
				return &signatures.ValidationError{Field: Name + "." + k, Value: given,
					Reason: "must not be blank: give a duration (20s, 1m, or 20 for seconds), or leave it out for the default (" + DefaultRequestTimeout.String() + ")"}
			}
			d, err := framework.ParseDuration(v) // a bare number is seconds
			if err != nil || d <= 0 {
				return &signatures.ValidationError{Field: Name + "." + k, Value: v, Reason: "want a positive duration such as 30s or 30 (seconds)"}
			}
			e.timeout = d
		default:
			return &signatures.ValidationError{Field: Name + "." + k, Reason: "unknown setting (valid: " +
				strings.Join([]string{SettingShodanBaseURL, SettingShodanAPIKey, SettingRequestTimeout}, ", ") + ")"}
		}
	}
	return nil
}

// parseBaseURL accepts an absolute http or https URL with no query, user
// information or fragment: httpx.ParseBaseURL's rule, whose reasons
// quote nothing of the URL, without user information.
func parseBaseURL(v string) (*url.URL, error) {
	bad := func(reason string) error {
		return &signatures.ValidationError{Field: Name + "." + SettingShodanBaseURL, Value: httpx.MaskURL(v), Reason: reason}
	}
	u, err := httpx.ParseBaseURL(v)
	switch {
	case err != nil:
		return nil, bad(err.Error())
	case u.User != nil:
		return nil, bad("must not hold user information")
	}
	return u, nil
}

// Close releases idle connections.
func (e *Executor) Close() error {
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	return nil
}

// provider returns the named provider of the injector registered as
// injector (framework.Inject.Injector: its errors name its settings as
// the user gives them), logging to log.
func (e *Executor) provider(name, injector string, log *zap.Logger) (Provider, error) {
	switch name {
	case ProviderShodan:
		if e.apiKey == "" {
			return nil, fmt.Errorf("%w (set %s)", ErrMissingAPIKey, keyWhere(injector))
		}
		s := &shodan{base: e.baseURL, key: e.apiKey, client: e.client, timeout: e.timeout,
			retry: e.retry, log: log.With(zap.String("provider", name)), keyWhere: keyWhere(injector)}
		// An Executor not built by New still works, with the defaults.
		if s.base == nil {
			s.base = defaultBaseURL()
		}
		if s.client == nil {
			s.client = newHTTPClient()
		}
		if s.timeout <= 0 {
			s.timeout = DefaultRequestTimeout
		}
		if s.retry.attempts == 0 {
			s.retry = defaultRetry()
		}
		s.minGap = cmp.Or(e.minGap, defaultMinGap)
		pacer := e.pacer
		if pacer == nil {
			pacer = NewPacer() // an Executor not built by New: this run's own
		}
		s.pace = pacer.of(e.apiKey)
		if httpx.ClearToOtherHost(s.base) && pacer.firstClear(s.base.String()) {
			// As the backend's token (cli's warnClearToken): the key
			// travels in each request URL's query. Once per base URL of
			// the Executors sharing the pacer (the process's), not per
			// inject.
			s.log.Warn("the Shodan API key goes in clear over http:// to a host that is not this machine: use https:// for "+
				settingWhere(injector, baseSetting),
				zap.String("url", s.base.Redacted()))
		}
		return s, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownProvider, name)
}
