package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
)

// InsecureWarning is the message of the WARN line NewClient logs for a
// client whose certificate verification is off: a program building more
// than one client from one setting can say it once (see cli's logger).
const InsecureWarning = "tls certificate verification disabled"

// InsecureMoot is the message of the INFO line NewClient logs instead of
// InsecureWarning for a client built for a plain http:// URL (TLS.URL):
// no TLS, so no certificate whose verification Insecure would turn off.
const InsecureMoot = "tls certificate verification setting (insecure) has no effect: the URL is plain http://, without TLS"

// CAFileMoot is the message of the INFO line NewClient logs for a client
// given a CA file (TLS.CAFile) but built for a plain http:// URL: no TLS,
// so no certificate to verify against it, and the requests (the token's
// Authorization header among them) travel unencrypted.
const CAFileMoot = "CA file (ca_file) has no effect: the URL is plain http://, without TLS: requests, and the token when there is one, are not encrypted"

// TLS are the TLS options of a client.
type TLS struct {
	// CAFile names a PEM file whose certificates are trusted in addition to
	// the system roots (for a plain http:// URL, see CAFileMoot).
	CAFile string
	// CAPEM, when not nil, is the content of CAFile, read by the caller
	// (a pipe can be read once only): NewClient does not open CAFile then,
	// which only names the file in errors.
	CAPEM []byte
	// Insecure turns certificate verification off. NewClient logs a WARN
	// line when it does (InsecureWarning), or, for a plain http:// URL,
	// an INFO line saying it has no effect (InsecureMoot).
	Insecure bool
	// URL, when known, is the base URL of the server the client is built
	// for: a plain http:// one is reached without TLS.
	URL string
	// Hint, when set, ends the error of a request whose server
	// certificate the client refused (a *CertificateError): what the user
	// sets to trust it, such as CAFileHint.
	Hint string
}

// CAFileHint names the setting that trusts a private CA for a backend or
// a platform, for TLS.Hint.
const CAFileHint = "check --ca-file, INJECTKIT_CA_FILE or ca_file: the CAs trusted for the server's certificate"

// CertificateError is the error of a request whose server certificate the
// client refused (a *tls.CertificateVerificationError in its chain),
// ended by a hint naming the setting to fix.
type CertificateError struct {
	Err  error
	Hint string
}

func (e *CertificateError) Error() string { return e.Err.Error() + " (" + e.Hint + ")" }

// Unwrap returns Err.
func (e *CertificateError) Unwrap() error { return e.Err }

// hinted is the transport of a client whose TLS has a Hint: its certificate
// errors are *CertificateErrors.
type hinted struct {
	*http.Transport
	hint string
}

func (t *hinted) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.Transport.RoundTrip(r)
	var cv *tls.CertificateVerificationError
	if err != nil && errors.As(err, &cv) {
		err = &CertificateError{Err: err, Hint: certificateHint(err, t.hint)}
	}
	return resp, err
}

// certificateHint says what to fix for a server certificate refused with
// err: the certificate itself when it is outside its validity dates or
// does not name the host (trusting more CAs would not help), else the
// CAs trusted (hint).
func certificateHint(err error, hint string) string {
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the server's certificate is outside its validity dates (expired, or not yet valid): " +
			"renew it, or check this machine's clock"
	case errors.As(err, &host):
		return "the server's certificate does not name " + host.Host +
			": use a URL with a name the certificate holds, or a certificate issued for " + host.Host
	}
	return hint
}

// Transport returns the *http.Transport of a client NewClient made (nil
// for another), for a caller that tunes its connection pool.
func Transport(hc *http.Client) *http.Transport {
	switch tr := hc.Transport.(type) {
	case *http.Transport:
		return tr
	case *hinted:
		return tr.Transport
	}
	return nil
}

// NewClient returns an HTTP client with a transport of its own: the proxy
// from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), TLS 1.2 at
// least, the certificates of t.CAFile added to the system roots, and
// certificate verification off when t.Insecure, which is logged at WARN on
// log (nil: not logged). Redirects are not followed: the 3xx answer is
// returned as it is, so that a request carrying a token is never replayed
// to another place and a redirected POST never turns into a GET. With
// t.Hint, a server certificate refused is a *CertificateError ending with
// it. A proxy's 407 to the CONNECT of an https server is a
// *ProxyConnectError, which a Poster takes as a 407 answer.
//
// A CA file that cannot be read, or holds no certificate, is the
// *CAFileError of CAPool.
func NewClient(t TLS, log *zap.Logger) (*http.Client, error) {
	tr := &http.Transport{ForceAttemptHTTP2: true, MaxIdleConns: 100, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ExpectContinueTimeout: time.Second}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	}
	tr.DialContext = dialWhole(tr.DialContext)
	tr.Proxy = http.ProxyFromEnvironment
	tr.OnProxyConnectResponse = proxyConnectRefused
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pool, err := CAPool(t.CAFile, t.CAPEM)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig.RootCAs = pool
		if log != nil && plainHTTP(t.URL) {
			log.Info(CAFileMoot)
		}
	}
	if t.Insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true
		switch {
		case log == nil:
		case plainHTTP(t.URL):
			log.Info(InsecureMoot)
		default:
			log.Warn(InsecureWarning)
		}
	}
	if t.Hint != "" {
		return &http.Client{Transport: &hinted{Transport: tr, hint: t.Hint}, CheckRedirect: noRedirect}, nil
	}
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}, nil
}

// NewDefaultClient returns NewClient(TLS{}, nil), which cannot fail.
func NewDefaultClient() *http.Client {
	hc, err := NewClient(TLS{}, nil)
	if err != nil {
		panic("httpx: a client without a CA file failed: " + err.Error())
	}
	return hc
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// TokenProblem says why token cannot go in an Authorization header, ""
// when it can: a control character, a line break among them (it would
// end the header), or a character outside ASCII (a server may read the
// header as Latin-1 and echo the token in a form no redaction knows), a
// byte order mark read from a token file saved with one and a zero-width
// space pasted with the token among them. Each is refused before anything
// runs: net/http would refuse the request only once the inject ran, and
// the body could never be sent. The reason names the character by its
// code point (a byte that is not UTF-8 by its value) and its byte offset,
// as signatures.Garbling names one of the query injector's Shodan key:
// the token reads right wherever it is printed. Never the token itself.
func TokenProblem(token string) string {
	for i, r := range token {
		switch {
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("holds a control character, %U at byte %d", r, i)
		case r == utf8.RuneError && !strings.HasPrefix(token[i:], string(utf8.RuneError)):
			return fmt.Sprintf("holds a character outside ASCII, the byte 0x%02X at byte %d, not UTF-8 (an HTTP header carries ASCII)", token[i], i)
		case r >= 0x80:
			return fmt.Sprintf("holds a character outside ASCII, %U at byte %d (an HTTP header carries ASCII)", r, i)
		}
	}
	return ""
}

// unparsable is what StripCredentials shows for a string that is not a URL.
const unparsable = "(unparsable URL)"

// StripCredentials returns raw without its user information and with the
// value of each query parameter and its fragment shown as "REDACTED"
// ("https://user:pw@host/x?token=t" gives
// "https://host/x?token=REDACTED"), for a log line, an error or a key that
// must not hold a password: a URL refused for its query must not echo the
// token the query carries. A parameter without '=' is shown as
// "REDACTED" whole, since it may be a value. A URL with none of those is
// returned unchanged, byte for byte. The values of the query parameters
// named in shown (as written in the URL) stay as they are: the parameters
// a reader needs and that hold no secret, such as the query injector's
// search and page beside its API key.
//
// A string with an '@' that url.Parse did not read as user information,
// or an '@' after the host, may hold a password wherever the parse put
// it: a URL that does not parse, a scheme mistyped ("http//u:pw@host" is
// a path, "http:/u:pw@host" a path too, "u:pw@host" a scheme and an
// opaque part), user information whose '/', '?' or '#' was not
// percent-encoded ("http://u:12/pw@host" parses as host "u", port 12 and
// path "/pw@host") or read short (see atAfterHost). Everything before its
// last '@' is then shown as "REDACTED" but its scheme as written
// ("http//REDACTED@host", see maskBeforeAt), and the string is
// "(unparsable URL)" when what follows that '@' is not a plain host and
// path. A string that is not a URL and holds no '@', '?' or '#' holds no
// secret and is returned as it is ("127.0.0.1:8080", a URL without its
// scheme); with a '?' or '#' it is "(unparsable URL)". Wherever it is, a
// port that is not a number is shown as "REDACTED" ("http://u:pw" gives
// "http://u:REDACTED", see maskPort): it may be a password whose user
// name lost its '@'.
func StripCredentials(raw string, shown ...string) string {
	u, err := url.Parse(raw)
	switch {
	case (err != nil || u.User == nil || atAfterHost(u)) && strings.Contains(raw, "@"):
		return maskBeforeAt(raw)
	case err != nil && !strings.ContainsAny(raw, "?#"):
		return maskPort(raw)
	case err != nil:
		return unparsable
	case u.User == nil && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "":
		return maskPort(raw)
	}
	u.User = nil
	maskQuery(u, shown)
	return u.String()
}

// atAfterHost reports whether u holds an '@' after its host, in its
// path, query or fragment: user information may have been read short, a
// user name with an '@' and a password with a '/' as it is
// ("http://me@corp.example:12/pw@host" parses as user "me", host
// "corp.example", port 12 and path "/pw@host").
func atAfterHost(u *url.URL) bool {
	return strings.Contains(u.EscapedPath()+u.RawQuery+u.EscapedFragment(), "@")
}

// maskBeforeAt shows raw, a string with an '@' that url.Parse did not
// read as user information, with everything before its last '@' as
// "REDACTED" but its scheme and the ':' and '/' after it as written
// ("http:/u:pw@127.0.0.1:1" gives "http:/REDACTED@127.0.0.1:1"), so that
// a reader sees the mistake without the password whatever the parse made
// of it. A scheme followed by ':' alone is kept when it is http or https
// only: "u:pw@host" may be a user name and its password. It is
// "(unparsable URL)" when what follows the last '@' is not a plain host,
// port and path: a query, a fragment, a space or a character a host or
// path does not hold may be the rest of a secret, the '@' one of a query.
func maskBeforeAt(raw string) string {
	at := strings.LastIndex(raw, "@")
	before, tail := raw[:at], raw[at+1:]
	if !plainHostPath(tail) || strings.ContainsAny(before, "?#") {
		return unparsable
	}
	return schemePrefix(before) + redactedValue + "@" + maskPort(tail)
}

// maskPort returns raw with the port of its host shown as "REDACTED"
// when it is not a number ("http://u:S3cr3t" gives "http://u:REDACTED",
// "proxy:pw" "proxy:REDACTED"): with no '@', a password whose user
// name lost its '@' and host reads as a port, and a port that is not a
// number is wrong whatever it is (url.Parse refuses it; see
// parseFailure, which says so without it); digits with a space after
// them are shown. The host is what follows raw's scheme (see
// schemePrefix) or its first "//", mistyped or not, up to the next '/';
// a URL url.Parse reads has a port of digits, and is returned unchanged.
func maskPort(raw string) string {
	start := len(schemePrefix(raw))
	if i := strings.IndexByte(raw, '/'); i >= 0 && strings.HasPrefix(raw[i:], "//") {
		start = max(start, i+2) // " http://", "http ://", "//"
	}
	for start < len(raw) && raw[start] == '/' {
		start++
	}
	end := len(raw)
	if i := strings.IndexByte(raw[start:], '/'); i >= 0 {
		end = start + i
	}
	colon := strings.LastIndexByte(raw[start:end], ':')
	if colon < 0 || strings.Contains(raw[start+colon:end], "]") { // none, or inside an IPv6 address
		return raw
	}
	if port := raw[start+colon+1 : end]; strings.Trim(strings.TrimSpace(port), "0123456789") == "" {
		return raw // a number, maybe with a space after it: no password
	}
	return raw[:start+colon+1] + redactedValue + raw[end:]
}

// schemePrefix is the scheme at the start of s with the ':' and '/' that
// follow it ("http:/", "http//", "https:"), "" when s starts otherwise or
// its scheme is followed by ':' alone and is not http or https.
func schemePrefix(s string) string {
	i := 0
	for i < len(s) && (isLetter(s[i]) || i > 0 && (isDigit(s[i]) || strings.IndexByte("+.-", s[i]) >= 0)) {
		i++
	}
	if i == 0 {
		return ""
	}
	j := i
	for j < len(s) && (s[j] == ':' || s[j] == '/') {
		j++
	}
	switch scheme, sep := s[:i], s[i:j]; {
	case strings.Contains(sep, "/"):
		return s[:j]
	case sep != "" && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")):
		return s[:j]
	}
	return ""
}

// plainHostPath reports whether s is a host (a name, an address, an IPv6
// address in brackets, whole or not), a port and a path, of the
// characters those hold unreserved, and nothing else.
func plainHostPath(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && strings.IndexByte(".-_~:[]%/", c) < 0 {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// maskQuery shows the value of each query parameter of u but those named
// in shown, a parameter without '=' whole, and its fragment as "REDACTED".
func maskQuery(u *url.URL, shown []string) {
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			if name, _, ok := strings.Cut(p, "="); ok {
				if !slices.Contains(shown, name) {
					parts[i] = name + "=" + redactedValue
				}
			} else if p != "" {
				parts[i] = redactedValue
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = redactedValue, ""
	}
}

// redactedValue is what StripCredentials and MaskURL show in place of a
// query value or user information.
const redactedValue = "REDACTED"

// MaskURL returns raw as an error message may quote a URL it refuses: its
// user information shown as "REDACTED", and its query and fragment masked
// as StripCredentials masks them ("http://u:pw@host/?key=k" gives
// "http://REDACTED@host/?key=REDACTED"), so that the reader sees what is
// wrong without the secret. A URL with none of those is returned
// unchanged, and a string that is not a URL, or holds an '@' url.Parse
// did not read as user information, is shown as StripCredentials shows
// it; a port that is not a number is shown as "REDACTED" (see maskPort).
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.User == nil || atAfterHost(u)) && strings.Contains(raw, "@") {
		return StripCredentials(raw)
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return maskPort(raw)
	}
	if u.User != nil {
		u.User = url.User(redactedValue)
	}
	maskQuery(u, nil)
	return u.String()
}

// plainHTTP reports whether u is an http:// URL, in any letter case.
func plainHTTP(u string) bool {
	scheme, _, ok := strings.Cut(strings.TrimSpace(u), "://")
	return ok && strings.EqualFold(scheme, "http")
}
