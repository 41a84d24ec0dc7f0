package shodantest

//go:generate go run gen_fixtures.go

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed testdata/*.json
var fixtures embed.FS

// PageSize is the number of matches in a full page.
const PageSize = 100

// Error texts of the stand-in's own error answers.
const (
	MsgNoKey     = "Please provide a valid API key"
	MsgNoQuery   = "Empty search query"
	MsgBadPage   = "Invalid page number"
	MsgDenied    = "Access denied (403 Forbidden)"
	MsgRateLimit = "Rate limit reached"
	MsgUpgrade   = "Please upgrade your API plan to use filters or paging."
	MsgNoCredits = "Insufficient query credits, please upgrade your API plan or wait for the monthly limit to reset"
)

// InvalidKeyPage is the body of the 401 answered to an unknown key:
// nginx's default 401 page, as Shodan sends it (text/html).
const InvalidKeyPage = "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n" +
	"<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// DefaultMinInterval is the least time between two requests of one key
// that the stand-in answers: Shodan's rate of one request a second.
const DefaultMinInterval = time.Second

// Reply is a scripted answer, served instead of a search.
type Reply struct {
	Status int
	Header http.Header
	Body   string
	// Delay holds the answer back; a request cancelled meanwhile gets none.
	Delay time.Duration
}

// Request is what the stand-in saw of one request.
type Request struct {
	Query  string
	Page   string
	Key    string
	Path   string
	Method string
	// At is when it arrived.
	At time.Time
	// Status is the stand-in's answer, once written.
	Status int
}

// Server is a running stand-in. Build one with NewServer; Close it.
type Server struct {
	// URL is the base URL to configure a client with.
	URL string
	// Key is the API key the server accepts.
	Key string

	srv    *httptest.Server
	corpus []match

	mu    sync.Mutex
	queue []Reply
	reqs  []Request
	// minInterval is the least time between two answered requests of a
	// key; 0 answers them all.
	minInterval time.Duration
	// lastAt is when each key's last answered request arrived.
	lastAt map[string]time.Time
	// refused are the filters the key's plan does not allow (lower case).
	refused []string
	// withheld are the filters whose searches get a count and no
	// banners (lower case).
	withheld []string
	// credits are the key's query credits left; negative: no limit.
	credits int
	// free is set for a key without a paid plan (SetFreePlan).
	free bool
	// waits are the channels Requested returned, closed once their count
	// of requests is reached.
	waits []wait
}

type wait struct {
	n  int
	ch chan struct{}
}

// match is one corpus entry: the raw banner and the fields searched.
type match struct {
	raw       json.RawMessage
	IPStr     string   `json:"ip_str"`
	Port      int      `json:"port"`
	Hostnames []string `json:"hostnames"`
	Product   string   `json:"product"`
	Org       string   `json:"org"`
	Data      string   `json:"data"`
}

// NewServer starts a stand-in accepting key on a loopback port.
func NewServer(key string) *Server {
	s := NewHandler(key)
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// NewHandler returns a stand-in accepting key that is not listening: serve
// it with an http.Server of your own (see cmd/shodan-standin). Its URL is
// empty and Close does nothing.
func NewHandler(key string) *Server {
	return &Server{Key: key, corpus: corpus(), minInterval: DefaultMinInterval,
		lastAt: map[string]time.Time{}, refused: []string{"vuln"}, credits: -1}
}

// Close shuts down a server started by NewServer.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Enqueue queues replies: the next requests get them, in order, before any
// key check or search.
func (s *Server) Enqueue(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

// Requests returns the requests seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Requested returns a channel closed once the stand-in has seen n
// requests (at once when it has): what a test waits on before it acts on a
// request in flight.
func (s *Server) Requested(n int) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	if len(s.reqs) >= n {
		close(ch)
	} else {
		s.waits = append(s.waits, wait{n, ch})
	}
	return ch
}

// Fixture returns the bytes of the fixture testdata/name.
func Fixture(name string) []byte {
	b, err := fixtures.ReadFile(path.Join("testdata", name))
	if err != nil {
		panic("shodantest: " + err.Error())
	}
	return b
}

// Fixtures returns the names of the fixture pages, sorted.
func Fixtures() []string {
	entries, _ := fixtures.ReadDir("testdata")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// corpus is the fixtures' matches, decoded once and never modified.
var corpus = sync.OnceValue(loadCorpus)

func loadCorpus() []match {
	var corpus []match
	for _, name := range Fixtures() {
		var page struct {
			Matches []json.RawMessage `json:"matches"`
		}
		if err := json.Unmarshal(Fixture(name), &page); err != nil {
			panic(fmt.Sprintf("shodantest: fixture %s: %v", name, err))
		}
		for _, raw := range page.Matches {
			m := match{raw: raw}
			if err := json.Unmarshal(raw, &m); err != nil {
				panic(fmt.Sprintf("shodantest: fixture %s: %v", name, err))
			}
			corpus = append(corpus, m)
		}
	}
	return corpus
}

// ServeHTTP answers one request as the Shodan API would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := time.Now()
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Query: q.Get("query"), Page: q.Get("page"), Key: q.Get("key"),
		Path: r.URL.Path, Method: r.Method, At: now})
	w = &statusRecorder{ResponseWriter: w, s: s, i: len(s.reqs) - 1}
	s.waits = slices.DeleteFunc(s.waits, func(w wait) bool {
		if len(s.reqs) >= w.n {
			close(w.ch)
			return true
		}
		return false
	})
	var scripted *Reply
	if len(s.queue) > 0 {
		scripted = &s.queue[0]
		s.queue = s.queue[1:]
	}
	s.mu.Unlock()

	if scripted != nil {
		s.reply(w, r, *scripted)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/shodan/host/search" {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	switch key := q.Get("key"); {
	case key == "":
		writeError(w, http.StatusUnauthorized, MsgNoKey)
		return
	case key != s.Key:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(InvalidKeyPage))
		return
	case !s.admit(key, now):
		writeError(w, http.StatusTooManyRequests, MsgRateLimit)
		return
	}
	query := strings.TrimSpace(q.Get("query"))
	if query == "" {
		writeError(w, http.StatusBadRequest, MsgNoQuery)
		return
	}
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, MsgBadPage)
			return
		}
		page = n
	}
	if s.refuses(query) {
		writeError(w, http.StatusForbidden, MsgDenied)
		return
	}
	if s.unpaid(query, page) {
		writeError(w, http.StatusUnauthorized, MsgUpgrade)
		return
	}
	if !s.charge(query, page) {
		writeError(w, http.StatusUnauthorized, MsgNoCredits)
		return
	}
	hits := s.search(query)
	total := len(hits)
	if s.withholds(query) {
		hits = nil
	}
	lo := min((page-1)*PageSize, len(hits))
	hi := min(lo+PageSize, len(hits))
	body := struct {
		Matches []json.RawMessage `json:"matches"`
		Facets  map[string]any    `json:"facets"`
		Total   int               `json:"total"`
	}{Matches: make([]json.RawMessage, 0, hi-lo), Facets: map[string]any{}, Total: total}
	for _, m := range hits[lo:hi] {
		body.Matches = append(body.Matches, m.raw)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, rep Reply) {
	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(rep.Body))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// ErrorBody returns a Shodan error body holding msg.
func ErrorBody(msg string) string {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return string(b)
}
