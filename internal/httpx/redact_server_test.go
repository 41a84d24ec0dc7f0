package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
