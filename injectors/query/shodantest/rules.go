package shodantest

import (
	"net/http"
	"strings"
	"time"
)

// SetMinInterval sets the least time between two requests of one key the
// stand-in answers (DefaultMinInterval at first); a request sooner gets a
// 429. 0 answers every request: for tests whose client does not pace
// itself.
func (s *Server) SetMinInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minInterval = d
}

// Refuse sets the filters the key's plan does not allow (vuln at first):
// a query using one gets a 403.
func (s *Server) Refuse(filters ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = lower(filters)
}

// Withhold sets the filters whose searches the key's plan answers with a
// count and no banners (none at first): a query using one gets
// {"matches": [], "total": N}, N its count, on every page.
func (s *Server) Withhold(filters ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.withheld = lower(filters)
}

// lower returns names in lower case, in a new slice.
func lower(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.ToLower(n))
	}
	return out
}

// SetFreePlan makes the key one without a paid plan (false at first): a
// search using a filter, or asking for page 2 or later, gets a 401
// MsgUpgrade; a first page without a filter is answered.
func (s *Server) SetFreePlan(free bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free = free
}

// unpaid reports whether the key's plan leaves out a search of query's
// page: a free key's filter or page past the first.
func (s *Server) unpaid(query string, page int) bool {
	s.mu.Lock()
	free := s.free
	s.mu.Unlock()
	return free && (page > 1 || usesFilter(query))
}

// admit reports whether key may be answered at now: its last answered
// request arrived at least the minimum interval before. An admitted
// request is the key's last.
func (s *Server) admit(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.lastAt[key]; ok && s.minInterval > 0 && now.Sub(last) < s.minInterval {
		return false
	}
	s.lastAt[key] = now
	return true
}

// refuses reports whether query uses a filter the key's plan does not
// allow.
func (s *Server) refuses(query string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return usesOneOf(query, s.refused)
}

// withholds reports whether query uses a filter whose searches get a
// count and no banners.
func (s *Server) withholds(query string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return usesOneOf(query, s.withheld)
}

// usesOneOf reports whether query uses one of the filters names.
func usesOneOf(query string, names []string) bool {
	for _, t := range tokenize(query) {
		if name, _, ok := splitTerm(t); ok {
			for _, f := range names {
				if strings.EqualFold(name, f) {
					return true
				}
			}
		}
	}
	return false
}

// statusRecorder records the status of the answer to request i.
type statusRecorder struct {
	http.ResponseWriter
	s     *Server
	i     int
	wrote bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.s.mu.Lock()
		w.s.reqs[w.i].Status = code
		w.s.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
