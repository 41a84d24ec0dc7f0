package shodantest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type page struct {
	Matches []json.RawMessage `json:"matches"`
	Total   int               `json:"total"`
	Error   string            `json:"error"`
}

func get(t *testing.T, s *Server, path string, params url.Values) (int, page) {
	t.Helper()
	resp, err := http.Get(s.URL + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p page
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("decode: %v", err)
	}
	return resp.StatusCode, p
}

func TestServerSpeaksHostSearch(t *testing.T) {
	s := NewServer("k")
	defer s.Close()
	s.SetMinInterval(0) // back to back: TestServerRate tests the rate
	tests := []struct {
		name       string
		path       string
		params     url.Values
		wantStatus int
		wantError  string
		wantTotal  int
		wantN      int
	}{
		{"no key", "/shodan/host/search", url.Values{"query": {"apache"}}, 401, MsgNoKey, 0, 0},
		{"no query", "/shodan/host/search", url.Values{"key": {"k"}}, 400, MsgNoQuery, 0, 0},
		{"bad page", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"apache"}, "page": {"0"}}, 400, MsgBadPage, 0, 0},
		{"unknown path", "/shodan/host/count", url.Values{"key": {"k"}, "query": {"apache"}}, 404, "Not found", 0, 0},
		{"page 1 by default", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"apache"}}, 200, "", 250, 100},
		{"last page", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"apache"}, "page": {"3"}}, 200, "", 250, 50},
		{"past the end", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"apache"}, "page": {"4"}}, 200, "", 250, 0},
		{"ip filter", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"apache ip:127.0.0.1"}}, 200, "", 1, 1},
		{"ipv6 filter", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"nginx ip:2001:db8::15"}}, 200, "", 1, 1},
		{"hostname suffix", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"nginx hostname:example.com"}}, 200, "", 8, 8},
		{"port filter", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"port:443"}}, 200, "", 93, 93},
		{"terms over lines", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"nginx\r\n\tport:443"}}, 200, "", 13, 13},
		{"a filter's values OR-ed", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"port:80,443"}}, 200, "", 176, 100},
		{"quoted values OR-ed", "/shodan/host/search", url.Values{"key": {"k"}, "query": {`org:"Sample Telecom KK,Example Hosting SAS"`}}, 200, "", 135, 100},
		{"values OR-ed, filters AND-ed", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"port:80,8080 product:nginx"}}, 200, "", 0, 0},
		{"quoted phrase", "/shodan/host/search", url.Values{"key": {"k"}, "query": {`"Apache/2.4.49 (Ubuntu)"`}}, 200, "", 48, 48},
		{"quoted phrase holding a colon", "/shodan/host/search", url.Values{"key": {"k"}, "query": {`"Server: nginx/1.18.0"`}}, 200, "", 7, 7},
		{"no match", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"wordpress"}}, 200, "", 0, 0},
		// Free text searches the banner's data alone: "Telecom" is in 76
		// banners' org, "httpd" in 250 products, neither in any data.
		{"free text not in org", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"Telecom"}}, 200, "", 0, 0},
		{"free text not in product", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"httpd"}}, 200, "", 0, 0},
		{"org filter", "/shodan/host/search", url.Values{"key": {"k"}, "query": {"org:Telecom"}}, 200, "", 76, 76},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, p := get(t, s, tt.path, tt.params)
			if status != tt.wantStatus || p.Error != tt.wantError {
				t.Fatalf("status %d error %q, want %d %q", status, p.Error, tt.wantStatus, tt.wantError)
			}
			if status == 200 && (p.Total != tt.wantTotal || len(p.Matches) != tt.wantN) {
				t.Errorf("total %d, %d matches; want %d, %d", p.Total, len(p.Matches), tt.wantTotal, tt.wantN)
			}
		})
	}
}

// TestServerRefusesAnUnknownKeyWithHTML checks Shodan's answer to a key it
// does not know: 401 with nginx's HTML page, no JSON error body, as
// shodan-python expects it (a 401 body starting with "<").
func TestServerRefusesAnUnknownKeyWithHTML(t *testing.T) {
	s := NewServer("k")
	defer s.Close()
	resp, err := http.Get(s.URL + "/shodan/host/search?" + url.Values{"key": {"x"}, "query": {"apache"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.HasPrefix(string(body), "<html>") || json.Valid(body) {
		t.Errorf("unknown key: %d %s %q, want 401 text/html with nginx's 401 page", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestServerPagesAreTheFixtures checks that the unfiltered "apache" query
// serves the fixture pages as they are.
func TestServerPagesAreTheFixtures(t *testing.T) {
	s := NewServer("k")
	defer s.Close()
	s.SetMinInterval(0)
	for i, name := range []string{"apache-page-1.json", "apache-page-2.json", "apache-page-3.json"} {
		var want page
		if err := json.Unmarshal(Fixture(name), &want); err != nil {
			t.Fatal(err)
		}
		_, got := get(t, s, "/shodan/host/search", url.Values{"key": {"k"}, "query": {"apache"}, "page": {string(rune('1' + i))}})
		if got.Total != want.Total || len(got.Matches) != len(want.Matches) {
			t.Fatalf("%s: total %d, %d matches; want %d, %d", name, got.Total, len(got.Matches), want.Total, len(want.Matches))
		}
		for j := range want.Matches {
			if !jsonEqual(t, got.Matches[j], want.Matches[j]) {
				t.Fatalf("%s: match %d differs", name, j)
			}
		}
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		t.Fatal("bad JSON")
	}
	ab, _ := json.Marshal(x)
	bb, _ := json.Marshal(y)
	return string(ab) == string(bb)
}

func TestServerQueuedReplies(t *testing.T) {
	s := NewServer("k")
	defer s.Close()
	s.Enqueue(Reply{Status: 429, Header: http.Header{"Retry-After": {"3"}}, Body: ErrorBody("Rate limit reached")},
		Reply{Status: 500})
	params := url.Values{"key": {"k"}, "query": {"nginx"}}
	resp, err := http.Get(s.URL + "/shodan/host/search?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("first reply %d Retry-After %q, want 429 3", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if status, _ := get(t, s, "/shodan/host/search", params); status != 500 {
		t.Errorf("second reply %d, want 500", status)
	}
	if status, p := get(t, s, "/shodan/host/search", params); status != 200 || p.Total != 13 {
		t.Errorf("third reply %d total %d, want a search", status, p.Total)
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[0].Query != "nginx" || reqs[0].Key != "k" || reqs[0].Method != "GET" {
		t.Errorf("requests = %+v", reqs)
	}
	select {
	case <-s.Requested(3):
	default:
		t.Error("Requested(3) not closed after 3 requests")
	}
	select {
	case <-s.Requested(4):
		t.Error("Requested(4) closed after 3 requests")
	default:
	}
}

func TestServerDelayedReplyHonoursCancellation(t *testing.T) {
	s := NewServer("k")
	defer s.Close()
	s.Enqueue(Reply{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.Requested(1) // the request is in, its answer held back
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/shodan/host/search?key=k&query=x", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the client's cancellation", err)
	}
	s.Close() // returns only once the delayed handler has given up
}

func TestTokenize(t *testing.T) {
	got := tokenize("apache  \"Index of /\" port:80 \r\n\torg:\"A\tB\"")
	want := []string{"apache", `"Index of /"`, "port:80", "org:\"A\tB\""}
	if len(got) != len(want) {
		t.Fatalf("tokenize = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("tokenize = %q, want %q", got, want)
		}
	}
}
