package cloudscan

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

// TestFollowsEveryPage runs the paginated case, whose stand-in answers
// every listing cloudscan makes (IAM ListUsers, ListMFADevices,
// ListAccessKeys; EC2 DescribeSecurityGroups; S3 ListBuckets) over two
// pages, and checks that the findings are the ones the same account gives
// in one page each: a page not read would lose a user, a key, a security
// group or a bucket, and alice's MFA device, on her second page, would
// make her a user without MFA.
func TestFollowsEveryPage(t *testing.T) {
	_, st, paged := runCase(t, filepath.Join("testdata", "cases", "paginated"))
	if pages := st.unfollowed(); len(pages) > 0 {
		t.Errorf("pages never read: %q", pages)
	}
	_, _, whole := runCase(t, filepath.Join("testdata", "cases", "all_services_one_region"))
	got, _ := json.Marshal(paged.Findings)
	want, _ := json.Marshal(whole.Findings)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings over two pages\n%s\nwant the findings of one page\n%s", got, want)
	}
	if len(whole.Findings[FieldFindingsSummary].([]string)) == 0 {
		t.Fatal("the one-page case finds nothing: the comparison proves nothing")
	}
}

// TestStandInRefusesIAMSignedForAnotherRegion checks the stand-in's rule
// that IAM answers only requests signed for its global region, the way AWS
// does: 403 SignatureDoesNotMatch, "Credential should be scoped to a valid
// region, not 'eu-west-1'."
func TestStandInRefusesIAMSignedForAnotherRegion(t *testing.T) {
	st := newStandIn(t, nil, fixtures())
	for _, tt := range []struct {
		region   string
		wantCode int
	}{{"us-east-1", 200}, {"eu-west-1", 403}, {"us-west-2", 403}} {
		status, body := st.postQuery(t, "iam", tt.region, "Action=ListUsers&Version=2010-05-08")
		if status != tt.wantCode {
			t.Errorf("iam ListUsers signed for %s: status %d, want %d\n%s", tt.region, status, tt.wantCode, body)
		}
		if m := errorCode.FindStringSubmatch(body); tt.wantCode == 403 && (m == nil || m[1] != "SignatureDoesNotMatch") {
			t.Errorf("iam ListUsers signed for %s answered %s, want SignatureDoesNotMatch", tt.region, body)
		}
	}
}
