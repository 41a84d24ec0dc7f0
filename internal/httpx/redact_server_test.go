package httpx

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// echoServer starts a loopback server, closed with the test, answering
// every request with status and what answer makes of it.
func echoServer(t *testing.T, status int, answer func(r *http.Request) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer(r)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// errorBody sends one request to url through a Poster of secrets, with
// header, and returns the body of the HTTPError it fails with.
func errorBodyOf(t *testing.T, url string, header http.Header, secrets ...string) string {
	t.Helper()
	p := &Poster{Client: NewDefaultClient(), Attempts: 1, Secrets: secrets}
	_, err := p.Do(context.Background(), Request{Op: "callback", URL: url, Header: header, Body: []byte("{}")})
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("Do: %v, want an *HTTPError", err)
	}
	return he.Body
}

// TestReadErrorBodyStraddle checks that a copy of the token cut by the read
// limit shows none of its characters, wherever the limit cuts it: 40
// copies before it, each redacted to a shorter text, would move its start
// inside the 4 KiB kept (as t80's /strad answer does).
func TestReadErrorBodyStraddle(t *testing.T) {
	const tok = `t80TOKcoreA"b\c/d+e%2Ff&g<h>i=j`
	srv := echoServer(t, http.StatusUnauthorized, func(r *http.Request) string {
		k, _ := strconv.Atoi(r.URL.Query().Get("k"))
		pre := strings.Repeat(tok+" ", 40)
		filler := strings.Repeat("x", maxErrorBody+16*len(tok)-k-len(pre))
		return pre + filler + tok + " tail"
	})
	for k := 1; k < len(tok); k++ {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			body := errorBodyOf(t, srv.URL+"/?k="+strconv.Itoa(k), http.Header{"Authorization": {"Bearer " + tok}}, tok)
			if rest := strings.Trim(strings.ReplaceAll(body, Redacted, ""), " x"); rest != "" {
				t.Errorf("body keeps %q of the token", rest)
			}
			if !strings.HasPrefix(body, Redacted+" ") || len(body) > maxErrorBody {
				t.Errorf("body = %q (%d bytes), want the redacted start, at most %d bytes", body[:min(len(body), 40)], len(body), maxErrorBody)
			}
		})
	}
}

// TestRedactTravelForms checks that a secret is redacted in the encodings
// of the forms it travelled in: a server (t80's /b64url, a Shodan endpoint
// or a WAF) echoing the request line in base64 or hex encodes the key as
// the client sent it, query- or path-escaped.
func TestRedactTravelForms(t *testing.T) {
	const key = `t80SHOcoreT"u\v/w+x%y&z‹é>1`
	query := url.Values{"key": {key}, "query": {"port:22"}}.Encode()
	tests := []struct {
		name, target string // target: the request's path and query
		header       http.Header
		echo         func(r *http.Request) string
		secret       string // the secret's part of the echo, which must not show
	}{
		{name: "base64 of the request line, key in the query", target: "/b64url?" + query,
			echo:   func(r *http.Request) string { return b64("GET " + r.URL.RequestURI()) },
			secret: coreOf(base64.StdEncoding, "GET /b64url?key=", url.QueryEscape(key))},
		{name: "base64url of the request line, key in the query", target: "/b64url?" + query,
			echo: func(r *http.Request) string {
				return base64.RawURLEncoding.EncodeToString([]byte("GET " + r.URL.RequestURI()))
			},
			secret: coreOf(base64.RawURLEncoding, "GET /b64url?key=", url.QueryEscape(key))},
		{name: "hex of the request line, key in the query", target: "/hex?" + query,
			echo:   func(r *http.Request) string { return hex.EncodeToString([]byte("GET " + r.URL.RequestURI())) },
			secret: hex.EncodeToString([]byte(url.QueryEscape(key)))},
		{name: "base64 of the path, token in the path", target: "/t/" + url.PathEscape(key) + "/x",
			echo:   func(r *http.Request) string { return b64(r.URL.EscapedPath()) },
			secret: coreOf(base64.StdEncoding, "/t/", url.PathEscape(key))},
		{name: "hex of the Authorization header", target: "/h",
			header: http.Header{"Authorization": {"Bearer " + key}},
			echo:   func(r *http.Request) string { return hex.EncodeToString([]byte(r.Header.Get("Authorization"))) },
			secret: hex.EncodeToString([]byte(key))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := echoServer(t, http.StatusUnauthorized, func(r *http.Request) string {
				return `{"error": "request was ` + tt.echo(r) + `"}`
			})
			body := errorBodyOf(t, srv.URL+tt.target, tt.header, key)
			if strings.Contains(strings.ToLower(body), strings.ToLower(tt.secret)) || !strings.Contains(body, Redacted) {
				t.Errorf("body = %q, want its secret part %q redacted", body, tt.secret)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// coreOf returns the characters of enc(before + secret) that hold bits of
// secret alone.
func coreOf(enc *base64.Encoding, before, secret string) string {
	k := len(before)
	return enc.EncodeToString([]byte(before + secret))[(8*k+5)/6 : 8*(k+len(secret))/6]
}
