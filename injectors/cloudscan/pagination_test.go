package cloudscan

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
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

// TestRepeatedPageTokenEndsTheListing runs, for every paginated call, a
// stand-in whose page hands back the token that asked for it (the next
// page would be itself, for ever): the listing asks for that page once and
// stops, the check reports the call as failed with the reason, the
// resources of the pages read are still checked (a weak one on the first
// page is a finding), and no finding is listed twice although the page was
// read twice.
func TestRepeatedPageTokenEndsTheListing(t *testing.T) {
	for _, tt := range []struct {
		dir, service string
		// the call whose listing repeats its token, and the resource
		// (the IAM user) it lists for
		op, resource string
		// a weak resource the first page of the listing names (a finding's
		// resource or user)
		pageOne string
	}{
		{"repeated_token_ec2", ServiceEC2, "DescribeSecurityGroups", "", "sg-0a1b2c3d4e5f60001"},
		{"repeated_token_iam_users", ServiceIAM, "ListUsers", "", "bob"},
		{"repeated_token_iam_mfa", ServiceIAM, "ListMFADevices", "alice", ""},
		{"repeated_token_iam_keys", ServiceIAM, "ListAccessKeys", "bob", "AKIABOBKEYEXAMPLE001"},
		{"repeated_token_s3", ServiceS3, "ListBuckets", "", "public-assets"},
	} {
		t.Run(tt.op, func(t *testing.T) {
			_, st, out := runCase(t, filepath.Join("testdata", "cases", tt.dir))
			if again := st.refollowed(); len(again) > 0 {
				t.Errorf("pages asked for again: %q", again)
			}
			check := out.Findings[FieldConfigs].([]*ConfigResult)[0].Checks[tt.service]
			var reported *CheckError
			for i, ce := range check.Errors {
				if ce.Operation == tt.op && ce.Resource == tt.resource {
					reported = &check.Errors[i]
				}
			}
			if reported == nil || !strings.Contains(reported.Message, "repeated a page token") {
				t.Errorf("%s errors %+v, want %s %s reported with the repeated token", tt.service, check.Errors, tt.op, tt.resource)
			}
			// A listing call's failure fails the check; a per-user one
			// leaves it partial.
			if check.Failed != (tt.resource == "") {
				t.Errorf("check failed = %t, want %t", check.Failed, tt.resource == "")
			}
			if tt.pageOne != "" && !slices.ContainsFunc(check.Findings, func(f Finding) bool {
				return f.Resource == tt.pageOne || f.User == tt.pageOne
			}) {
				t.Errorf("%s findings %+v: none for %s, which the first page lists", tt.service, check.Findings, tt.pageOne)
			}
			seen := map[string]bool{}
			for _, f := range check.Findings {
				b, _ := json.Marshal(f)
				if seen[string(b)] {
					t.Errorf("finding listed twice: %s", b)
				}
				seen[string(b)] = true
			}
			if out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, tt.op) {
				t.Errorf("error_info %+v does not name %s", out.ErrorInfo, tt.op)
			}
		})
	}
}
