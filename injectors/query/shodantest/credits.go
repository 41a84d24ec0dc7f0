package shodantest

// SetQueryCredits sets the key's query credits: a search costs one when
// its query uses a filter or it asks for page 2 or later, and once they
// are spent such a search gets a 401 MsgNoCredits (a first page without a
// filter stays free). A negative n, the default, lifts the limit.
func (s *Server) SetQueryCredits(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.credits = n
}

// QueryCredits returns the key's query credits left; negative when they
// are not limited.
func (s *Server) QueryCredits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credits
}

// charge takes the cost of a search of query's page from the key's query
// credits, and reports whether they covered it.
func (s *Server) charge(query string, page int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.credits < 0 || (page < 2 && !usesFilter(query)) {
		return true
	}
	if s.credits == 0 {
		return false
	}
	s.credits--
	return true
}

// usesFilter reports whether query holds a filter (name:value).
func usesFilter(query string) bool {
	for _, t := range tokenize(query) {
		if _, _, ok := splitTerm(t); ok {
			return true
		}
	}
	return false
}
