package cloudscan

import (
	"net/http"
	"path/filepath"
	"testing"
)

// accountBlockPath is the path of S3 Control's GetPublicAccessBlock (Amazon
// S3 API Reference, "GetPublicAccessBlock" (S3 Control): GET
// /v20180820/configuration/publicAccessBlock, the account in the
// x-amz-account-id header).
const accountBlockPath = "/v20180820/configuration/publicAccessBlock"

// accountBlock answers S3 Control's GetPublicAccessBlock: the account's
// block from the fixture s3control/publicAccessBlock[.<account>].xml (an
// error document there is answered with its code's status), 404
// NoSuchPublicAccessBlockConfiguration without one (the operation's
// documented error). CloudTrail logs the call as
// s3.amazonaws.com:GetAccountPublicAccessBlock, S3 Control's calls being
// S3 events named after their IAM action, in the region it was signed
// for. A request without x-amz-account-id fails the test: the API
// requires it; so does one naming another account than the one
// GetCallerIdentity answered, refused 403 AccessDenied (S3 Control API
// Reference, GetPublicAccessBlock: "the account ID for the Amazon Web
// Services account whose PublicAccessBlock configuration you want to
// retrieve", which takes s3:GetAccountPublicAccessBlock in that account).
func (s *standIn) accountBlock(w http.ResponseWriter, r *http.Request, region string) {
	const event = "s3.amazonaws.com:GetAccountPublicAccessBlock"
	s.record(event, region, r)
	if s.echoes(w, r, event, "s3control", "") || s.refusesS3(w, r, region, true) { // S3 Control's error document
		return
	}
	account := r.Header.Get("X-Amz-Account-Id")
	if account == "" {
		s.t.Errorf("stand-in: %s without x-amz-account-id", event)
		s3ControlError(w, http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-account-id")
		return
	}
	if proved := s.identity(); proved != "" && account != proved {
		// The credentials' account may read its own block only: another
		// account's is refused, as any call on a resource of an account
		// that grants the caller nothing.
		s.violation("%s for account %s, the credentials' being %s", event, account, proved)
		s3ControlError(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	base := filepath.Join("s3control", "publicAccessBlock")
	if s.find(base, []string{account}, "") == "" {
		s3ControlError(w, http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration",
			"The public access block configuration was not found")
		return
	}
	s.serve(w, base, []string{account}, "")
}

// s3ControlError answers an S3 Control error document: S3's error wrapped
// in ErrorResponse, as the S3 Control API answers them.
func s3ControlError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse><Error><Code>` + code + `</Code><Message>` + msg +
		`</Message></Error><RequestId>5B8A0F2D9C3E7A16</RequestId><HostId>c3RhbmQtaW4taG9zdA==</HostId></ErrorResponse>`))
}

// TestStandInRefusesAnotherAccountsBlock: once GetCallerIdentity has
// answered, S3 Control's GetPublicAccessBlock for another account than
// the credentials' is refused 403 AccessDenied and recorded as a
// violation; the credentials' own account's is served.
func TestStandInRefusesAnotherAccountsBlock(t *testing.T) {
	st := newStandIn(t, nil, fixtures())
	st.expectViolations = true
	if code, body := st.postQuery(t, "sts", "eu-west-1", "Action=GetCallerIdentity&Version=2011-06-15"); code != http.StatusOK {
		t.Fatalf("identity: %d %s", code, body)
	}
	for _, tt := range []struct {
		account    string
		wantStatus int
		violations int
	}{
		{"111111111111", http.StatusForbidden, 1},
		{st.identity(), http.StatusNotFound, 0}, // no block: NoSuchPublicAccessBlockConfiguration
	} {
		t.Run(tt.account, func(t *testing.T) {
			st.mu.Lock()
			before := len(st.violations)
			st.mu.Unlock()
			req, err := http.NewRequest(http.MethodGet, st.URL()+accountBlockPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Account-Id", tt.account)
			code, body := sendSigned(t, req, "s3", "eu-west-1")
			st.mu.Lock()
			got := len(st.violations) - before
			st.mu.Unlock()
			if code != tt.wantStatus || got != tt.violations {
				t.Errorf("status %d, %d violations: %s; want %d, %d", code, got, body, tt.wantStatus, tt.violations)
			}
		})
	}
}
