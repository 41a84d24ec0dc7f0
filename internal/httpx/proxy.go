package httpx

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// proxyVars are the environment variables NewClient's proxy reads
// (net/http's ProxyFromEnvironment), in the order it reads them: of each
// pair, the first that is set counts.
var proxyVars = [][2]string{{"HTTPS_PROXY", "https_proxy"}, {"HTTP_PROXY", "http_proxy"}}

// ProxyEnvError reports a proxy environment variable whose value is no
// URL: net/http would ignore it and send every request direct.
type ProxyEnvError struct {
	// Name is the variable, as it is set (HTTPS_PROXY or https_proxy…).
	Name string
	// Value is its value, any password in it masked.
	Value string
	// Err is the parse error; its text, which may quote a piece of the
	// password, is shown only for a value without one.
	Err    error
	masked bool
}

func (e *ProxyEnvError) Error() string {
	why := "not a URL"
	if !e.masked {
		why += ": " + e.Err.Error()
	}
	return fmt.Sprintf("invalid %s %q (env %s): %s; the proxy would be ignored and every request sent direct",
		e.Name, e.Value, e.Name, why)
}

// Unwrap returns the parse error.
func (e *ProxyEnvError) Unwrap() error { return e.Err }

// CheckProxyEnv returns a *ProxyEnvError for a proxy variable of getenv
// (HTTPS_PROXY, https_proxy, HTTP_PROXY, http_proxy) that NewClient's
// proxy cannot parse, which net/http ignores without a word: the requests
// would go direct, past the proxy the user set. It parses as net/http
// does (a value without a scheme is taken as http://). NO_PROXY is not
// checked: it only lists hosts reached direct.
func CheckProxyEnv(getenv func(string) string) error {
	for _, pair := range proxyVars {
		name, v := pair[0], getenv(pair[0])
		if v == "" {
			name, v = pair[1], getenv(pair[1])
		}
		if v == "" {
			continue
		}
		if _, err := url.Parse(v); err != nil {
			if _, err2 := url.Parse("http://" + v); err2 != nil {
				var ue *url.Error
				if errors.As(err, &ue) {
					err = ue.Err // its text quotes the value, password and all
				}
				shown := maskUserinfo(v)
				return &ProxyEnvError{Name: name, Value: shown, Err: err, masked: shown != v}
			}
		}
	}
	return nil
}

// maskUserinfo shows the password of a URL that may not parse as
// "xxxxx", as url.URL.Redacted does: what follows the first ':' of the
// user information, which ends at the last '@' of the URL.
func maskUserinfo(raw string) string {
	rest := raw
	scheme, after, ok := strings.Cut(raw, "://")
	if ok {
		rest = after
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	masked := user + ":xxxxx" + rest[at:]
	if ok {
		masked = scheme + "://" + masked
	}
	return masked
}
