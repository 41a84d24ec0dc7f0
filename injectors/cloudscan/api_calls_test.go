package cloudscan

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
)

// TestCallsListedInTheRegionThatRecordsThem checks that each target lists,
// under cloud_api_calls, only the calls CloudTrail records in the target's
// own region (a collector looks them up by account, region and event name)
// and, under cloud_api_calls_other_regions, the others by the region that
// records them: the identity call, made once, where it was made; IAM's
// calls, signed for us-east-1 whatever the target's region, in us-east-1.
func TestCallsListedInTheRegionThatRecordsThem(t *testing.T) {
	const (
		sts       = "sts.amazonaws.com:GetCallerIdentity"
		ec2Call   = "ec2.amazonaws.com:DescribeSecurityGroups"
		listUsers = "iam.amazonaws.com:ListUsers"
		mfa       = "iam.amazonaws.com:ListMFADevices"
		keys      = "iam.amazonaws.com:ListAccessKeys"
		login     = "iam.amazonaws.com:GetLoginProfile"
	)
	iamCalls := []string{login, keys, mfa, listUsers}
	cfg := func(region, service string) signatures.CloudConfig {
		return signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: region, TargetService: service}
	}
	type want struct {
		own   []string
		other map[string][]string
	}
	tests := []struct {
		name    string
		targets []signatures.CloudConfig
		want    []want
	}{
		{"iam driven from eu-west-1 is recorded in us-east-1", []signatures.CloudConfig{cfg("eu-west-1", "iam")},
			[]want{{own: []string{sts}, other: map[string][]string{"us-east-1": iamCalls}}}},
		{"iam driven from us-east-1", []signatures.CloudConfig{cfg("us-east-1", "iam")},
			[]want{{own: append(append([]string{}, iamCalls...), sts)}}},
		{"iam shared by two regions", []signatures.CloudConfig{cfg("eu-west-1", "iam"), cfg("us-east-1", "iam")},
			[]want{{own: []string{sts}, other: map[string][]string{"us-east-1": iamCalls}},
				{own: iamCalls, other: map[string][]string{"eu-west-1": {sts}}}}},
		{"identity call listed where it was made", []signatures.CloudConfig{cfg("eu-west-1", "ec2"), cfg("us-east-1", "ec2")},
			[]want{{own: []string{ec2Call, sts}}, {own: []string{ec2Call}, other: map[string][]string{"eu-west-1": {sts}}}}},
		{"iam from china is recorded in cn-north-1", []signatures.CloudConfig{cfg("cn-northwest-1", "iam")},
			[]want{{own: []string{sts}, other: map[string][]string{"cn-north-1": iamCalls}}}},
		// Each partition has its accounts, credentials and global
		// endpoints: its identity is proved there, its iam run there, and
		// its targets list none of another partition's calls.
		{"identity proved per partition", []signatures.CloudConfig{cfg("eu-west-1", "ec2"), cfg("cn-north-1", "ec2")},
			[]want{{own: []string{ec2Call, sts}}, {own: []string{ec2Call, sts}}}},
		{"iam run per partition", []signatures.CloudConfig{cfg("eu-west-1", "iam"), cfg("cn-north-1", "iam"), cfg("us-gov-east-1", "iam")},
			[]want{{own: []string{sts}, other: map[string][]string{"us-east-1": iamCalls}},
				{own: append(append([]string{}, iamCalls...), sts)},
				{own: []string{sts}, other: map[string][]string{"us-gov-west-1": iamCalls}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			st := newStandIn(t, nil, fixtures())
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL())
			out := e.Execute(context.Background(), newInject(t, tt.targets, p))
			if out.ExecutionStatus() != framework.StatusSuccess {
				t.Fatalf("status %s: %+v", out.ExecutionStatus(), out.ErrorInfo)
			}
			globals := map[string]bool{}
			for _, c := range tt.targets {
				globals[iamRegion(context.Background(), c.CloudRegion)] = true
			}
			for _, c := range st.calls() {
				if (c.Event == listUsers || c.Event == mfa || c.Event == keys) && !globals[c.Region] {
					t.Errorf("%s signed for %s, want one of %v (IAM's global regions)", c.Event, c.Region, globals)
				}
			}
			for i, w := range tt.want {
				region := tt.targets[i].CloudRegion
				det := out.TargetExtras[targetOf(tt.targets[i])][framework.Detection]
				own, _ := det[ExtraCloudAPICalls].([]string)
				other, _ := det[ExtraCloudAPICallsOtherRegions].(map[string][]string)
				if !reflect.DeepEqual(own, w.own) {
					t.Errorf("target %d (%s): cloud_api_calls %q, want %q", i, region, own, w.own)
				}
				if !reflect.DeepEqual(other, w.other) {
					t.Errorf("target %d (%s): cloud_api_calls_other_regions %q, want %q", i, region, other, w.other)
				}
				// What a target lists under a region is what the stand-in
				// saw signed for that region.
				for _, c := range own {
					if !slices.Contains(st.seen(region), c) {
						t.Errorf("target %d lists %s under %s; the stand-in saw it signed for %q", i, c, region, st.seen())
					}
				}
				for r, calls := range other {
					for _, c := range calls {
						if !slices.Contains(st.seen(r), c) {
							t.Errorf("target %d lists %s under %s; the stand-in did not see it signed for %s", i, c, r, r)
						}
					}
				}
			}
		})
	}
}

// TestIAMRegion checks the region IAM requests are signed for, and
// CloudTrail records them in, per partition.
func TestIAMRegion(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west-1": "us-east-1", "us-east-1": "us-east-1", "ap-southeast-4": "us-east-1",
		"cn-northwest-1": "cn-north-1", "us-gov-east-1": "us-gov-west-1",
	} {
		if got := iamRegion(context.Background(), region); got != want {
			t.Errorf("iamRegion(%s) = %s, want %s", region, got, want)
		}
	}
}

// TestPartitionAgreesWithIAMRegion checks that two regions share a
// partition (one identity proof, one IAM check) exactly when the SDK signs
// IAM for them in one global region, and that the partition is named as
// the SDK's endpoint data names it: a region no partition claims
// (eusc-fr-east-1, which only eusc-de-… regions' partition rule would) is
// in aws, its IAM signed in us-east-1.
func TestPartitionAgreesWithIAMRegion(t *testing.T) {
	want := map[string]string{
		"eu-west-1": "aws", "us-east-1": "aws", "ap-southeast-4": "aws", "eusc-fr-east-1": "aws",
		"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-east-1": "aws-us-gov", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "us-isof-south-1": "aws-iso-f",
		"eu-isoe-west-1": "aws-iso-e", "eusc-de-east-1": "aws-eusc",
	}
	ctx := context.Background()
	var p awsProvider
	for a, wa := range want {
		if got := p.partition(a); got != wa {
			t.Errorf("partition(%s) = %s, want %s", a, got, wa)
		}
		for b := range want {
			samePart, sameIAM := p.partition(a) == p.partition(b), iamRegion(ctx, a) == iamRegion(ctx, b)
			if samePart != sameIAM {
				t.Errorf("%s and %s: same partition %v (%s, %s), IAM signed in one region %v (%s, %s)",
					a, b, samePart, p.partition(a), p.partition(b), sameIAM, iamRegion(ctx, a), iamRegion(ctx, b))
			}
		}
	}
}

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

// TestIAMCheckAnsweredInEveryPartition runs the IAM check for a region of
// each partition the SDK knows against the stand-in, which answers IAM
// only signed for a partition's global region, as IAM does: the check of
// every one of them is answered, none refused for its signature.
func TestIAMCheckAnsweredInEveryPartition(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	sess, err := awsProvider{}.open(context.Background(), zap.NewNop(), defaultParams(), hostSettings{endpointURL: st.URL()}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"eu-west-1", "cn-northwest-1", "us-gov-east-1", "us-iso-east-1", "us-isob-east-1",
		"us-isof-south-1", "eu-isoe-west-1", "eusc-de-east-1"} {
		res := sess.check(context.Background(), ServiceIAM, region, "123456789012")
		if res.Failed || len(res.Errors) > 0 {
			t.Errorf("%s (IAM signed for %s): failed %v, errors %+v", region, iamRegion(context.Background(), region), res.Failed, res.Errors)
		}
	}
}
