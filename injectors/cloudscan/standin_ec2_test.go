package cloudscan

import (
	"net/http"
	"os"
	"regexp"
	"strconv"
)

// nextTokenElement finds the token of an EC2 page that has a next one.
var nextTokenElement = regexp.MustCompile(`<nextToken>[^<]+</nextToken>`)

// ec2Paging holds an EC2 Describe request to EC2's paging rules
// (DescribeSecurityGroups: MaxResults "can be between 5 and 1000. If
// this parameter is not specified, then all items are returned"): without
// MaxResults, a fixture base whose page announces a next one models no
// answer of EC2's, and fails the test; a MaxResults out of that range is
// answered 400 InvalidParameterValue and fails the test too. It reports
// whether the request may be served.
func (s *standIn) ec2Paging(w http.ResponseWriter, r *http.Request, base string, qualifiers []string) bool {
	raw := r.PostForm.Get("MaxResults")
	if raw == "" {
		if p := s.find(base, qualifiers, ""); p != "" {
			if body, err := os.ReadFile(p); err == nil && nextTokenElement.Match(body) {
				s.t.Errorf("stand-in: %s asked without MaxResults, which EC2 answers with every item at once, "+
					"but its fixture announces a next page", base)
			}
		}
		return true
	}
	if n, err := strconv.Atoi(raw); err != nil || n < 5 || n > 1000 {
		s.t.Errorf("stand-in: %s asked with MaxResults %q, not 5 to 1000", base, raw)
		ec2Error(w, http.StatusBadRequest, "InvalidParameterValue", "The parameter MaxResults must be between 5 and 1000.")
		return false
	}
	return true
}
