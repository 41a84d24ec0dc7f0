package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGoldenParseSearchPage walks testdata/parse/<case>/: input.json is a
// Shodan answer body; want.json holds the decoded page (with the count of
// the banners dropped as unusable), or error.txt the error text.
func TestGoldenParseSearchPage(t *testing.T) {
	testkit.Cases(t, filepath.Join("testdata", "parse", "*"), func(t *testing.T, dir string) {
		in, err := os.ReadFile(filepath.Join(dir, "input.json"))
		if err != nil {
			t.Fatal(err)
		}
		page, perr := parseSearchPage(200, bytes.NewReader(in))
		var got []byte
		if perr == nil {
			got, err = json.MarshalIndent(struct {
				Total   int     `json:"total"`
				Matches []Match `json:"matches"`
				Dropped int     `json:"dropped,omitempty"`
			}{page.Total, page.Matches, page.Dropped}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
		}
		testkit.GoldenOutcome(t, dir, map[string][]byte{"want.json": got}, perr, *update)
	})
}

// TestParseSearchPageErrorBody: an answer's "error" is the engine's
// message, an *APIError classified by it, whatever the case of its key,
// and over a failure of the answer met after it; the answer's other keys
// match in any case too, as encoding/json matched them.
func TestParseSearchPageErrorBody(t *testing.T) {
	const credits = "Insufficient query credits, please upgrade your API plan or wait for the monthly limit to reset."
	tests := []struct {
		name, body string
		wantMsg    string // "" for a page
		wantIs     error
	}{
		{"alone", `{"error": "No information available for that IP."}`, "No information available for that IP.", nil},
		{"key in another case", `{"Error": "` + credits + `"}`, credits, ErrNoQueryCredits},
		{"before a malformed match", `{"error": "` + credits + `", "matches": [{"ip_str": "192.0.2.1", "vulns": 5}]}`, credits, ErrNoQueryCredits},
		{"before a match of the wrong type", `{"error": "` + credits + `", "matches": [1]}`, credits, ErrNoQueryCredits},
		{"before junk after the answer", `{"error": "` + credits + `"} junk`, credits, ErrNoQueryCredits},
		{"a page's keys in another case", `{"TOTAL": 1, "Matches": [{"ip_str": "192.0.2.1", "port": 80}]}`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseSearchPage(200, strings.NewReader(tt.body))
			if tt.wantMsg == "" {
				if err != nil || p.Total != 1 || len(p.Matches) != 1 {
					t.Fatalf("got total %d, %d matches, err %v; want the page's 1 match", p.Total, len(p.Matches), err)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Message != tt.wantMsg || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want *APIError carrying the engine's message %q", err, tt.wantMsg)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
		})
	}
}

func TestParseVulns(t *testing.T) {
	tests := []struct {
		name, raw  string
		want       []string
		wantScores map[string]float64
		wantErr    bool
	}{
		{"absent", ``, []string{}, nil, false},
		{"null", `null`, []string{}, nil, false},
		{"object", `{"CVE-2021-42013": {}, "CVE-2021-41773": {"cvss": 7.5}}`, []string{"CVE-2021-41773", "CVE-2021-42013"},
			map[string]float64{"CVE-2021-41773": 7.5}, false},
		{"cvss_v2 when no cvss", `{"CVE-2019-20372": {"cvss": null, "cvss_v2": 4.3}, "CVE-2021-23017": {"cvss": 7.7, "cvss_v2": 6.8}}`,
			[]string{"CVE-2019-20372", "CVE-2021-23017"}, map[string]float64{"CVE-2019-20372": 4.3, "CVE-2021-23017": 7.7}, false},
		{"unusable scores", `{"CVE-2020-0001": {"cvss": "high"}, "CVE-2020-0002": {"cvss": 11}, "CVE-2020-0003": [], "CVE-2020-0004": {"cvss": 0}}`,
			[]string{"CVE-2020-0001", "CVE-2020-0002", "CVE-2020-0003", "CVE-2020-0004"}, map[string]float64{"CVE-2020-0004": 0}, false},
		{"negated and lower case in an object", `{"!CVE-2016-6210": {"cvss": 5.3}, "cve-2017-15906": {"cvss": 5.3}}`,
			[]string{"CVE-2017-15906"}, map[string]float64{"CVE-2017-15906": 5.3}, false},
		{"list with negated and lower case", `["!CVE-2016-6210", "cve-2017-15906"]`, []string{"CVE-2017-15906"}, nil, false},
		{"duplicates and non-CVE ids", `["CVE-2018-15473", "CVE-2018-15473", "MS17-010", "CVE-2018-1"]`, []string{"CVE-2018-15473"}, nil, false},
		{"long sequence", `{"CVE-2024-1234567": {}}`, []string{"CVE-2024-1234567"}, nil, false},
		{"string", `"CVE-2021-41773"`, nil, nil, true},
		{"number", `42`, nil, nil, true},
		{"list of numbers", `[1, 2]`, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, scores, err := parseVulns(json.RawMessage(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !maps.Equal(scores, tt.wantScores) || (scores == nil) != (tt.wantScores == nil) {
				t.Errorf("scores = %v, want %v", scores, tt.wantScores)
			}
		})
	}
}

// FuzzParseSearchPage checks that no body panics the parser and that every
// decoded match has a valid address, a valid port and sorted unique CVE ids.
func FuzzParseSearchPage(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "parse", "*", "input.json"))
	for _, p := range dirs {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"matches": [{"ip": 4294967296}], "total": 1}`))
	f.Add([]byte(`{"matches": [{"ip": -1}], "total": -1}`))
	f.Add([]byte(`{"matches": null, "total": 0}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseSearchPage(200, bytes.NewReader(body))
		if err != nil {
			return
		}
		if p.Total < 0 {
			t.Fatalf("negative total %d", p.Total)
		}
		for _, m := range p.Matches {
			if _, err := netip.ParseAddr(m.IP); err != nil {
				t.Fatalf("match address %q: %v", m.IP, err)
			}
			if m.Port < 0 || m.Port > 65535 {
				t.Fatalf("port %d", m.Port)
			}
			if !slices.IsSorted(m.Vulns) || len(slices.Compact(slices.Clone(m.Vulns))) != len(m.Vulns) {
				t.Fatalf("vulns not sorted unique: %q", m.Vulns)
			}
			for _, v := range m.Vulns {
				if _, ok := normalizeCVE(v); !ok {
					t.Fatalf("vuln %q is not a CVE id", v)
				}
			}
			for id, s := range m.CVSS {
				if !slices.Contains(m.Vulns, id) || s < 0 || s > 10 {
					t.Fatalf("cvss %s = %v: not a scored CVE of the match", id, s)
				}
			}
		}
	})
}

func BenchmarkParseSearchPage(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("shodantest", "testdata", "apache-page-1.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseSearchPage(200, bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

// sizedPage returns a Shodan answer of n banners, all shaped like those
// of a real page, its total n.
func sizedPage(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"total": %d, "matches": [`, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"ip_str": "10.%d.%d.%d", "port": 80, "transport": "tcp", "hostnames": ["h%d.example"], "domains": ["example"], `+
			`"org": "o", "product": "Apache httpd", "vulns": {"CVE-2021-41773": {"cvss": 7.5}}}`, i>>16&255, i>>8&255, i&255, i)
	}
	b.WriteString(`], "facets": {}}`)
	return b.Bytes()
}

// TestParseSearchPageSize: a page holds at most the 100 matches of a
// Shodan page; one holding more is the engine's error, whatever its size.
func TestParseSearchPageSize(t *testing.T) {
	const refused = "decode search response: matches: more than 100 on one page, more than a Shodan page holds"
	tests := []struct {
		name    string
		n       int
		wantErr string
	}{
		{"a full page", 100, ""},
		{"one match past a full page", 101, refused},
		{"an oversized page", 20000, refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseSearchPage(200, bytes.NewReader(sizedPage(tt.n)))
			switch {
			case tt.wantErr == "" && (err != nil || len(p.Matches) != tt.n):
				t.Fatalf("got %d matches, err %v; want %d", len(p.Matches), err, tt.n)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestParseSearchPageOversizedMemory: decoding an oversized page (the
// tester's held 243 854 matches in 60 MiB) allocates no more than a page
// one match past the limit: the matches past it are never decoded.
func TestParseSearchPageOversizedMemory(t *testing.T) {
	allocated := func(body []byte) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = parseSearchPage(200, bytes.NewReader(body))
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, big := sizedPage(101), sizedPage(50000) // about 100 KB and 8 MB
	base, got := allocated(small), allocated(big)
	if limit := 2*base + 256<<10; got > limit {
		t.Errorf("a page of 50000 matches allocated %d bytes, want at most %d (a page of 101 allocated %d)", got, limit, base)
	}
}

// TestParseSearchPageTypeErrors: a value of the wrong JSON type is named
// by its path as the engine wrote it, in jsontype's words, never by a Go
// type or field name.
func TestParseSearchPageTypeErrors(t *testing.T) {
	const ok = `{"ip_str": "192.0.2.1", "port": 80}`
	tests := []struct{ name, body, want string }{
		{"total a string", `{"total": "1", "matches": [` + ok + `]}`,
			"decode search response: total: wrong JSON type, want a whole number, got a string"},
		{"total too large", `{"total": 1.5e300, "matches": [` + ok + `]}`,
			"decode search response: total: wrong JSON type, want a whole number, got the number 1.5e300"},
		{"port a string", `{"total": 2, "matches": [` + ok + `, {"ip_str": "192.0.2.2", "port": "80"}]}`,
			"decode search response: matches[1].port: wrong JSON type, want a whole number, got a string"},
		{"matches an object", `{"total": 1, "matches": {"a": 1}}`,
			"decode search response: matches: want a list"},
		{"a match a number", `{"total": 1, "matches": [1]}`,
			"decode search response: matches[0]: wrong JSON type, want an object, got a number"},
		{"hostnames a string", `{"total": 1, "matches": [{"ip_str": "192.0.2.1", "hostnames": "x.example"}]}`,
			"decode search response: matches[0].hostnames: wrong JSON type, want a list, got a string"},
		{"os a number", `{"total": 1, "matches": [{"ip_str": "192.0.2.1", "os": 5}]}`,
			"decode search response: matches[0].os: wrong JSON type, want a string, got a number"},
		{"vulns a list of numbers", `{"total": 1, "matches": [{"ip_str": "192.0.2.1", "vulns": [1]}]}`,
			"decode search response: matches[0]: vulns: wrong JSON type, want a string, got a number"},
		{"error a number", `{"error": 5}`,
			"decode search response: error: wrong JSON type, want a string, got a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSearchPage(200, strings.NewReader(tt.body))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
			for _, goName := range []string{"Go ", "rawPage", "rawMatch", "Match.", "int", "[]"} {
				if strings.Contains(err.Error(), goName) {
					t.Errorf("error %q names Go's %q", err, goName)
				}
			}
		})
	}
}

// gcReader reads r and, before each 128 KiB of it, collects the garbage
// and records the most heap in use so far.
type gcReader struct {
	r    *bytes.Reader
	read int
	peak uint64
}

func (g *gcReader) Read(p []byte) (int, error) {
	const every = 128 << 10
	if g.read%every == 0 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		g.peak = max(g.peak, ms.HeapAlloc)
	}
	n, err := g.r.Read(p[:min(len(p), every-g.read%every)])
	g.read += n
	return n, err
}

// TestParseSearchPageSkipsUnreadKeysAsTheyArrive: a key the injector does
// not read (facets) is skipped token by token, never held whole: the heap
// in use while a page with facets before or after its matches is decoded
// grows by far less than its 8 MiB of facets. (One string or number is still
// read whole, within the 64 MiB cap of a body.)
func TestParseSearchPageSkipsUnreadKeysAsTheyArrive(t *testing.T) {
	value := strings.Repeat("x", 1<<10)
	var facets strings.Builder
	facets.WriteString(`{"port": [`)
	for i := range 8 << 10 {
		if i > 0 {
			facets.WriteByte(',')
		}
		fmt.Fprintf(&facets, `{"count": %d, "value": [%q, {"a": null}]}`, i, value)
	}
	facets.WriteString(`]}`)
	const page = `"total": 1, "matches": [{"ip_str": "192.0.2.1", "port": 80}]`
	tests := []struct {
		name string
		body string
	}{
		{"facets after the matches", `{` + page + `, "facets": ` + facets.String() + `}`},
		{"facets before the matches", `{"facets": ` + facets.String() + `, ` + page + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &gcReader{r: bytes.NewReader([]byte(tt.body))}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			p, err := parseSearchPage(200, r)
			if err != nil || len(p.Matches) != 1 {
				t.Fatalf("got %d matches, err %v; want 1", len(p.Matches), err)
			}
			if grew, limit := r.peak-min(r.peak, ms.HeapAlloc), uint64(2<<20); grew > limit {
				t.Errorf("the heap in use grew by %d bytes while a body of %d bytes, most of it facets, was read; want at most %d", grew, len(tt.body), limit)
			}
		})
	}
}
