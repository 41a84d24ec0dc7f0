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
	case "s3control":
		s3ControlError(w, http.StatusForbidden, code, b.String())
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

// disableRegion makes region an opt-in region the account has not
// enabled: STS answers a request signed for it 403 InvalidClientTokenId
// "The security token included in the request is invalid.", EC2 401
// AuthFailure, as AWS answers credentials that are valid in the enabled
// regions only (AWS Account Management Reference Guide, "Enable or disable
// AWS Regions in your account"; the answers as AWS sends them:
// boto/boto3#3975, aws/aws-sdk-ruby#2850). S3 (S3 Control's account
// calls included) answers as it answers credentials it does not know
// (refusesS3).
func (s *standIn) disableRegion(region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disabled[region] = true
}

// refuseKeyIn makes region, an enabled one, refuse the credentials as
// disableRegion's does; no trail logs the calls it refuses, which AWS
// could not authenticate (seenCall.Refused): a key IAM has not
// yet made known there, which another region takes already (IAM User
// Guide, "Changes that I make are not always immediately visible": IAM
// is eventually consistent across Regions).
func (s *standIn) refuseKeyIn(region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing[region] = true
}

// refusesRegion answers a query-protocol request signed for a region
// disableRegion disabled, and reports whether it did.
func (s *standIn) refusesRegion(w http.ResponseWriter, service, region string) bool {
	s.mu.Lock()
	off := s.disabled[region] || s.refusing[region]
	s.mu.Unlock()
	switch {
	case !off:
		return false
	case service == "ec2":
		ec2Error(w, http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
	default:
		queryError(w, http.StatusForbidden, "https://"+service+".amazonaws.com/doc/2011-06-15/", "InvalidClientTokenId",
			"The security token included in the request is invalid.")
	}
	return true
}

// refusesS3 answers an S3 request (an S3 Control one when control is
// set) signed for a region disableRegion disabled, or refuseKeyIn
// refuses, as S3 answers credentials its region does not know (Amazon S3
// API Reference, "Error responses"): 403 InvalidAccessKeyId "The AWS
// access key ID you provided does not exist in our records.", the key id
// in AWSAccessKeyId; with a session token, 400 InvalidToken "The provided
// token is malformed or otherwise invalid." (the answer of S3 in an
// opt-in region to a session token it does not take: aws/aws-cli#8413,
// aws/aws-sdk-java#2684). It reports whether it did.
func (s *standIn) refusesS3(w http.ResponseWriter, r *http.Request, region string, control bool) bool {
	s.mu.Lock()
	off := s.disabled[region] || s.refusing[region]
	s.mu.Unlock()
	if !off {
		return false
	}
	status, code, msg := http.StatusForbidden, "InvalidAccessKeyId", "The AWS access key ID you provided does not exist in our records."
	if r.Header.Get("X-Amz-Security-Token") != "" {
		status, code, msg = http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid."
	}
	if control {
		s3ControlError(w, status, code, msg)
		return true
	}
	s3Error(w, status, code, msg, "")
	return true
}
