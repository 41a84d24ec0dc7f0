package httpx

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// proxyVars are the environment variables NewClient's proxy reads
// (net/http's ProxyFromEnvironment), in the order it reads them: of each
// pair, the first that is set counts.
var proxyVars = [][2]string{{"HTTPS_PROXY", "https_proxy"}, {"HTTP_PROXY", "http_proxy"}}

// ProxyEnvError reports a proxy environment variable whose value is not
// the URL of a proxy net/http can dial: net/http would ignore it and send
// every request direct, or send them to a host the user did not mean.
type ProxyEnvError struct {
	// Name is the variable, as it is set (HTTPS_PROXY or https_proxy…).
	Name string
	// Value is its value as MaskURL shows it: its user information
	// "REDACTED".
	Value string
	// Reason says what is wrong and what net/http would do with it, in
	// words that quote nothing of the user information.
	Reason string
	// Err is the parse error, when the value does not parse; its text,
	// which may quote a piece of the password, is not shown.
	Err error
}

func (e *ProxyEnvError) Error() string {
	return fmt.Sprintf("invalid %s %q (env %s): %s", e.Name, e.Value, e.Name, e.Reason)
}

// Unwrap returns the parse error.
func (e *ProxyEnvError) Unwrap() error { return e.Err }

// CheckProxyEnv returns a *ProxyEnvError for a proxy variable of getenv
// (HTTPS_PROXY, https_proxy, HTTP_PROXY, http_proxy) whose value is not
// the URL of a proxy NewClient's proxy can dial. It reads the value as
// net/http does (golang.org/x/net/http/httpproxy): parsed as it is, and
// again with "http://" before it when that fails or gives no scheme or
// no host. Refused, each before anything is sent:
//   - a value neither reading parses, which net/http ignores without a
//     word, sending every request direct, past the proxy the user set;
//   - a value with its own "://" that parses only with "http://" before
//     it ("http://proxy:port", "http://127.0.0.1:3128 " with a space):
//     net/http would take its scheme for the proxy's host name
//     ("http") and send every request, token and all, there;
//   - a value with an '@' after its host, in its path, query or fragment
//     ("http://alice:1234/S3cret@proxy:3128"): user information whose
//     '/', '?' or '#' was not percent-encoded, which net/http reads
//     short, dialling the user name ("alice:1234") as the proxy and
//     sending every request, token and all, there;
//   - a URL whose scheme is not http, https, socks5 or socks5h, which has
//     no host, or whose port is not a number from 1 to 65535;
//   - user information that, percent-decoded, holds an invisible or
//     control character or a byte that is not UTF-8 (userinfoProblem):
//     the proxy would refuse credentials that read right.
//
// NO_PROXY is not checked: it only lists hosts reached direct.
func CheckProxyEnv(getenv func(string) string) error {
	for _, pair := range proxyVars {
		name, v := pair[0], getenv(pair[0])
		if v == "" {
			name, v = pair[1], getenv(pair[1])
		}
		if v == "" {
			continue
		}
		if reason, err := proxyProblem(v); reason != "" {
			return &ProxyEnvError{Name: name, Value: MaskURL(v), Reason: reason, Err: err}
		}
	}
	return nil
}

// ProxySecrets returns the secrets of the proxy variables of getenv
// (HTTPS_PROXY, https_proxy, HTTP_PROXY, http_proxy, of each pair the one
// net/http reads): the credentials of their user information, read as
// net/http reads the value (with "http://" before it when it has no
// scheme), in the forms URLSecrets gives. A proxy's answer, or a library
// quoting one, may show them in an error: they are redacted wherever the
// configured secrets are.
func ProxySecrets(getenv func(string) string) []string {
	var out []string
	for _, pair := range proxyVars {
		v := getenv(pair[0])
		if v == "" {
			v = getenv(pair[1])
		}
		if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme == "" || u.Host == "") {
			v = "http://" + v
		}
		out = append(out, URLSecrets(v)...)
	}
	return out
}

// proxyProblem says why v is not the URL of a proxy net/http can dial,
// "" when it is, with the parse error when v does not parse.
func proxyProblem(v string) (string, error) {
	own, ownErr := url.Parse(v)
	used, err := own, ownErr
	if ownErr != nil || own.Scheme == "" || own.Host == "" {
		if u, err2 := url.Parse("http://" + v); err2 == nil {
			used, err = u, nil
		}
	}
	switch {
	case err != nil:
		return parseFailure(v, err).Error() + "; the proxy would be ignored and every request sent direct", err
	case strings.Contains(v, "://") && used != own:
		why := "not a URL"
		if ownErr != nil {
			why = parseFailure(v, ownErr).Error()
		}
		return why + "; net/http would read it with http:// before it, taking its scheme for the proxy's host name," +
			" and send every request there", ownErr
	case used.Opaque != "":
		return "not a URL (want http://host:port)", nil
	case atAfterHost(used):
		return "'@' after the host" + userinfoHint + "; net/http would read the user information short" +
			" and send every request, token and all, to a host taken from it", nil
	}
	switch used.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return "scheme must be http, https, socks5 or socks5h", nil
	}
	if err := checkHost(used); err != nil {
		return err.Error(), nil
	}
	return userinfoProblem(used, "the proxy's credentials (its Proxy-Authorization header, or SOCKS5's login)"), nil
}

// ProxyConnectError is the error of a request whose proxy answered the
// CONNECT of an https server (the tunnel to it) with Status, 407 Proxy
// Authentication Required: the proxy refused the credentials of the
// proxy setting, and the server never saw the request. net/http gives
// only the reason phrase the proxy wrote ("Proxy Authentication
// Required", or none: "unknown status code"); NewClient's transport
// returns this in its place, and a Poster takes it as an answer of that
// status (ProxyRefused), as it takes a plain-http request's 407.
type ProxyConnectError struct{ Status int }

func (e *ProxyConnectError) Error() string {
	return fmt.Sprintf("the proxy answered the CONNECT to the server with status %d", e.Status)
}

// proxyConnectRefused is the OnProxyConnectResponse of NewClient's
// transport: a *ProxyConnectError for a 407, nil for any other status,
// which net/http reports itself (a 403 or a 502 of the proxy's are no
// refusal of the proxy's credentials, and not the server's either).
func proxyConnectRefused(_ context.Context, _ *url.URL, _ *http.Request, resp *http.Response) error {
	if ProxyRefused(resp.StatusCode) {
		return &ProxyConnectError{Status: resp.StatusCode}
	}
	return nil
}
