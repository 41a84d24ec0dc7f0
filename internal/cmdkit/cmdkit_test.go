package cmdkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPost(t *testing.T) {
	type seen struct{ auth, ctype, body string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)}
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, strings.Repeat("x", 1<<16)) // drained, not read
	}))
	defer srv.Close()
	tests := []struct {
		name, path, token string
		status            int
		auth, err         string
	}{
		{"with token", "/ok", "tok", 200, "Bearer tok", ""},
		{"without token", "/ok", "", 200, "", ""},
		{"refused", "/down", "tok", 503, "Bearer tok", "status 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, err := Post(srv.Client(), srv.URL+tt.path, tt.token, []byte(`{"a":1}`))
			if err != nil || status != tt.status {
				t.Fatalf("Post = %d, %v; want %d", status, err, tt.status)
			}
			if s := <-got; s != (seen{tt.auth, "application/json", `{"a":1}`}) {
				t.Errorf("server saw %+v", s)
			}
			err = PostOK(srv.Client(), srv.URL+tt.path, tt.token, nil)
			<-got
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if msg != tt.err {
				t.Errorf("PostOK = %v, want %q", err, tt.err)
			}
		})
	}
	if _, err := Post(srv.Client(), "http://127.0.0.1:0/", "", nil); err == nil {
		t.Error("Post to port 0: no error")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "addr")
	for _, s := range []string{"127.0.0.1:1", "127.0.0.1:65535"} { // replaced whole
		if err := WriteFile(name, s); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(name); err != nil || string(b) != s {
			t.Fatalf("read %q, %v; want %q", b, err, s)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "addr"), "x"); err == nil {
		t.Error("no error for a missing folder")
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8089": true,
		"127.1.2.3:80":   true,
		"[::1]:8089":     true,
		"localhost:8089": true,
		"0.0.0.0:8089":   false,
		":8089":          false,
		"192.0.2.1:8089": false,
		"[::]:8089":      false,
		"127.0.0.1":      false,
		"example.com:80": false,
	} {
		if err := CheckLoopback(addr); (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}
