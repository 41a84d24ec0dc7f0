package recorder

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

func get(t *testing.T, url string) (int, string, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestBackendScript(t *testing.T) {
	tests := []struct {
		name    string
		backend func(t *testing.T) *Backend
		want    []string // status and body of each answer
	}{
		{"statuses then 200", func(t *testing.T) *Backend { return New(t, 503, 429) },
			[]string{"503 ", "429 ", "200 ", "200 "}},
		{"replies then 200", func(t *testing.T) *Backend {
			return NewScripted(t, append(Repeat(2, 502, "busy"), Reply{Body: "ok"})...)
		}, []string{"502 busy", "502 busy", "200 ok", "200 "}},
		{"a later reply", func(t *testing.T) *Backend {
			b := New(t, 500)
			b.SetReply(Reply{Status: 404, Body: "gone (%s)", Echo: "User-Agent"})
			return b
		}, []string{"500 ", "404 gone (Go-http-client/1.1)", "404 gone (Go-http-client/1.1)"}},
		{"a handler", func(t *testing.T) *Backend {
			return NewFunc(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					w.WriteHeader(http.StatusConflict)
				}
				fmt.Fprint(w, n)
			})
		}, []string{"200 0", "409 1", "200 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.backend(t)
			var got []string
			for range tt.want {
				code, body, err := get(t, b.URL+"/p%2Fq?x=1")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprint(code, " ", body))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("answers %q, want %q", got, tt.want)
			}
			reqs := b.Requests()
			if len(reqs) != len(tt.want) || b.Len() != len(tt.want) {
				t.Fatalf("%d requests recorded, want %d", len(reqs), len(tt.want))
			}
			for i, r := range reqs {
				if r.Method != http.MethodGet || r.Path != "/p%2Fq" || r.Query != "x=1" || r.At.IsZero() ||
					fmt.Sprint(r.Status) != strings.Fields(tt.want[i])[0] {
					t.Errorf("request %d recorded as %+v", i, r)
				}
			}
		})
	}
}

func TestBackendCutAndAnswered(t *testing.T) {
	b := NewScripted(t, Reply{Cut: true}, Reply{Status: 201, Header: http.Header{"X-Seen": {"yes"}}})
	if _, _, err := get(t, b.URL); err == nil {
		t.Fatal("a cut connection gave an answer")
	}
	resp, err := http.Post(b.URL, "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("X-Seen") != "yes" {
		t.Errorf("answer %d %v", resp.StatusCode, resp.Header)
	}
	reqs := b.Requests()
	if reqs[0].Status != 0 {
		t.Errorf("cut request recorded with status %d", reqs[0].Status)
	}
	ok := b.Answered()
	if len(ok) != 1 || string(ok[0].Body) != "body" || ok[0].Method != http.MethodPost {
		t.Errorf("answered %+v", ok)
	}
}

func TestBackendHold(t *testing.T) {
	b := New(t)
	b.Hold()
	done := make(chan int, 1)
	go func() {
		code, _, _ := get(t, b.URL)
		done <- code
	}()
	b.Await(t, 1)
	select {
	case code := <-done:
		t.Fatalf("answered %d while held", code)
	case <-time.After(20 * time.Millisecond):
	}
	if r := b.Requests(); r[0].Status != 0 {
		t.Errorf("held request recorded with status %d", r[0].Status)
	}
	b.Release()
	if code := <-done; code != 200 {
		t.Errorf("answer %d after release", code)
	}
	testkit.WaitFor(t, time.Minute, "the status recorded", func() bool { return b.Requests()[0].Status == 200 }, &b.sig)
}

// A handler reads the body the backend recorded.
func TestBackendFuncReadsBody(t *testing.T) {
	b := NewFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	})
	resp, err := http.Post(b.URL, "text/plain", strings.NewReader("ping"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != "ping" || string(b.Requests()[0].Body) != "ping" {
		t.Errorf("answer %q, recorded %q", got, b.Requests()[0].Body)
	}
}

// A request through ReverseProxy reaches the backend behind it, path and
// body as sent, and its answer comes back.
func TestReverseProxy(t *testing.T) {
	b := NewFunc(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	front := httptest.NewServer(testkit.ReverseProxy(t, b.URL))
	defer front.Close()
	resp, err := http.Post(front.URL+"/api/x", "text/plain", strings.NewReader("ping"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if reqs := b.Requests(); resp.StatusCode != http.StatusAccepted || len(reqs) != 1 ||
		reqs[0].Path != "/api/x" || string(reqs[0].Body) != "ping" {
		t.Errorf("status %d, backend got %+v", resp.StatusCode, reqs)
	}
}
