package query

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

func TestComposeQuery(t *testing.T) {
	tests := []struct {
		name string
		cfg  signatures.ExternalConfig
		want string
	}{
		{"query only", signatures.ExternalConfig{Query: "apache"}, "apache"},
		{"ipv4 target", signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"}, "apache ip:127.0.0.1"},
		{"hostname target", signatures.ExternalConfig{Query: "product:nginx", TargetHostname: "www.example.com"}, "product:nginx hostname:www.example.com"},
		{"both targets", signatures.ExternalConfig{Query: "port:443", TargetIPv4: "192.0.2.1", TargetHostname: "example.org"}, "port:443 ip:192.0.2.1 hostname:example.org"},
		{"query trimmed", signatures.ExternalConfig{Query: "  apache  ", TargetIPv4: "127.0.0.1"}, "apache ip:127.0.0.1"},
		{"quoted query kept", signatures.ExternalConfig{Query: `http.title:"Index of /"`, TargetIPv4: "127.0.0.1"}, `http.title:"Index of /" ip:127.0.0.1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := composeQuery(tt.cfg); got != tt.want {
				t.Errorf("composeQuery = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSearchURL(t *testing.T) {
	tests := []struct {
		name, base, key, query string
		page                   int
		wantPath               string
	}{
		{"plain", "https://api.shodan.io", "k1", "apache ip:127.0.0.1", 1, "/shodan/host/search"},
		{"base with path", "http://127.0.0.1:8080/proxy/", "k1", "apache", 3, "/proxy/shodan/host/search"},
		{"query that tries to add parameters", "http://127.0.0.1:8080", "k1", `apache&page=9&key=stolen#frag`, 2, "/shodan/host/search"},
		{"quotes, plus and percent", "http://127.0.0.1:8080", "k+/=%", `http.title:"50% off" +x`, 1, "/shodan/host/search"},
		{"unicode", "http://127.0.0.1:8080", "k1", "org:\"Société Générale\"", 1, "/shodan/host/search"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, err := url.Parse(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			u := searchURL(base, tt.key, tt.query, tt.page)
			// Read the URL back as a server would.
			back, err := url.Parse(u.String())
			if err != nil {
				t.Fatal(err)
			}
			if back.Path != tt.wantPath {
				t.Errorf("path = %q, want %q", back.Path, tt.wantPath)
			}
			q := back.Query()
			if len(q) != 3 {
				t.Errorf("parameters = %v, want exactly key, query, page", q)
			}
			for name, want := range map[string]string{"key": tt.key, "query": tt.query, "page": strconv.Itoa(tt.page)} {
				if got := q[name]; len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want [%q]", name, got, want)
				}
			}
			if back.Fragment != "" {
				t.Errorf("fragment = %q, want none", back.Fragment)
			}
			if base.String() != tt.base {
				t.Errorf("base URL modified: %q", base)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:9/base")
	u := searchURL(base, "s3cr3t-key", "apache", 2)
	got := redactURL(u)
	if strings.Contains(got, "s3cr3t-key") {
		t.Fatalf("redactURL = %q, holds the key", got)
	}
	back, _ := url.Parse(got)
	if back.Query().Get("key") != redacted || back.Query().Get("query") != "apache" || back.Query().Get("page") != "2" {
		t.Errorf("redactURL = %q, want key=%s and the other parameters kept", got, redacted)
	}
	if !strings.Contains(u.String(), "s3cr3t-key") {
		t.Error("redactURL modified its argument")
	}
	// User information, where it belongs or written with its '/' as it is
	// (parsed as a port and a path): httpx's stripping, never shown.
	for _, raw := range []string{"http://user:pw@127.0.0.1/", "http://user:1234/pw@127.0.0.1/"} {
		withUser, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactURL(withUser); strings.Contains(got, "pw") || strings.Contains(got, "user:") {
			t.Errorf("redactURL(%q) kept user information: %q", raw, got)
		}
	}
}

func TestRedactError(t *testing.T) {
	const key = "s3cr3t-key"
	full := "http://127.0.0.1:9/shodan/host/search?key=" + key + "&page=1&query=apache"
	tests := []struct {
		name string
		err  error
	}{
		{"url.Error", &url.Error{Op: "Get", URL: full, Err: errors.New("connection refused")}},
		{"wrapped url.Error", errors.Join(errors.New("page 1"), &url.Error{Op: "Get", URL: full, Err: http.ErrHandlerTimeout})},
		{"key in plain text", errors.New("upstream said: bad key " + key)},
		{"unparsable URL", &url.Error{Op: "Get", URL: "::%zz" + key, Err: errors.New("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactError(tt.err, key)
			if strings.Contains(got.Error(), key) {
				t.Fatalf("redactError = %q, holds the key", got)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("redactError lost the error chain")
			}
		})
	}
	if redactError(nil, key) != nil {
		t.Error("redactError(nil) != nil")
	}
}

// FuzzSearchURL checks that any query and key survive the URL intact, as the
// only query and key parameters, and that redaction hides the key only.
func FuzzSearchURL(f *testing.F) {
	f.Add("apache ip:127.0.0.1", "k1", 1)
	f.Add(`apache&page=9&key=stolen#frag`, "k+/=%", 2)
	f.Add("org:\"Société Générale\"\t\n", "", 10)
	f.Add("\xff\xfe;%zz", "key with spaces", 3)
	base, _ := url.Parse("http://127.0.0.1:8080/base/")
	f.Fuzz(func(t *testing.T, query, key string, page int) {
		u := searchURL(base, key, query, page)
		back, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("searchURL built an unparsable URL %q: %v", u, err)
		}
		q := back.Query()
		if len(q) != 3 || len(q["query"]) != 1 || len(q["key"]) != 1 || len(q["page"]) != 1 {
			t.Fatalf("parameters = %v, want one key, query and page", q)
		}
		if q.Get("query") != query || q.Get("key") != key || q.Get("page") != strconv.Itoa(page) {
			t.Fatalf("round trip: %v, want query %q key %q page %d", q, query, key, page)
		}
		if back.Path != "/base/shodan/host/search" {
			t.Fatalf("path = %q", back.Path)
		}
		r, err := url.Parse(redactURL(u))
		if err != nil {
			t.Fatal(err)
		}
		if rq := r.Query(); rq.Get("key") != redacted || rq.Get("query") != query {
			t.Fatalf("redacted parameters = %v", rq)
		}
	})
}
