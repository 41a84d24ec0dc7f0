package httpx_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// A forward proxy of a plain-http backend that quotes the credentials it
// was sent (its Proxy-Authorization header decoded, or as it came) in its
// own error answer, or in the Location of a redirect: the proxy's password
// (HTTPS_PROXY, HTTP_PROXY) is none of the Poster's Secrets, yet it is
// redacted from the error and the retry lines as they are, since the
// Poster knows the proxy its client sent the request through.
func TestPosterRedactsTheProxyCredentials(t *testing.T) {
	const user, pass = "alice", "Pr0xy+S3cret/Pass="
	tests := []struct {
		name   string
		status int
		echo   func(r *http.Request) string
	}{
		{"password in a 502", http.StatusBadGateway, func(r *http.Request) string {
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Proxy-Authorization"), "Basic "))
			return "upstream failed; your credentials " + string(b)
		}},
		{"header in a 407", http.StatusProxyAuthRequired, func(r *http.Request) string {
			return "refused: " + r.Header.Get("Proxy-Authorization")
		}},
		{"password URL-encoded in a 400", http.StatusBadRequest, func(*http.Request) string {
			return "bad user " + url.QueryEscape(pass)
		}},
		{"password in a redirect", http.StatusFound, func(*http.Request) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.status == http.StatusFound {
					w.Header().Set("Location", "http://127.0.0.1:1/login/"+url.PathEscape(pass))
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.echo(r)))
			}))
			t.Cleanup(proxy.Close)
			hc, err := httpx.NewClient(httpx.TLS{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pu, _ := url.Parse(proxy.URL)
			pu.User = url.UserPassword(user, pass)
			httpx.Transport(hc).Proxy = http.ProxyURL(pu)
			log, logs := testkit.Logger()
			p := httpx.Poster{Client: hc, Attempts: 2, Secrets: []string{"backend-token-1234"}, Log: log, Timer: &httpxtest.Timer{},
				Retryable: func(int, string) bool { return true }}
			_, err = p.Do(context.Background(), httpx.Request{Op: "callback", URL: "http://backend.invalid/cb", Body: []byte(`{}`)})
			var he *httpx.HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("Do = %v, want an *HTTPError", err)
			}
			basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
			texts := []string{err.Error(), he.Body, he.Location}
			for _, e := range logs.All() {
				line, _ := json.Marshal(e.ContextMap())
				texts = append(texts, e.Message, string(line))
			}
			for _, s := range texts {
				for _, secret := range []string{pass, url.QueryEscape(pass), url.PathEscape(pass), basic} {
					if strings.Contains(s, secret) {
						t.Errorf("%q shows the proxy's credentials (%q)", s, secret)
					}
				}
			}
		})
	}
}

// A server redirecting to a Location that does not parse, the token in
// it: net/http fails the request quoting the Location, which redaction
// cuts whole, and the parse error, which quotes a piece of it (the
// escape "%\"<", the port "Tok+en"), which no redaction of the whole
// token can find. The error shows neither piece.
func TestPosterUnparsableLocationShowsNoPiece(t *testing.T) {
	const token = `Tok+en/=&%"<>\abcdefGHIJ`
	tests := []struct {
		name, location string
		pieces         []string
	}{
		{"escape in the fragment", "/login#" + token, []string{`%\"<`, `%"<`}},
		{"escape in the path", "/login/" + token, []string{`%\"<`, `%"<`}},
		{"the port", "http://127.0.0.1:" + token, []string{"Tok+en", "Tok"}},
		{"escape in the host", "http://" + strings.ToLower(url.QueryEscape(token)) + ".example/", []string{"%2b", "%2f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Location"] = []string{tt.location}
				w.WriteHeader(http.StatusFound)
			}))
			t.Cleanup(srv.Close)
			log, logs := testkit.Logger()
			p := httpx.Poster{Client: httpx.NewDefaultClient(), Attempts: 2, Secrets: []string{token}, Log: log, Timer: &httpxtest.Timer{}}
			_, err := p.Do(context.Background(), httpx.Request{Op: "callback", URL: srv.URL + "/cb", Body: []byte(`{}`)})
			if err == nil {
				t.Fatal("Do = nil, want the redirect's failure")
			}
			texts := []string{err.Error()}
			for _, e := range logs.All() {
				line, _ := json.Marshal(e.ContextMap())
				texts = append(texts, string(line))
			}
			for _, s := range texts {
				for _, piece := range tt.pieces {
					if strings.Contains(s, piece) {
						t.Errorf("%q shows %q, a piece of the token", s, piece)
					}
				}
			}
		})
	}
}

// A value holding a secret, quoted cut short (signatures.Shorten: its
// first bytes and "…", as a refused inject id of 326 bytes is quoted by
// its first 64), holds none of the secret's forms whole: the start of the
// secret before the mark is redacted all the same, from 8 bytes of it,
// and a text cut elsewhere keeps its bytes.
func TestRedactSecretCutShort(t *testing.T) {
	token := "eyJhbGciOiJIUzI1NiJ9." + strings.Repeat("QWxvbmdKV1RwYXlsb2Fk", 15) + ".sig9"
	quoted := strings.Trim(strconv.Quote(`Tok"en\`+token), `"`)
	tests := []struct {
		name, text, want string
	}{
		{"the start of an inject id", `invalid inject_id "` + token[:64] + `…": 326 bytes long`, `invalid inject_id "[REDACTED]…": 326 bytes long`},
		{"after other text", `invalid phase "run-` + token[:40] + `…"`, `invalid phase "run-[REDACTED]…"`},
		{"upper case", `"` + strings.ToUpper(token[:30]) + `…"`, `"[REDACTED]…"`},
		{"JSON-escaped", `"` + quoted[:50] + `…"`, `"[REDACTED]…"`},
		{"twice", token[:20] + "… and " + token[:30] + "…", "[REDACTED]… and [REDACTED]…"},
		{"after a mark opening the text", `…: invalid inject_id "` + token[:30] + `…"`, `…: invalid inject_id "[REDACTED]…"`},
		{"fewer than 8 bytes", `"x` + token[:7] + `…"`, `"x` + token[:7] + `…"`},
		{"not before the mark", token[:40] + " and more…", token[:40] + " and more…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := httpx.Redact(tt.text, token, `Tok"en\`+token); got != tt.want {
				t.Errorf("Redact(%q)\n = %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}
