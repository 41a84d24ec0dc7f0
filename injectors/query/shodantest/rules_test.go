package shodantest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/synctest"
	"time"
)

// serve answers one search of the handler in memory: the clock is the
// synctest bubble's.
func serve(t *testing.T, s *Server, key, query string) (int, string) {
	t.Helper()
	return servePage(t, s, key, query, "")
}

// servePage is serve asking for page ("" sends no page parameter).
func servePage(t *testing.T, s *Server, key, query, page string) (int, string) {
	t.Helper()
	v := url.Values{"key": {key}, "query": {query}}
	if page != "" {
		v.Set("page", page)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/shodan/host/search?"+v.Encode(), nil))
	if rec.Code == http.StatusUnauthorized && rec.Body.String() == InvalidKeyPage {
		return rec.Code, "" // an unknown key's HTML page: no error text
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("answer %d is not JSON: %v", rec.Code, err)
	}
	return rec.Code, body.Error
}

// TestServerRate checks Shodan's rate of one request a second per key: a
// key asking sooner gets a 429 with an error body, which does not count
// as its last request; another key has its own rate; SetMinInterval(0)
// lifts it.
func TestServerRate(t *testing.T) {
	type step struct {
		after      time.Duration // since the previous step
		key        string
		wantStatus int
	}
	tests := []struct {
		name     string
		interval time.Duration // -1: the default
		steps    []step
	}{
		{"one a second is answered", -1, []step{{0, "k", 200}, {time.Second, "k", 200}, {time.Second, "k", 200}}},
		{"sooner is 429", -1, []step{{0, "k", 200}, {999 * time.Millisecond, "k", 429}, {time.Millisecond, "k", 200}}},
		{"a refused request does not count", -1, []step{{0, "k", 200}, {500 * time.Millisecond, "k", 429}, {500 * time.Millisecond, "k", 200}}},
		{"each key its own rate", -1, []step{{0, "k", 200}, {0, "other", 401}, {0, "k", 429}}},
		{"no rate", 0, []step{{0, "k", 200}, {0, "k", 200}, {0, "k", 200}}},
		{"a slower rate", 2 * time.Second, []step{{0, "k", 200}, {time.Second, "k", 429}, {time.Second, "k", 200}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewHandler("k")
				if tt.interval >= 0 {
					s.SetMinInterval(tt.interval)
				}
				for i, st := range tt.steps {
					time.Sleep(st.after) // the bubble's clock: no real wait
					status, msg := serve(t, s, st.key, "nginx")
					if status != st.wantStatus {
						t.Errorf("step %d: status %d (%s), want %d", i, status, msg, st.wantStatus)
					}
					if status == http.StatusTooManyRequests && msg != MsgRateLimit {
						t.Errorf("step %d: 429 error %q, want %q", i, msg, MsgRateLimit)
					}
				}
			})
		})
	}
}

// TestServerRefusesFilters checks the plan rule: a valid key using a
// filter its plan does not allow gets a 403 with Shodan's error body.
func TestServerRefusesFilters(t *testing.T) {
	tests := []struct {
		name       string
		refuse     []string // nil: the default
		query      string
		wantStatus int
	}{
		{"vuln refused by default", nil, "apache vuln:CVE-2021-41773", 403},
		{"any case", nil, "apache VULN:CVE-2021-41773", 403},
		{"other filters allowed", nil, "apache ip:127.0.0.1", 200},
		{"a word holding vuln is no filter", nil, "vuln", 200},
		{"a quoted phrase is no filter", nil, `"vuln: none"`, 200},
		{"refused set", []string{"port"}, "port:443", 403},
		{"none refused", []string{}, "apache vuln:CVE-2021-41773", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewHandler("k")
			if tt.refuse != nil {
				s.Refuse(tt.refuse...)
			}
			status, msg := serve(t, s, "k", tt.query)
			if status != tt.wantStatus || (status == 403 && msg != MsgDenied) {
				t.Errorf("status %d (%q), want %d", status, msg, tt.wantStatus)
			}
			if got := s.Requests(); len(got) != 1 || got[0].Status != status {
				t.Errorf("requests = %+v, want one with status %d", got, status)
			}
		})
	}
}

// TestServerWithhold checks the count without banners: a query using a
// withheld filter gets its count, as it would without Withhold, and an
// empty matches list, on every page; one using none, or a quoted phrase
// holding the name, gets its banners.
func TestServerWithhold(t *testing.T) {
	tests := []struct {
		name, query, page string
		withheld          bool
	}{
		{"a withheld filter", "apache port:80", "", true},
		{"any case, any page", "apache PORT:80", "2", true},
		{"another filter", "apache ip:127.0.0.1", "", false},
		{"no filter", "apache", "", false},
		{"a quoted phrase is no filter", `"port: 80" apache`, "", false},
	}
	answer := func(s *Server, query, page string) (total int, matches []json.RawMessage) {
		v := url.Values{"key": {"k"}, "query": {query}}
		if page != "" {
			v.Set("page", page)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/shodan/host/search?"+v.Encode(), nil))
		var body struct {
			Matches []json.RawMessage `json:"matches"`
			Total   int               `json:"total"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK || body.Matches == nil {
			t.Fatalf("answer %d %q: %v", rec.Code, rec.Body, err)
		}
		return body.Total, body.Matches
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewHandler("k")
			s.Withhold("port")
			total, matches := answer(s, tt.query, tt.page)
			wantTotal, wantMatches := answer(NewHandler("k"), tt.query, tt.page)
			if tt.withheld {
				wantMatches = nil
				if wantTotal == 0 {
					t.Fatalf("the query %q counts nothing: the case checks nothing", tt.query)
				}
			}
			if total != wantTotal || len(matches) != len(wantMatches) {
				t.Errorf("total %d, %d matches, want %d, %d", total, len(matches), wantTotal, len(wantMatches))
			}
		})
	}
}

// TestServerFreePlan checks a key without a paid plan: a filter or a page
// past the first gets a 401 MsgUpgrade (a JSON error, not the HTML page
// of a bad key), a first page without a filter is answered.
func TestServerFreePlan(t *testing.T) {
	tests := []struct {
		name, query, page string
		wantStatus        int
	}{
		{"first page, no filter", "apache", "", 200},
		{"a filter", "apache port:80", "", 401},
		{"page 2", "apache", "2", 401},
		{"a quoted phrase is no filter", `"port: 80"`, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewHandler("k")
			s.SetMinInterval(0)
			s.SetFreePlan(true)
			status, msg := servePage(t, s, "k", tt.query, tt.page)
			if status != tt.wantStatus || (status == 401 && msg != MsgUpgrade) {
				t.Errorf("status %d (%q), want %d", status, msg, tt.wantStatus)
			}
		})
	}
}
