package cloudscan

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// standInBucketRegion is the region a bucket given to newStandIn by its
// name alone is created in: as a client configured for eu-west-1 creates
// it (CreateBucket, its LocationConstraint that region), the region most
// cases target.
const standInBucketRegion = "eu-west-1"

// bucketSpec reads a bucket given to newStandIn: "name@region", or "name"
// for one in standInBucketRegion.
func bucketSpec(spec string) (name, region string) {
	name, region, ok := strings.Cut(spec, "@")
	if !ok {
		region = standInBucketRegion
	}
	return name, region
}

// bucketHome returns the region bucket is in: the one a ListBuckets
// fixture of the stand-in's dirs places it in, else the one it was
// created in (a gofakes3 bucket), "" for a bucket of neither.
func (s *standIn) bucketHome(bucket string) string {
	if home := s.fixtureHome(bucket); home != "" {
		return home
	}
	return s.homes[bucket]
}

// fixtureHome returns the region a ListBuckets fixture of the stand-in's
// dirs places bucket in, "" when none does.
func (s *standIn) fixtureHome(bucket string) string {
	for _, dir := range s.dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "s3", "ListBuckets*.xml"))
		if err != nil {
			s.t.Errorf("stand-in: %v", err)
			return ""
		}
		for _, p := range paths {
			body, err := os.ReadFile(p)
			if err != nil {
				s.t.Errorf("stand-in: %v", err)
				return ""
			}
			for _, b := range listedBucket.FindAll(body, -1) {
				name, home := listedName.FindSubmatch(b), bucketRegion.FindSubmatch(b)
				if name != nil && home != nil && string(name[1]) == bucket {
					return string(home[1])
				}
			}
		}
	}
	return ""
}

// redirects answers a call on bucket signed for region, when the bucket
// lives in another, as S3 answers a request sent to a Regional endpoint
// that is not the bucket's: 301 PermanentRedirect, the bucket's region in
// x-amz-bucket-region and its endpoint in the error document, no Location
// header (so no client follows it); for a bucket of an opt-in Region, 400
// IllegalLocationConstraintException (aws/aws-cli#5445,
// dial9-rs/dial9#688). It reports whether it did.
func (s *standIn) redirects(w http.ResponseWriter, bucket, region string) bool {
	home := s.bucketHome(bucket)
	if home == "" || home == region {
		return false
	}
	if !enabledByDefault[home] {
		s3Error(w, http.StatusBadRequest, "IllegalLocationConstraintException", "The "+home+
			" location constraint is incompatible for the region specific endpoint this request was sent to.", bucket)
		return true
	}
	w.Header().Set("x-amz-bucket-region", home)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusMovedPermanently)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. ` +
		`Please send all future requests to this endpoint.</Message><Endpoint>s3.` + home + `.amazonaws.com</Endpoint><Bucket>` + bucket +
		`</Bucket><RequestId>4442587FB7D0A2F9</RequestId><HostId>aG9zdC1pZA==</HostId></Error>`))
	return true
}

// refusesBucketRegion answers a ListBuckets whose bucket-region filter
// names another region than the one it was signed for, as S3 answers
// it: 400 InvalidArgument (ListBuckets: "Requests made to a Regional
// endpoint that is different from the bucket-region parameter are not
// supported"; the answer as S3 sends it: versity/versitygw#1930). It
// reports whether it did.
func refusesBucketRegion(w http.ResponseWriter, filter, region string) bool {
	if filter == "" || filter == region {
		return false
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InvalidArgument</Code><Message>Requests with bucket-region specified must be made to the corresponding regional endpoint</Message>` +
		`<ArgumentName>bucket-region</ArgumentName><RequestId>4442587FB7D0A2F9</RequestId><HostId>aG9zdC1pZA==</HostId></Error>`))
	return true
}

// TestStandInRedirectsABucketOfAnotherRegion: a bucket call signed for a
// region other than the bucket's is redirected, 301 PermanentRedirect
// with the bucket's region, as S3 answers it (400
// IllegalLocationConstraintException for a bucket of an opt-in Region);
// signed for the bucket's own region, it is served. A bucket the stand-in
// was given by name (a gofakes3 one) has its region too: eu-west-1, or
// the one after its @.
func TestStandInRedirectsABucketOfAnotherRegion(t *testing.T) {
	st := newStandIn(t, []string{"private-logs", "east-archive@us-east-1"}, filepath.Join("testdata", "standin", "two_regions"), fixtures())
	tests := []struct {
		path, region string
		wantStatus   int
		// wantHome is the bucket's region a redirect names, or the
		// code of another refusal.
		wantHome string
	}{
		{"/west-logs?acl", "us-east-1", http.StatusMovedPermanently, "eu-west-1"},
		{"/west-logs?publicAccessBlock", "us-east-1", http.StatusMovedPermanently, "eu-west-1"},
		{"/east-logs?policyStatus", "eu-west-1", http.StatusMovedPermanently, "us-east-1"},
		{"/west-logs?acl", "eu-west-1", http.StatusOK, ""},
		{"/east-logs?publicAccessBlock", "us-east-1", http.StatusNotFound, ""},
		{"/private-logs?policyStatus", "eu-west-1", http.StatusOK, ""},
		{"/private-logs?policyStatus", "ap-east-1", http.StatusMovedPermanently, "eu-west-1"},
		{"/private-logs?acl", "us-east-1", http.StatusMovedPermanently, "eu-west-1"},
		{"/east-archive?acl", "us-east-1", http.StatusOK, ""},
		{"/east-archive?publicAccessBlock", "eu-west-1", http.StatusMovedPermanently, "us-east-1"},
		{"/hk-logs?acl", "eu-west-1", http.StatusBadRequest, "IllegalLocationConstraintException"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.region, func(t *testing.T) {
			code, body := st.getSigned(t, tt.path, "s3", tt.region)
			if code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", code, tt.wantStatus, body)
			}
			if tt.wantHome == "" {
				return
			}
			got := errorCode.FindSubmatch(body)
			switch {
			case tt.wantStatus != http.StatusMovedPermanently:
				if got == nil || string(got[1]) != tt.wantHome {
					t.Errorf("body %s, want %s", body, tt.wantHome)
				}
			case got == nil || string(got[1]) != "PermanentRedirect" || !strings.Contains(string(body), "<Endpoint>s3."+tt.wantHome+"."):
				t.Errorf("body %s, want PermanentRedirect to %s", body, tt.wantHome)
			}
		})
	}
}
