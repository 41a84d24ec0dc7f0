package httpx

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestPosterRedaction(t *testing.T) {
	var js strings.Builder
	_ = json.NewEncoder(&js).Encode(token)
	echoes := map[string]string{
		"raw":          token,
		"JSON-escaped": strings.TrimSpace(js.String()),
		"URL-encoded":  url.QueryEscape(token),
		"path-escaped": url.PathEscape(token),
	}
	for name, echo := range echoes {
		for _, status := range []int{400, 503} {
			t.Run(name+"/"+http.StatusText(status), func(t *testing.T) {
				srv := newServer(t, recorder.Repeat(2, status, `{"error":"denied","echo":`+echo+`}`)...)
				log, logs := testkit.Logger()
				p := Poster{Client: NewDefaultClient(), Attempts: 2, Secrets: []string{token}, Log: log, Timer: &httpxtest.Timer{}}
				_, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL})
				var he *HTTPError
				if !errors.As(err, &he) {
					t.Fatalf("error = %v", err)
				}
				for _, s := range []string{he.Body, err.Error()} {
					if strings.Contains(s, echo) || strings.Contains(s, token) || !strings.Contains(s, "[REDACTED]") {
						t.Errorf("%q is not redacted", s)
					}
				}
				for _, e := range logs.All() {
					line, _ := json.Marshal(map[string]any{"msg": e.Message, "fields": e.ContextMap()})
					if strings.Contains(string(line), echo) {
						t.Errorf("log line shows the secret: %s", line)
					}
				}
			})
		}
	}
}

func TestPosterNetworkError(t *testing.T) {
	srv := newServer(t)
	base := srv.URL
	srv.Close() // nothing listens any more
	const key = "k3y/+?&"
	u := strings.Replace(base, "http://", "http://user:pa55@", 1) + "/search?key=" + url.QueryEscape(key)
	tests := []struct {
		name      string
		retryable func(int, string) bool
		attempts  int
		exhausted bool
	}{
		{"retried by default", nil, 3, true},
		{"not retried when the predicate refuses status 0", func(s int, _ string) bool { return s >= 500 }, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := testkit.Logger()
			p := Poster{Client: NewDefaultClient(), Attempts: 3, Retryable: tt.retryable, Secrets: []string{key}, Log: log, Timer: &httpxtest.Timer{}}
			_, err := p.Do(context.Background(), Request{Op: "search", Method: http.MethodGet, URL: u})
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != 0 || he.Err == nil || he.Attempts != tt.attempts || he.Exhausted != tt.exhausted {
				t.Fatalf("error = %#v", err)
			}
			var ue *url.Error
			if !errors.As(err, &ue) {
				t.Errorf("the *url.Error is not in the chain of %v", err)
			}
			if errors.Is(err, ErrPermanent) {
				t.Error("a network error is permanent")
			}
			msg := err.Error()
			for _, e := range logs.All() {
				msg += " " + e.ContextMap()["error"].(string)
			}
			if strings.Contains(msg, "pa55") || strings.Contains(msg, url.QueryEscape(key)) || !strings.Contains(msg, "/search?key=") {
				t.Errorf("message and logs %q show a credential or lost the parameter's name", msg)
			}
		})
	}
}

func TestPosterShownURL(t *testing.T) {
	srv := newServer(t)
	srv.Close()
	p := Poster{Client: NewDefaultClient(), Attempts: 1}
	_, err := p.Do(context.Background(), Request{URL: srv.URL + "/?key=secret", Shown: srv.URL + "/?key=HIDDEN"})
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "key=HIDDEN") {
		t.Errorf("error = %v, want the shown URL only", err)
	}
}

// TestPosterRedactsEchoedToken: a loopback backend refuses the request
// (503, then 422) with an error body echoing the Authorization header the
// way a Java backend does (Gson-escaped), or in base64 (the header, a JSON
// object holding the token); neither the error Do returns nor the log
// lines (the Poster's WARN, and the error logged as a caller does,
// JSON-encoded) show the token in any form.
func TestPosterRedactsEchoedToken(t *testing.T) {
	const tok = "it's-dG9rZW4tc2VjcmV0MTIz=="
	gson := strings.NewReplacer("=", `\u003d`, "'", `\u0027`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`)
	tests := []struct {
		name string
		echo func(auth string) string // the error body for the Authorization header
	}{
		{"Gson-escaped token", func(a string) string {
			return `{"message":"invalid token ` + gson.Replace(strings.TrimPrefix(a, "Bearer ")) + `"}`
		}},
		{"Gson-escaped header", func(a string) string { return `{"authorization":"` + gson.Replace(a) + `"}` }},
		{"base64 of the header", func(a string) string {
			return `{"error":"bad credentials","echo":"` + base64.StdEncoding.EncodeToString([]byte(a)) + `"}`
		}},
		{"base64 of a JSON object", func(a string) string {
			return `{"ctx":"` + base64.RawURLEncoding.EncodeToString([]byte(`{"token":"`+strings.TrimPrefix(a, "Bearer ")+`"}`)) + `"}`
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := recorder.NewFunc(t, func(n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(map[bool]int{true: 503, false: 422}[n == 0])
				_, _ = io.WriteString(w, tt.echo(r.Header.Get("Authorization")))
			})
			var logs bytes.Buffer
			log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&logs), zapcore.DebugLevel))
			p := Poster{Client: NewDefaultClient(), Attempts: 2, Secrets: []string{tok}, Log: log, Timer: &httpxtest.Timer{}}
			_, err := p.Do(context.Background(), Request{Op: "callback", URL: srv.URL, Header: http.Header{"Authorization": {"Bearer " + tok}}})
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != 422 || he.Attempts != 2 {
				t.Fatalf("error = %v, want a 422 after 2 attempts", err)
			}
			log.Error("callback failed", zap.Error(err))
			if !strings.Contains(he.Body, Redacted) {
				t.Errorf("body %q: no %s", he.Body, Redacted)
			}
			for _, s := range []string{he.Body, err.Error(), logs.String()} {
				if exposes(s, tok) {
					t.Errorf("%q shows the token", s)
				}
			}
		})
	}
}

// exposes reports whether s shows secret, raw or with any of its
// characters \u-escaped, the backslash doubled any number of times, or in
// base64 inside other text (see base64Shows).
func exposes(s, secret string) bool {
	decoded := unicodeEscape.ReplaceAllStringFunc(s, func(e string) string {
		n, _ := strconv.ParseUint(e[len(e)-4:], 16, 16)
		return string(rune(n))
	})
	return strings.Contains(decoded, secret) || base64Shows(s, secret)
}

var unicodeEscape = regexp.MustCompile(`\\+u[0-9a-fA-F]{4}`)
