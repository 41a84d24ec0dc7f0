package cloudscan

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// hangOn makes the stand-in hold requests for event until the client gives up.
func (s *standIn) hangOn(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang[event] = true
}

// echoOn makes the stand-in answer requests for event with the error code,
// its message quoting the request (echoMessage).
func (s *standIn) echoOn(event, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo[event] = code
}

// echoWithOn makes the stand-in answer requests for event with the error
// code, its message written by msg from the request.
func (s *standIn) echoWithOn(event, code string, msg func(*http.Request) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo[event] = code
	s.echoWith[event] = msg
}

// echoes answers a request for an event set by echoOn, in the error
// document of service (bucket names the S3 one), and reports whether it
// did.
func (s *standIn) echoes(w http.ResponseWriter, r *http.Request, event, service, bucket string) bool {
	s.mu.Lock()
	code, ok := s.echo[event]
	write := s.echoWith[event]
	s.mu.Unlock()
	if !ok {
		return false
	}
	if write == nil {
		write = func(r *http.Request) string { return echoMessage(r, code) }
	}
	msg := write(r)
	s.mu.Lock()
	s.echoed = append(s.echoed, msg)
	s.mu.Unlock()
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(msg))
	switch service {
	case "s3":
		s3Error(w, http.StatusForbidden, code, b.String(), bucket)
	case "ec2":
		ec2Error(w, http.StatusForbidden, code, b.String())
	default:
		queryError(w, http.StatusForbidden, "https://"+service+".amazonaws.com/doc/", code, b.String())
	}
	return true
}

// echoMessages returns the messages answered by echoOn's events.
func (s *standIn) echoMessages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.echoed...)
}

// dropOn makes the stand-in close the connection of requests for event
// without an answer, as a network failure between the client and AWS would:
// the request is not seen.
func (s *standIn) dropOn(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop[event] = true
}

// dropped closes the connection of a request for a dropped event and
// reports whether it did.
func (s *standIn) dropped(w http.ResponseWriter, event string) bool {
	s.mu.Lock()
	drop := s.drop[event]
	s.mu.Unlock()
	if !drop {
		return false
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.t.Errorf("stand-in: drop %s: %v", event, err)
		return false
	}
	_ = conn.Close()
	return true
}
