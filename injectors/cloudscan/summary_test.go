package cloudscan

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		f    Finding
		want string
	}{
		{"public bucket", Finding{Kind: KindS3PublicBucket, Resource: "b1", Reasons: []string{"acl grants READ to AllUsers", "bucket policy is public"}},
			"s3 bucket b1 is public: acl grants READ to AllUsers; bucket policy is public"},
		{"unprotected bucket", Finding{Kind: KindS3UnprotectedBucket, Resource: "b2", Reasons: []string{"no public access block configured"}},
			"s3 bucket b2 is not protected from public access: no public access block configured"},
		{"open ingress", Finding{Kind: KindEC2OpenIngress, Resource: "sg-1", GroupName: "web", Reasons: []string{"ingress tcp 22 open to 0.0.0.0/0: exposes ssh (22)"}},
			"ec2 security group sg-1 (web): ingress tcp 22 open to 0.0.0.0/0: exposes ssh (22)"},
		{"open ingress without a name", Finding{Kind: KindEC2OpenIngress, Resource: "sg-2"}, "ec2 security group sg-2"},
		{"user without mfa", Finding{Kind: KindIAMUserWithoutMFA, Resource: "arn:aws:iam::1:user/bob", User: "bob", Reasons: []string{"no mfa device"}},
			"iam user bob: no mfa device"},
		{"user without mfa, no name", Finding{Kind: KindIAMUserWithoutMFA, Resource: "arn:aws:iam::1:user/bob"}, "iam user arn:aws:iam::1:user/bob"},
		{"old key", Finding{Kind: KindIAMOldAccessKey, Resource: "AKIA1", User: "bob", Reasons: []string{"Active access key created 2024-02-10, 1020 days ago (limit 90)"}},
			"iam access key AKIA1 of user bob: Active access key created 2024-02-10, 1020 days ago (limit 90)"},
		{"unknown kind", Finding{Kind: "gcs_public_bucket", Resource: "b3", Reasons: []string{"allUsers"}}, "gcs_public_bucket b3: allUsers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.f); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	iam := &CheckResult{Global: true, Findings: []Finding{
		{Kind: KindIAMOldAccessKey, Resource: "AKIA1", User: "bob", Severity: SeverityLow, Reasons: []string{"old"}},
		{Kind: KindIAMUserWithoutMFA, Resource: "arn", User: "bob", Severity: SeverityHigh, Reasons: []string{"no mfa device"}},
	}}
	ec2 := func(sg, sev string) *CheckResult {
		return &CheckResult{Findings: []Finding{{Kind: KindEC2OpenIngress, Resource: sg, Severity: sev}}}
	}
	cfg := func(region string, checks map[string]*CheckResult) *ConfigResult {
		return &ConfigResult{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: region, Checks: checks}
	}
	tests := []struct {
		name    string
		results []*ConfigResult
		want    []string
	}{
		{"nothing", nil, []string{}},
		{"no finding", []*ConfigResult{cfg("eu-west-1", map[string]*CheckResult{"ec2": {Failed: true}, "s3": nil})}, []string{}},
		{"most severe first, then scan order; a shared global check once", []*ConfigResult{
			cfg("eu-west-1", map[string]*CheckResult{"iam": iam, "ec2": ec2("sg-1", SeverityMedium)}),
			cfg("us-east-1", map[string]*CheckResult{"iam": iam, "ec2": ec2("sg-2", SeverityHigh)}),
		}, []string{
			"[high] aws 123456789012 global: iam user bob: no mfa device",
			"[high] aws 123456789012 us-east-1: ec2 security group sg-2",
			"[medium] aws 123456789012 eu-west-1: ec2 security group sg-1",
			"[low] aws 123456789012 global: iam access key AKIA1 of user bob: old",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(tt.results)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The output's message names at most framework.MaxListedErrors failed
// calls and counts the others, which configs lists.
func TestJoinNotes(t *testing.T) {
	many := make([]string, framework.MaxListedErrors+2)
	for i := range many {
		many[i] = "n"
	}
	tests := []struct {
		name  string
		notes []string
		want  string
	}{
		{"none", nil, ""},
		{"one", []string{"aws global iam: ListAccessKeys bob: AccessDenied"}, "aws global iam: ListAccessKeys bob: AccessDenied"},
		{"past the limit", many, "n; n; n; n; n; n; n; n; n; n; and 2 more (configs lists every error)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := framework.JoinErrors(tt.notes, FieldConfigs); got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}
