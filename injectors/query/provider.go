package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
)

// Provider runs one exposure query. Search returns at most limit matches and
// the engine's total count for the query. It must honour ctx, and its errors
// must never hold the provider's credentials.
type Provider interface {
	Search(ctx context.Context, query string, limit int) (Result, error)
}

// Result is what a provider found for one query.
type Result struct {
	// Total is the engine's count of matches for the query, which may exceed
	// len(Matches).
	Total int `json:"total"`
	// Matches are the matches fetched, at most the limit asked for.
	Matches []Match `json:"matches"`
	// Dropped counts the banners of the pages fetched left out because
	// their address or port is not one: the rest of each page is kept.
	Dropped int `json:"dropped,omitempty"`
}

// Match is one service banner: a host, a port and what runs there.
type Match struct {
	IP        string   `json:"ip"`
	Port      int      `json:"port"`
	Transport string   `json:"transport"`
	Hostnames []string `json:"hostnames"`
	Domains   []string `json:"domains"`
	Org       string   `json:"org"`
	ISP       string   `json:"isp"`
	Product   string   `json:"product"`
	Version   string   `json:"version"`
	OS        string   `json:"os"`
	// Vulns holds the CVE ids recorded against the service, sorted.
	Vulns []string `json:"vulns"`
	// CVSS maps a CVE id of Vulns to the CVSS score Shodan gives it, when
	// it gives one.
	CVSS      map[string]float64 `json:"cvss,omitempty"`
	Timestamp string             `json:"timestamp"`
}

// keySetting and baseSetting are the settings of the API key and the
// base URL, as the manifest declares them.
var (
	keySetting = framework.Setting{Key: SettingShodanAPIKey, Env: "INJECTKIT_SHODAN_API_KEY", Secret: true, Required: true,
		Doc: "Shodan API key"}
	baseSetting = framework.Setting{Key: SettingShodanBaseURL, Env: "INJECTKIT_SHODAN_BASE_URL", Default: DefaultShodanBaseURL,
		Doc: "base URL of the Shodan API"}
)

// keyWhere names where the API key is given to the injector registered
// as injector (the config file's key is "<injector>.shodan_api_key"; ""
// is Name), as the runtime names a setting (framework's
// Manifest.SettingWhere): "env INJECTKIT_SHODAN_API_KEY or
// query.shodan_api_key in the config file", for the errors about it.
func keyWhere(injector string) string { return settingWhere(injector, keySetting) }

// settingWhere names where the setting s is given to the injector
// registered as injector ("": Name), as the runtime names a setting.
func settingWhere(injector string, s framework.Setting) string {
	return framework.Manifest{Name: cmp.Or(injector, Name)}.SettingWhere(s)
}

// Errors a caller can branch on with errors.Is.
var (
	// ErrMissingAPIKey is returned before any request when no API key is
	// set; the error returned says where to set it.
	ErrMissingAPIKey = errors.New("missing API key")
	// ErrUnauthorized is returned for HTTP 401: Shodan did not accept the
	// key (shodan-python, too, takes only a 401 for a rejected key).
	ErrUnauthorized = errors.New("invalid or unauthorised API key")
	// ErrRefused is returned for HTTP 403, whatever came before it in the
	// run: Shodan answers 403 "Access denied" to a key whose plan does not
	// allow the request (a filter needing a membership, searching at all
	// on a free key); the key itself may be valid.
	ErrRefused = errors.New("refused")
	// ErrPlan is returned for an answer whose Shodan error asks to
	// upgrade the key's plan for this request ("Please upgrade your API
	// plan to use filters or paging", sent as a 401): the key is valid,
	// its plan does not cover a filter or a page past the first.
	ErrPlan = errors.New("not covered by the key's plan")
	// ErrBadQuery is returned for a query the engine cannot read: HTTP
	// 400, or an error text saying the query is invalid ("Invalid search
	// query"), whatever its status.
	ErrBadQuery = errors.New("query refused by the engine")
	// ErrNoQueryCredits is returned for an answer whose Shodan error says
	// the key's query credits are spent ("Insufficient query credits, …"),
	// whatever its status: Shodan sends it as a 401, which would otherwise
	// read as a bad key. A filter and each page past the first cost a
	// credit.
	ErrNoQueryCredits = errors.New("query credits exhausted")
	// ErrNoMatchesSent is returned for a first page counting matches and
	// holding none ({"matches": [], "total": N}): Shodan's count without
	// banners, no search that found nothing (see countOnlyError).
	ErrNoMatchesSent = errors.New("no matches sent")
	// ErrRateLimited is returned for HTTP 429 once retries are exhausted.
	ErrRateLimited = errors.New("rate limited")
	// ErrServer is returned for HTTP 5xx once retries are exhausted.
	ErrServer = errors.New("server error")
	// ErrRequestTimeout is returned when one request outlives the
	// per-request timeout.
	ErrRequestTimeout = errors.New("request timed out")
	// ErrUnknownProvider is returned for a provider name with no
	// implementation.
	ErrUnknownProvider = errors.New("unknown provider")
)

// APIError is an error answer from the engine: a non-2xx status or an
// {"error": "..."} body. It wraps ErrNoQueryCredits when the engine's
// message says so, else ErrUnauthorized, ErrRefused, ErrRateLimited or
// ErrServer when the status calls for it.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Message is the engine's own error text, when it sent one.
	Message string
	// RetryAfter is the delay the engine asked for (Retry-After), if any.
	RetryAfter time.Duration

	kind error
	// keyWhere says where the key is given (keyWhere) to the injector
	// whose request was refused; "" for query's.
	keyWhere string
	// late is set when the engine's Retry-After outlasts the deadline:
	// the error that wraps it says what to do instead of its own hint.
	late bool
}

// newAPIError classifies an error answer: spent query credits, a plan
// that does not cover the request and a query the engine cannot read by
// the engine's message (a 400 is the query too), then 401 is the key and
// 403 this request, whatever the order of the answers in the run.
func newAPIError(status int, message string, retryAfter time.Duration) *APIError {
	e := &APIError{StatusCode: status, Message: message, RetryAfter: retryAfter}
	lower := strings.ToLower(message)
	switch {
	case strings.Contains(lower, "insufficient query credits"):
		e.kind = ErrNoQueryCredits
	case strings.Contains(lower, "upgrade your api plan"):
		e.kind = ErrPlan
	case status == http.StatusBadRequest || strings.Contains(lower, "invalid search query"):
		e.kind = ErrBadQuery
	case status == http.StatusForbidden:
		e.kind = ErrRefused
	case status == http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case status == http.StatusTooManyRequests:
		e.kind = ErrRateLimited
	case status >= 500:
		e.kind = ErrServer
	}
	return e
}

// Error reads "<kind> (HTTP <status>: <engine's message>)"; a key the
// engine refuses says where the key is set (never the key): Shodan
// refuses one with an HTML page, no message of its own.
func (e *APIError) Error() string {
	switch {
	case errors.Is(e.kind, ErrUnauthorized):
		return e.text() + ": check " + cmp.Or(e.keyWhere, keyWhere(""))
	case errors.Is(e.kind, ErrPlan):
		return e.text() + ": the key's plan does not cover a filter (ip: and hostname: narrow every target to one) " +
			"or a page past the first; use a key with a Shodan membership or API plan, or a query without a filter " +
			"and max_results of at most 100"
	case errors.Is(e.kind, ErrRefused):
		return e.text() + ": the key's plan does not allow this search (a filter such as vuln: needs a higher Shodan plan)"
	case e.late:
		return e.text()
	case errors.Is(e.kind, ErrRateLimited):
		return e.text() + ": Shodan allows a key about one request a second, and another process searching with the " +
			"same key takes them too; run one at a time, or give each its own key"
	case errors.Is(e.kind, ErrServer):
		return e.text() + ": a fault of Shodan's, or of a proxy in front of it; run the inject again later"
	case errors.Is(e.kind, ErrBadQuery):
		return e.text() + ": check the query, as Shodan reads it (filters are name:value, a phrase in double quotes)"
	}
	return e.text()
}

func (e *APIError) text() string {
	switch {
	case e.kind != nil && e.Message != "":
		return fmt.Sprintf("%s (HTTP %d: %s)", e.kind, e.StatusCode, e.Message)
	case e.kind != nil:
		return fmt.Sprintf("%s (HTTP %d)", e.kind, e.StatusCode)
	case e.Message != "":
		return fmt.Sprintf("%s (HTTP %d)", e.Message, e.StatusCode)
	}
	return fmt.Sprintf("unexpected HTTP status %d", e.StatusCode)
}

// Unwrap returns the sentinel the status maps to, if any.
func (e *APIError) Unwrap() error { return e.kind }

// retryable reports whether an answer is worth another attempt: 429 and
// 5xx only (the statuses of ErrRateLimited and ErrServer), not a network
// error or a timeout (status 0), and not a 501 or 505, which the engine
// or a proxy in front of it gives again until it changes
// (httpx.Unsupported).
func retryable(status int, _ string) bool {
	return status == http.StatusTooManyRequests || status >= 500 && !httpx.Unsupported(status)
}

// refusesKey reports whether err is the engine refusing the API key
// itself (ErrUnauthorized), after which every request of the key is
// refused alike; not a 401 whose message asks to upgrade the key's plan
// for this request ("Please upgrade your API plan to use filters or
// paging", as Shodan answered a filter or a page past the first of a
// key without the plan: shodan-python's APIError; ErrPlan), after which
// a first page without a filter still goes. Spent credits are
// ErrNoQueryCredits.
func refusesKey(err error) bool { return errors.Is(err, ErrUnauthorized) }

// countOnlyError is a first page whose total counts matches and whose
// matches list is empty: Shodan's answer, in the shape of its count
// endpoint, to a search the key's plan or query credits do not cover.
// Taken for "nothing found", it would say the targets have no CVE.
type countOnlyError struct {
	total int
	// keyWhere says where the key is given (keyWhere); "": query's.
	keyWhere string
}

func (e *countOnlyError) Error() string {
	noun := "matches"
	if e.total == 1 {
		noun = "match"
	}
	return fmt.Sprintf("%s: Shodan counted %d %s and sent none, as it answers a search the key's plan or query credits "+
		"do not cover (a filter, ip: and hostname: included, and a page past the first need a paid plan): check the plan "+
		"and query credits of the key of %s (Shodan's /api-info shows them)", ErrNoMatchesSent, e.total, noun,
		cmp.Or(e.keyWhere, keyWhere("")))
}

func (e *countOnlyError) Unwrap() error { return ErrNoMatchesSent }
