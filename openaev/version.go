package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/serve"
)

// SignatureVersion is the first platform version of the Current line: the
// calendar release of 2026-06-24, which merged signature processing.
const SignatureVersion = "2.260624"

// PlatformVersion is an OpenAEV platform version and the line it belongs
// to. The platform's releases went 2.4.0 (2026-05-19), then calendar
// versions 2.YYMMDD.N from June 2026 and 3.YYMMDD.N from late July 2026.
//
// Current platforms (2.260624 and later, every 3.x or newer) process
// expectation signatures and know the file, expectation_signature and
// action_output output types and the Android and iOS platform types.
// Older ones (2.4.x included, 1.x) know none of them: the profile sends
// them no signatures and no action_output, and declares file outputs as
// text.
type PlatformVersion struct {
	// Raw is the version string as the platform or the configuration gave
	// it; empty when it could not be read (the 2.4 line is then assumed).
	Raw string
	// Current is true for the Current line, false for 2.4.x and older.
	Current bool
}

// DeniedNotFound reports whether the platform answers 404, as for an
// inject that does not exist, when the token lacks the rights on an
// inject: 1.x platforms, whose reception and callback routes carry
// @Secured(ROLE_ADMIN) (Spring Security's AccessDeniedException, which the
// platform answers 404). From 2.0.0 on the routes carry @RBAC (then
// @AccessControl), which answers 403, and a 404 is an inject that does not
// exist (any more). A version that was not read (Raw empty on the 2.4 line
// assumed) reports true: a 404 then keeps the result, as on 1.x.
func (v PlatformVersion) DeniedNotFound() bool {
	if v.Current {
		return false
	}
	major, ok := majorOf(v.Raw)
	return !ok || major < 2
}

// TerminalStatus returns status, a terminal callback's, as the platform of
// version v reads it: 1.x platforms parse execution_status with valueOf
// over 1.18.19's ExecutionTraceStatus (SUCCESS, ERROR, WARNING, PARTIAL,
// INFO and the implants' statuses: no TIMEOUT, no INVALID_USAGE), and
// answer any other name 500 (InjectStatusService.java:123's
// IllegalArgumentException, which their RestBehavior does not handle):
// the callback is never taken, and the inject stays PENDING. They get
// ERROR in place of TIMEOUT and INVALID_USAGE (the message says which),
// and so does a platform whose version was not read (DeniedNotFound's
// rule: 1.x is not ruled out); 2.0.0 and later know both.
func (v PlatformVersion) TerminalStatus(status string) string {
	if (status == StatusTimeout || status == StatusInvalidUsage) && v.DeniedNotFound() {
		return StatusError
	}
	return status
}

// ParseVersion parses a platform version such as "2.4.0", "2.260701.1" or
// "3.260821.0" (a leading "v" and a "-…" or "+…" suffix are ignored) and
// classifies it. A value that is not MAJOR.MINOR[.PATCH] is a
// *ValidationError on field openaev_version.
func ParseVersion(s string) (PlatformVersion, error) {
	raw := strings.TrimSpace(s)
	core := strings.TrimPrefix(strings.TrimPrefix(raw, "v"), "V")
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	parts := strings.Split(core, ".")
	bad := &ValidationError{Field: "openaev_version", Value: s,
		Reason: "not a platform version (want MAJOR.MINOR[.PATCH], e.g. 2.4.0 or 3.260821.0)"}
	if len(parts) < 2 || len(parts) > 4 {
		return PlatformVersion{}, bad
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		if p == "" || strings.TrimLeft(p, "0123456789") != "" {
			return PlatformVersion{}, bad
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return PlatformVersion{}, bad
		}
		nums[i] = n
	}
	major, minor := nums[0], nums[1]
	current := major >= 3 || (major == 2 && minor >= 260624)
	return PlatformVersion{Raw: raw, Current: current}, nil
}

// parseVersionBody reads the body of GET /api/settings/version: the
// version, plain or as a JSON string (a {"platform_version": …} object is
// read too).
func parseVersionBody(b []byte) (PlatformVersion, error) {
	s := strings.TrimSpace(string(b))
	switch {
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal([]byte(s), &s); err != nil {
			return PlatformVersion{}, fmt.Errorf("version reply: %w", err)
		}
	case strings.HasPrefix(s, "{"):
		return parseSettingsBody(b)
	}
	return ParseVersion(s)
}

// parseSettingsBody reads {"platform_version": …} from GET /api/settings.
func parseSettingsBody(b []byte) (PlatformVersion, error) {
	var settings struct {
		Version string `json:"platform_version"`
	}
	if err := json.Unmarshal(b, &settings); err != nil {
		return PlatformVersion{}, fmt.Errorf("settings reply: %w", err)
	}
	if settings.Version == "" {
		return PlatformVersion{}, errors.New("settings reply: no platform_version")
	}
	return ParseVersion(settings.Version)
}

// WithPlatformVersion sets the platform version instead of reading it from
// the platform (the --openaev-version override).
func WithPlatformVersion(v PlatformVersion) Option {
	return func(c *Client) { c.ver, c.verGiven = v, true }
}

// Version returns the platform's version, read once and remembered (later
// calls, concurrent ones included, return the same value without a
// request; serve's Registrar reads it again after the platform failed,
// see refreshVersion): the version given with WithPlatformVersion; else, for a dry
// run, the Current line; else GET {url}/api/settings/version (the body is
// the version, plain or as a JSON string), falling back to GET
// {url}/api/settings ({"platform_version": …}) when that route is missing.
// When neither can be read (refused, missing or not a version: no OpenAEV
// release refuses a token it knows its settings, 2.4.0 opens READ on
// PLATFORM_SETTING to every user, so a 403 there comes from a proxy or
// firewall in front of it, or from a service that is not OpenAEV), the
// 2.4 line is assumed, whose contracts and callbacks every platform
// accepts, and a WARN line says so and asks for --openaev-version; a 401
// is the platform refusing the token (unknown or missing), and the WARN
// line says that instead. On a
// platform older than the Current line, one WARN line says that no
// signatures are sent. On the Current line (read or given, not in a dry
// run), the platform's enabled_dev_features are read once too (from GET
// /api/settings/public, which any token may read), and one WARN line says
// when it stores no signatures, or that this is not known when no route
// gave them (checkSignatureFeature).
// A read that found the platform unreachable
// (network errors or 5xx until the retries ran out: ErrRetriesExhausted),
// or that ctx ended, gives the Current line without remembering it, so
// that the next call (a registration retry, a heartbeat, a terminal
// callback) asks again.
func (c *Client) Version(ctx context.Context) PlatformVersion {
	v, _ := c.checkedVersion(ctx, false)
	return v
}

// CheckVersion is Version for a command that runs one inject and stops
// when the platform refuses its token: a version read answered 401 (the
// platform does not know the token, or none was given: every release
// answers so on its settings routes too) returns that refusal, an
// *AuthorizationError, and logs nothing; the version is not remembered.
// Version, which serve's registrations read, logs a WARN for it instead
// and assumes the 2.4 line: serve tries again until the token is fixed.
func (c *Client) CheckVersion(ctx context.Context) (PlatformVersion, error) {
	return c.checkedVersion(ctx, true)
}

// checkedVersion is Version and, when stopRefused, CheckVersion.
func (c *Client) checkedVersion(ctx context.Context, stopRefused bool) (PlatformVersion, error) {
	v, err := c.readKnown(ctx, stopRefused)
	var refused *AuthorizationError
	if errors.As(err, &refused) {
		return v, err
	}
	if errors.Is(err, ErrRetriesExhausted) && ctx.Err() == nil {
		c.log.Warn("OpenAEV platform version not read (platform unreachable or failing); assuming the current line ("+SignatureVersion+" or later) for what is sent now; read again at the next registration or callback",
			zap.String("error", c.redact(err.Error())))
	}
	return v, nil
}

// version is Version, and, when the version it returns is not remembered
// (assumed while the platform was unreachable), why: the read's error,
// not logged (a registration is postponed for it, see Register; a
// callback goes as the current line's, see Version).
func (c *Client) version(ctx context.Context) (PlatformVersion, error) {
	return c.readKnown(ctx, false)
}

// readKnown is version; when stopRefused, a read the platform answers 401
// returns its *AuthorizationError, not remembered (see CheckVersion).
func (c *Client) readKnown(ctx context.Context, stopRefused bool) (PlatformVersion, error) {
	c.verMu.Lock()
	defer c.verMu.Unlock()
	if c.verKnown {
		return c.ver, nil
	}
	var settings []byte // GET /api/settings's body, when the version came from it
	switch {
	case c.verGiven:
		c.log.Info("OpenAEV platform version set by configuration", zap.String("version", c.ver.String()))
	case c.dry != nil:
		c.ver = PlatformVersion{Current: true}
		c.log.Debug("dry run: assuming the current OpenAEV platform line")
	default:
		v, body, err := c.readVersion(ctx, false)
		settings = body
		if err != nil && ctx.Err() != nil {
			// As it is (errors.Is ctx's end): an *httpx.InterruptedError
			// ended during a wait holds the platform's last answer, which
			// serve names when its limit of a registration ended it.
			return PlatformVersion{Current: true}, err
		}
		if err != nil && errors.Is(err, ErrRetriesExhausted) {
			// The platform is unreachable for now: ask again next time.
			return PlatformVersion{Current: true}, err
		}
		if tokenRefused(err) && stopRefused {
			return PlatformVersion{Current: true}, authorization(err, "", false, c.cfg.Token == "")
		}
		if tokenRefused(err) {
			// 401: the platform does not know the token (every release
			// answers an unknown or missing one so, its settings routes
			// included); nothing in front of it is to blame. A 403 on
			// these routes is not the token's: no release refuses a
			// token it knows its settings.
			refused := "the platform refused the token (status 401): check the token"
			if c.cfg.Token == "" {
				refused = "the platform refuses a request without a token (status 401): no token was given, set one"
			}
			c.log.Warn("OpenAEV platform version not readable: "+refused+" (INJECTKIT_TOKEN, the config file's token or --token); "+
				"assuming the 2.4 line, which every platform accepts: no expectation signatures are sent",
				zap.String("error", c.redact(err.Error())))
			v = PlatformVersion{}
		} else if err != nil {
			// The settings routes refused (a proxy or firewall in front:
			// no OpenAEV release refuses a known token its settings),
			// missing or not a version. A 2.4 platform takes the current
			// line's contracts, then drops every result judged against
			// them: the 2.4 line's contracts and callbacks are safe on
			// every line, only the signatures are lost on a current one.
			c.log.Warn("OpenAEV platform version not readable (its settings routes refused or gave no version: "+
				"a proxy or firewall in front of the platform, or a service that is not OpenAEV, may answer for it); "+
				"assuming the 2.4 line, which every platform accepts: no expectation signatures are sent. "+
				"Set --openaev-version (INJECTKIT_OPENAEV_VERSION) to the platform's version",
				zap.String("error", c.redact(err.Error())))
			v = PlatformVersion{}
		} else {
			c.log.Info("OpenAEV platform version", zap.String("version", v.String()))
		}
		c.ver = v
	}
	c.verKnown = true
	c.noteLine(ctx, settings)
	return c.ver, nil
}

// noteLine says, once c.ver is adopted, what its line leaves out: on the
// Current line, whether the platform stores signatures
// (checkSignatureFeature, from settings when the version was read
// there); before it, that no signatures are sent. Called under verMu.
func (c *Client) noteLine(ctx context.Context, settings []byte) {
	if c.ver.Current && c.dry == nil {
		c.checkSignatureFeature(ctx, settings)
	}
	if !c.ver.Current && c.ver.Raw != "" {
		c.log.Warn("OpenAEV platform " + c.ver.Raw + " predates signature processing (" + SignatureVersion +
			"): no expectation signatures are sent, nor action_output (raw tool output, which it would store as a finding); outputs of type file are declared and sent as text")
	}
}

// refreshVersion reads the platform's version again, once (no retry),
// when one was read before: a platform back after an outage may have been
// upgraded (2.4.x to the Current line, say). A version that changed is
// adopted from then on (the next registration declares its contracts,
// the next callbacks carry what it accepts) and one INFO line says so,
// followed by what noteLine says of the new line. It reports whether the
// version changed; a read that fails keeps the version known and returns
// its error (the version may be stale: the caller asks again later). A
// version given by configuration, a dry run or a version not read yet
// (the next Version reads it) asks nothing.
func (c *Client) refreshVersion(ctx context.Context) (changed bool, err error) {
	c.verMu.Lock()
	skip := c.verGiven || c.dry != nil || !c.verKnown
	c.verMu.Unlock()
	if skip {
		return false, nil
	}
	// Read without the lock: the callbacks in flight keep the known
	// version meanwhile (only a version that changed holds the lock while
	// noteLine reads the settings it needs).
	v, settings, err := c.readVersion(ctx, true)
	if err != nil {
		return false, fmt.Errorf("read the platform version again: %w", err)
	}
	c.verMu.Lock()
	defer c.verMu.Unlock()
	if v == c.ver {
		return false, nil
	}
	prev := c.ver
	c.ver = v
	c.log.Info("OpenAEV platform version changed", zap.String("version", v.String()), zap.String("previous", prev.String()))
	c.noteLine(ctx, settings)
	return true, nil
}

// readVersion asks the platform for its version, and returns the body of
// GET /api/settings when it read the version there; once sends each
// request one time, without retries. The settings routes are not
// tenant-scoped.
func (c *Client) readVersion(ctx context.Context, once bool) (PlatformVersion, []byte, error) {
	// Read before a registration of serve's, its failed attempts are the
	// registration's: /healthz says why while it retries (serve.NoteRetry
	// does nothing in another context).
	note := func(err error) { serve.NoteRetry(ctx, err) }
	body, err := c.do(ctx, request{op: "version", method: http.MethodGet, root: true, path: "/settings/version", once: once, retrying: note})
	if err == nil {
		v, perr := parseVersionBody(body)
		if perr == nil {
			return v, nil, nil
		}
		err = c.quotedReply(perr)
	} else if !missingRoute(err) {
		// The platform is unreachable or refuses the token: the settings
		// would fail alike.
		return PlatformVersion{}, nil, err
	}
	body, err2 := c.do(ctx, request{op: "settings", method: http.MethodGet, root: true, path: "/settings", once: once, retrying: note})
	if err2 != nil {
		return PlatformVersion{}, nil, fmt.Errorf("%w; %w", err, err2)
	}
	v, err := parseSettingsBody(body)
	return v, body, c.quotedReply(err)
}

// quotedReply returns err, a version reply refused, with the platform's
// text it quotes (the value of its *ValidationError) passed through
// ServerText: a text that echoes the token or a secret, even split over
// lines, which word-by-word redaction leaves in view, is withheld whole.
func (c *Client) quotedReply(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) && ve.Value != "" {
		ve.Value = httpx.NewRedactor(append([]string{c.cfg.Token}, c.secrets...)...).ServerText(ve.Value)
	}
	return err
}

// missingRoute reports an *APIError whose status says the route does not
// exist (404, 405).
func missingRoute(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusMethodNotAllowed)
}
