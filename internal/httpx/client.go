package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
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

// plainHTTP reports whether u is an http:// URL, in any letter case.
func plainHTTP(u string) bool {
	scheme, _, ok := strings.Cut(strings.TrimSpace(u), "://")
	return ok && strings.EqualFold(scheme, "http")
}
