package cloudscan

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestClassifyRule(t *testing.T) {
	i32 := func(v int32) *int32 { return &v }
	tests := []struct {
		name          string
		proto         string
		from, to      *int32
		wantProto     string
		wantPorts     string
		wantSeverity  string
		reasonHolding string
	}{
		{"all traffic", "-1", nil, nil, "all", "all", SeverityHigh, "all protocols"},
		{"ssh", "tcp", i32(22), i32(22), "tcp", "22", SeverityHigh, "ssh (22)"},
		{"rdp by number", "6", i32(3389), i32(3389), "tcp", "3389", SeverityHigh, "rdp (3389)"},
		{"postgres", "tcp", i32(5432), i32(5432), "tcp", "5432", SeverityHigh, "postgresql"},
		{"mongodb", "tcp", i32(27017), i32(27017), "tcp", "27017", SeverityHigh, "mongodb"},
		{"range holding mysql", "tcp", i32(3000), i32(3310), "tcp", "3000-3310", SeverityHigh, "mysql (3306)"},
		{"all tcp ports", "tcp", i32(0), i32(65535), "tcp", "0-65535", SeverityHigh, "all ports"},
		{"tcp without ports", "tcp", nil, nil, "tcp", "0-65535", SeverityHigh, "all ports"},
		{"udp memcached", "17", i32(11211), i32(11211), "udp", "11211", SeverityHigh, "memcached"},
		{"https", "tcp", i32(443), i32(443), "tcp", "443", SeverityMedium, "exposes ports 443"},
		{"range without risky port", "tcp", i32(8000), i32(8100), "tcp", "8000-8100", SeverityMedium, "8000-8100"},
		{"just below ssh", "tcp", i32(1), i32(21), "tcp", "1-21", SeverityMedium, "1-21"},
		{"icmp echo", "icmp", i32(8), i32(-1), "icmp", "type 8", SeverityLow, "icmp"},
		{"icmp all", "1", i32(-1), i32(-1), "icmp", "all", SeverityLow, "all icmp"},
		{"icmpv6 code", "58", i32(128), i32(0), "icmpv6", "type 128 code 0", SeverityLow, "icmpv6"},
		{"gre", "47", nil, nil, "47", "all", SeverityHigh, "protocol 47"},
		{"upper-case name", "TCP", i32(22), i32(22), "tcp", "22", SeverityHigh, "ssh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proto, ports, sev, reason := classifyRule(tt.proto, tt.from, tt.to)
			if proto != tt.wantProto || ports != tt.wantPorts || sev != tt.wantSeverity {
				t.Errorf("classifyRule(%q) = %q %q %q, want %q %q %q", tt.proto, proto, ports, sev,
					tt.wantProto, tt.wantPorts, tt.wantSeverity)
			}
			if !strings.Contains(reason, tt.reasonHolding) {
				t.Errorf("reason %q lacks %q", reason, tt.reasonHolding)
			}
		})
	}
}

// FuzzClassifyRule checks that any rule gets a known severity, that a tcp
// range holding port 22 is high, and that nothing panics.
func FuzzClassifyRule(f *testing.F) {
	f.Add("tcp", int32(22), int32(22))
	f.Add("-1", int32(-1), int32(-1))
	f.Add("udp", int32(65535), int32(0))
	f.Add("icmp", int32(-1), int32(4))
	f.Add("weird", int32(-7), int32(70000))
	f.Fuzz(func(t *testing.T, proto string, from, to int32) {
		p, ports, sev, reason := classifyRule(proto, &from, &to)
		switch sev {
		case SeverityHigh, SeverityMedium, SeverityLow:
		default:
			t.Fatalf("unknown severity %q", sev)
		}
		if p == "" && proto != "" || ports == "" || reason == "" {
			t.Fatalf("classifyRule(%q, %d, %d) = %q %q %q %q", proto, from, to, p, ports, sev, reason)
		}
		lo, hi := from, to
		if lo < 0 {
			lo = 0
		}
		if hi < 0 {
			hi = 65535
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if p == "tcp" && lo <= 22 && hi >= 22 && sev != SeverityHigh {
			t.Fatalf("tcp %d-%d holds ssh but is %s", from, to, sev)
		}
	})
}

func TestAssessSecurityGroup(t *testing.T) {
	sg := ec2types.SecurityGroup{GroupId: aws.String("sg-1"), GroupName: aws.String("g"),
		IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
				IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
				IpRanges:   []ec2types.IpRange{{CidrIp: aws.String("192.0.2.0/24")}, {CidrIp: aws.String("0.0.0.0/0")}},
				Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-2")}}},
		}}
	got := assessSecurityGroup(sg)
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1 (only the rule open to the internet): %+v", len(got), got)
	}
	want := []string{"0.0.0.0/0", "::/0"}
	if f := got[0]; f.Resource != "sg-1" || f.PortRange != "80" || !reflect.DeepEqual(f.CIDRs, want) || f.Severity != SeverityMedium {
		t.Errorf("finding = %+v", f)
	}
}

func TestAssessBucket(t *testing.T) {
	full := &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
		BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}
	group := func(uri string, perm s3types.Permission) s3types.Grant {
		return s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String(uri)}, Permission: perm}
	}
	owner := s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: aws.String("abc")},
		Permission: s3types.PermissionFullControl}
	tests := []struct {
		name     string
		bp       bucketPosture
		wantKind string // "" for no finding
		reasons  []string
	}{
		{"private and blocked", bucketPosture{block: full, grants: []s3types.Grant{owner}, policyPublic: aws.Bool(false)}, "", nil},
		{"no block", bucketPosture{noBlock: true, grants: []s3types.Grant{owner}, policyPublic: aws.Bool(false)},
			KindS3UnprotectedBucket, []string{"no public access block configured"}},
		{"public read acl", bucketPosture{noBlock: true, grants: []s3types.Grant{owner, group(allUsersURI, s3types.PermissionRead)}},
			KindS3PublicBucket, []string{"acl grants READ to AllUsers", "no public access block configured"}},
		{"authenticated users", bucketPosture{block: full, grants: []s3types.Grant{group(authenticatedUsersURI, s3types.PermissionWrite)}},
			KindS3UnprotectedBucket, []string{"acl grants WRITE to AuthenticatedUsers (ignored: IgnorePublicAcls)"}},
		{"public policy restricted", bucketPosture{block: full, policyPublic: aws.Bool(true)},
			KindS3UnprotectedBucket, []string{"bucket policy is public (restricted: RestrictPublicBuckets)"}},
		{"public policy restricted, block incomplete", bucketPosture{block: &s3types.PublicAccessBlockConfiguration{
			RestrictPublicBuckets: aws.Bool(true)}, policyPublic: aws.Bool(true)},
			KindS3UnprotectedBucket, []string{"bucket policy is public (restricted: RestrictPublicBuckets)",
				"public access block incomplete: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy off"}},
		{"public policy unrestricted", bucketPosture{block: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)}, policyPublic: aws.Bool(true)},
			KindS3PublicBucket, []string{"bucket policy is public", "public access block incomplete: RestrictPublicBuckets off"}},
		{"public policy, no block", bucketPosture{noBlock: true, policyPublic: aws.Bool(true)},
			KindS3PublicBucket, []string{"bucket policy is public", "no public access block configured"}},
		{"incomplete block", bucketPosture{block: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)}},
			KindS3UnprotectedBucket, []string{"public access block incomplete: RestrictPublicBuckets off"}},
		{"nothing known", bucketPosture{}, "", nil},
		{"other group ignored", bucketPosture{block: full, grants: []s3types.Grant{group("http://acs.amazonaws.com/groups/s3/LogDelivery", s3types.PermissionWrite)}}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := assessBucket("b", tt.bp, accountBlock{})
			if ok != (tt.wantKind != "") {
				t.Fatalf("finding %v (%+v), want kind %q", ok, f, tt.wantKind)
			}
			if !ok {
				return
			}
			if f.Kind != tt.wantKind || !reflect.DeepEqual(f.Reasons, tt.reasons) {
				t.Errorf("got %s %q, want %s %q", f.Kind, f.Reasons, tt.wantKind, tt.reasons)
			}
			wantSev := SeverityMedium
			if f.Kind == KindS3PublicBucket {
				wantSev = SeverityHigh
			}
			if f.Severity != wantSev {
				t.Errorf("severity %s, want %s", f.Severity, wantSev)
			}
		})
	}
}

func TestOldAccessKeys(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	key := func(id string, age time.Duration, st iamtypes.StatusType) iamtypes.AccessKeyMetadata {
		c := now.Add(-age)
		return iamtypes.AccessKeyMetadata{AccessKeyId: aws.String(id), CreateDate: &c, Status: st}
	}
	keys := []iamtypes.AccessKeyMetadata{
		key("AKIAEXACTLY90", 90*day, iamtypes.StatusTypeActive),
		key("AKIAOVER90", 90*day+time.Second, iamtypes.StatusTypeActive),
		key("AKIAOLDINACTIVE", 400*day, iamtypes.StatusTypeInactive),
		key("AKIANEW", day, iamtypes.StatusTypeActive),
		{AccessKeyId: aws.String("AKIANODATE"), Status: iamtypes.StatusTypeActive},
	}
	got := oldAccessKeys("u", keys, now, 90*day)
	var ids []string
	for _, f := range got {
		ids = append(ids, f.Resource+"/"+f.Severity)
	}
	want := []string{"AKIAOVER90/high", "AKIAOLDINACTIVE/low"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("reported %q, want %q", ids, want)
	}
}

func TestCloudTrailEvent(t *testing.T) {
	tests := []struct{ service, op, want string }{
		{"S3", "ListBuckets", "s3.amazonaws.com:ListBuckets"},
		{"S3", "GetPublicAccessBlock", "s3.amazonaws.com:GetBucketPublicAccessBlock"},
		{"S3", "GetBucketPolicyStatus", "s3.amazonaws.com:GetBucketPolicyStatus"},
		{"EC2", "DescribeSecurityGroups", "ec2.amazonaws.com:DescribeSecurityGroups"},
		{"IAM", "ListMFADevices", "iam.amazonaws.com:ListMFADevices"},
		{"STS", "GetCallerIdentity", "sts.amazonaws.com:GetCallerIdentity"},
	}
	for _, tt := range tests {
		if got := cloudTrailEvent(tt.service, tt.op); got != tt.want {
			t.Errorf("cloudTrailEvent(%s, %s) = %s, want %s", tt.service, tt.op, got, tt.want)
		}
	}
}

func BenchmarkAssessSecurityGroup(b *testing.B) {
	var perms []ec2types.IpPermission
	for p := int32(1); p <= 50; p++ {
		perms = append(perms, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(p * 100), ToPort: aws.Int32(p*100 + 50),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}, {CidrIp: aws.String("0.0.0.0/0")}}})
	}
	sg := ec2types.SecurityGroup{GroupId: aws.String("sg-1"), IpPermissions: perms}
	b.ReportAllocs()
	for b.Loop() {
		if len(assessSecurityGroup(sg)) != 50 {
			b.Fatal("want 50 findings")
		}
	}
}

// TestAssessBucketWithAccountBlock checks that the account's public access
// block counts, setting by setting, as S3 applies it (the most restrictive
// of the bucket's and the account's), and that an account block that could
// not be read is said so, never taken for one.
func TestAssessBucketWithAccountBlock(t *testing.T) {
	on := aws.Bool(true)
	full := &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: on, IgnorePublicAcls: on, BlockPublicPolicy: on,
		RestrictPublicBuckets: on}
	allUsers := s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String(allUsersURI)},
		Permission: s3types.PermissionRead}
	tests := []struct {
		name     string
		bp       bucketPosture
		acct     accountBlock
		wantKind string
		reasons  []string
	}{
		{"no bucket block, account block full", bucketPosture{noBlock: true, policyPublic: aws.Bool(false)},
			accountBlock{block: full}, "", nil},
		{"public acl ignored by the account", bucketPosture{noBlock: true, grants: []s3types.Grant{allUsers}},
			accountBlock{block: full}, KindS3UnprotectedBucket,
			[]string{"acl grants READ to AllUsers (ignored: the account's IgnorePublicAcls)"}},
		{"public policy restricted by the account", bucketPosture{noBlock: true, policyPublic: aws.Bool(true)},
			accountBlock{block: &s3types.PublicAccessBlockConfiguration{RestrictPublicBuckets: on}}, KindS3UnprotectedBucket,
			[]string{"bucket policy is public (restricted: the account's RestrictPublicBuckets)",
				"public access block incomplete: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy off (the bucket's and the account's combined)"}},
		{"levels combined setting by setting", bucketPosture{block: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: on, IgnorePublicAcls: on}}, accountBlock{block: &s3types.PublicAccessBlockConfiguration{BlockPublicPolicy: on}},
			KindS3UnprotectedBucket, []string{"public access block incomplete: RestrictPublicBuckets off (the bucket's and the account's combined)"}},
		{"account without a block", bucketPosture{noBlock: true}, accountBlock{}, KindS3UnprotectedBucket,
			[]string{"no public access block configured"}},
		{"account block unknown", bucketPosture{noBlock: true, grants: []s3types.Grant{allUsers}}, accountBlock{unknown: true},
			KindS3PublicBucket, []string{"acl grants READ to AllUsers",
				"no public access block configured (the account's block could not be read: GetAccountPublicAccessBlock failed)"}},
		{"bucket block unknown, account block full", bucketPosture{grants: []s3types.Grant{allUsers}}, accountBlock{block: full},
			KindS3UnprotectedBucket, []string{"acl grants READ to AllUsers (ignored: the account's IgnorePublicAcls)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := assessBucket("b", tt.bp, tt.acct)
			if ok != (tt.wantKind != "") {
				t.Fatalf("finding %v (%+v), want kind %q", ok, f, tt.wantKind)
			}
			if ok && (f.Kind != tt.wantKind || !reflect.DeepEqual(f.Reasons, tt.reasons)) {
				t.Errorf("got %s %q, want %s %q", f.Kind, f.Reasons, tt.wantKind, tt.reasons)
			}
		})
	}
}
