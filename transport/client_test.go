package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// fast retries for tests: 4 attempts, waits of 10, 20 and 40 ms.
var fastRetry = WithRetry(4, 10*time.Millisecond)

func TestSendSuccess(t *testing.T) {
	for _, code := range []int{http.StatusOK, http.StatusAccepted, http.StatusNoContent} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			be := answering(t, code, `{"ok":true}`)
			c, err := New(be.URL, WithToken("s3cret-token"), WithProduct("injectkit", "1.2.3"), fastRetry)
			if err != nil {
				t.Fatal(err)
			}
			p := payloadOf(2)
			res, err := c.Send(context.Background(), "inj-42", "post", p)
			if err != nil {
				t.Fatal(err)
			}
			reqs := be.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/api/injects/inj-42/callback" {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
			wantHeaders := map[string]string{
				"Authorization": "Bearer s3cret-token",
				"Content-Type":  "application/json",
				"User-Agent":    "injectkit/1.2.3",
			}
			for k, v := range wantHeaders {
				if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if r.Chunked {
				t.Error("body sent without Content-Length")
			}
			want, _ := Bodies("inj-42", "post", p, 0)
			if !bytes.Equal(r.Body, want[0]) {
				t.Errorf("body =\n%s\nwant\n%s", r.Body, want[0])
			}
			w := decodeBody(t, r.Body)
			slices.Sort(w.keys)
			if !slices.Equal(w.keys, []string{"expectation_signature", "phase"}) || w.Phase != "post" || len(w.Targets) != 2 {
				t.Errorf("body shape: keys %v phase %q targets %d", w.keys, w.Phase, len(w.Targets))
			}
			if res != (Result{Chunks: 1, Bytes: len(want[0]), Attempts: 1}) {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

func TestSendRequestShape(t *testing.T) {
	be := recorder.New(t)
	tests := []struct {
		name, base, id, wantPath string
		opts                     []Option
		wantAuth                 bool
	}{
		{"no token", be.URL, "abc", "/api/injects/abc/callback", nil, false},
		{"escaped id", be.URL, "a b/c?d", "/api/injects/a%20b%2Fc%3Fd/callback", []Option{WithToken("t0k")}, true},
		{"path prefix", be.URL + "/openaev/", "x", "/openaev/api/injects/x/callback", []Option{WithToken("t0k")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.base, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			n := len(be.Requests())
			if _, err := c.Send(context.Background(), tt.id, "pre", payloadOf(1)); err != nil {
				t.Fatal(err)
			}
			r := be.Requests()[n]
			if r.Path != tt.wantPath {
				t.Errorf("path = %s, want %s", r.Path, tt.wantPath)
			}
			if _, ok := r.Header["Authorization"]; ok != tt.wantAuth {
				t.Errorf("Authorization present = %v, want %v", ok, tt.wantAuth)
			}
			if ua := r.Header.Get("User-Agent"); ua != "injectkit/dev" {
				t.Errorf("User-Agent = %q", ua)
			}
		})
	}
}

func TestSendChunked(t *testing.T) {
	be := recorder.New(t)
	p := payloadOf(200)
	whole, _ := Bodies("inj", "post", p, 1<<30)
	limit := len(whole[0]) / 4
	c, err := New(be.URL, WithMaxPayloadSize(limit))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(context.Background(), "inj", "post", p)
	if err != nil {
		t.Fatal(err)
	}
	reqs := be.Requests()
	bodies := make([][]byte, len(reqs))
	total := 0
	for i, r := range reqs {
		bodies[i] = r.Body
		total += len(r.Body)
	}
	if len(reqs) < 4 || res.Chunks != len(reqs) || res.Bytes != total {
		t.Fatalf("%d requests, result %+v", len(reqs), res)
	}
	checkChunks(t, bodies, p, limit)
}

func TestSendChunkFailureReportsDelivered(t *testing.T) {
	be := recorder.New(t, http.StatusOK, http.StatusOK, http.StatusUnprocessableEntity)
	p := payloadOf(200)
	whole, _ := Bodies("inj", "post", p, 1<<30)
	c, err := New(be.URL, WithMaxPayloadSize(len(whole[0])/4), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(context.Background(), "inj", "post", p)
	var te *TransmissionError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v", err)
	}
	if !slices.Equal(te.Delivered, []int{0, 1}) || te.Chunk != 2 || te.Total < 4 || te.Status != 422 {
		t.Errorf("error = %+v", te)
	}
	if !strings.Contains(err.Error(), "delivered chunks 0,1") {
		t.Errorf("message %q does not list the delivered chunks", err)
	}
	if res.Chunks != 2 || len(be.Requests()) != 3 {
		t.Errorf("result %+v after %d requests", res, len(be.Requests()))
	}
}

func TestSendNothingWhenInvalid(t *testing.T) {
	be := recorder.New(t)
	c, err := New(be.URL, WithMaxPayloadSize(4096))
	if err != nil {
		t.Fatal(err)
	}
	big := payloadOf(20)
	big.Targets[15].SignatureValues[0].Values = []signatures.Value{{SignatureType: "blob", SignatureValue: strings.Repeat("y", 5000)}}
	bad := payloadOf(3)
	bad.Targets[2].SignatureValues[1].ExpectationType = "DETECTED"
	tests := []struct {
		name, id, phase string
		p               signatures.Payload
		target          error
	}{
		{"target too large", "inj", "post", big, ErrTargetTooLarge},
		{"unknown type", "inj", "post", bad, nil},
		{"empty id", "", "post", payloadOf(1), nil},
		{"empty phase", "inj", "", payloadOf(1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Send(context.Background(), tt.id, tt.phase, tt.p)
			var ve *ValidationError
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.target != nil && !errors.Is(err, tt.target):
				t.Errorf("error = %v, want %v", err, tt.target)
			case tt.target == nil && !errors.As(err, &ve):
				t.Errorf("error = %v, want a *ValidationError", err)
			}
			if n := len(be.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestHeaderHook(t *testing.T) {
	be := recorder.New(t, http.StatusOK, http.StatusBadGateway)
	p := payloadOf(60)
	whole, _ := Bodies("inj", "post", p, 1<<30)
	hook := func(i int, body []byte) http.Header {
		h := http.Header{}
		h.Set("Idempotency-Key", "inj-"+string(rune('a'+i)))
		h.Set("Authorization", "Bearer hijacked")
		h.Set("X-Body-Len", http.StatusText(0)+string(rune('0'+len(body)%10)))
		return h
	}
	c, err := New(be.URL, WithMaxPayloadSize(len(whole[0])/2), WithHeader(hook), WithToken("real"), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), "inj", "post", p); err != nil {
		t.Fatal(err)
	}
	reqs := be.Requests()
	var keys []string
	for _, r := range reqs {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		if got := r.Header.Values("Authorization"); !slices.Equal(got, []string{"Bearer real"}) {
			t.Errorf("Authorization = %q", got)
		}
		if want := string(rune('0' + len(r.Body)%10)); r.Header.Get("X-Body-Len") != want {
			t.Errorf("hook saw another body: %q, want %q", r.Header.Get("X-Body-Len"), want)
		}
	}
	// The retried body carries the same key.
	if len(keys) < 3 || keys[0] != "inj-a" || keys[1] != "inj-b" || keys[2] != "inj-b" {
		t.Errorf("keys = %q", keys)
	}
}

func TestPostBody(t *testing.T) {
	be := recorder.New(t)
	c, err := New(be.URL, WithToken("tok"))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"phase":"pre","expectation_signature":{"targets":[]}}`)
	if err := c.PostBody(context.Background(), "i/1", 0, body); err != nil {
		t.Fatal(err)
	}
	r := be.Requests()[0]
	if !bytes.Equal(r.Body, body) || r.Path != "/api/injects/i%2F1/callback" {
		t.Errorf("got %s %s", r.Path, r.Body)
	}
	var ve *ValidationError
	if err := c.PostBody(context.Background(), "", 0, body); !errors.As(err, &ve) {
		t.Errorf("empty id: %v", err)
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name  string
		base  string
		opts  []Option
		field string
	}{
		{"ftp", "ftp://127.0.0.1/", nil, "base_url"},
		{"no scheme", "127.0.0.1:8080", nil, "base_url"},
		{"no host", "http:///x", nil, "base_url"},
		{"query", "http://127.0.0.1/?a=b", nil, "base_url"},
		{"garbage", "http://[::1", nil, "base_url"},
		{"port out of range", "http://127.0.0.1:99999", nil, "base_url"},
		{"port zero", "http://127.0.0.1:0/x", nil, "base_url"},
		{"port not a number", "http://127.0.0.1:abc", nil, "base_url"},
		{"empty port", "http://127.0.0.1:", nil, "base_url"},
		{"port without host", "http://:8080", nil, "base_url"},
		{"IPv6 literal not an address", "http://[zz]:80", nil, "base_url"},
		{"payload limit below one target", "http://127.0.0.1", []Option{WithMaxPayloadSize(100)}, "max_payload_size"},
		{"zero attempts", "http://127.0.0.1", []Option{WithRetry(0, time.Second)}, "retry_attempts"},
		{"negative delay", "http://127.0.0.1", []Option{WithRetry(2, -time.Second)}, "retry_delay"},
		{"zero timeout", "http://127.0.0.1", []Option{WithTimeout(0)}, "timeout"},
		{"tiny payload", "http://127.0.0.1", []Option{WithMaxPayloadSize(10)}, "max_payload_size"},
		{"zero payload", "http://127.0.0.1", []Option{WithMaxPayloadSize(0)}, "max_payload_size"},
		{"negative retry-after cap", "http://127.0.0.1", []Option{WithMaxRetryAfter(-1)}, "max_retry_after"},
		{"client and ca", "http://127.0.0.1", []Option{WithHTTPClient(&http.Client{}), WithCAFile("x.pem")}, "http_client"},
		{"token line break", "http://127.0.0.1", []Option{WithToken("a\nb")}, "token"},
		{"bad pem", "http://127.0.0.1", []Option{WithCAFile("testdata/not-a-cert.pem")}, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.base, tt.opts...)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("error = %v, want a *ValidationError on %s", err, tt.field)
			}
		})
	}
	if _, err := New("https://user:pw@127.0.0.1/?x"); err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("error %v shows the URL's password", err)
	}
	if _, err := New("http://127.0.0.1", WithCAFile("testdata/missing.pem")); err == nil {
		t.Error("missing CA file accepted")
	}
}

// A CA file New refuses is a *ValidationError on ca_file whose reason is
// the file's fault and whose chain keeps the read's error.
func TestNewCAFileKeepsItsCause(t *testing.T) {
	junk := testkit.WriteFile(t, "junk.pem", "not a certificate")
	dir := filepath.Dir(junk)
	tests := []struct {
		name   string
		opt    Option
		path   string
		reason string
		cause  error
	}{
		{"no certificate", WithCAFile(junk), junk, "no PEM certificate found", httpx.ErrNoCertificate},
		{"no certificate, read", WithCA(junk, []byte{}), junk, "no PEM certificate found", httpx.ErrNoCertificate},
		{"missing", WithCAFile(filepath.Join(dir, "missing.pem")), filepath.Join(dir, "missing.pem"),
			"no such file or directory", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New("https://127.0.0.1:1", tt.opt)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "ca_file" || ve.Value != tt.path || ve.Reason != tt.reason || !errors.Is(err, tt.cause) {
				t.Errorf("New = %v, want ca_file: %s, %v in its chain", err, tt.reason, tt.cause)
			}
		})
	}
}

// The token never reaches a log line or an error, even when the backend
// echoes it back.
func TestTokenNeverLogged(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	for _, code := range []int{400, 503} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			log, logs := testkit.Logger()
			be := recorder.NewFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "denied", "echo": r.Header.Get("Authorization")})
			})
			c, err := New(be.URL, WithToken(token), WithLogger(log), WithRetry(2, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Send(context.Background(), "inj", "post", payloadOf(1))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error shows the token: %v", err)
			}
			var te *TransmissionError
			if errors.As(err, &te) && strings.Contains(te.Body, token) {
				t.Errorf("error body shows the token: %s", te.Body)
			}
			if !strings.Contains(err.Error(), "[REDACTED]") {
				t.Errorf("error %q lost the redacted echo", err)
			}
			if code >= 500 && logs.Len() == 0 {
				t.Fatal("no retry logged") // the lines checked below
			}
			for _, e := range logs.All() {
				line, _ := json.Marshal(map[string]any{"msg": e.Message, "fields": e.ContextMap()})
				if strings.Contains(string(line), token) {
					t.Errorf("log line shows the token: %s", line)
				}
			}
		})
	}
}
