package cloudscan

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// s3ControlAPI is the part of the S3 Control client the S3 check reads
// with: the account's public access block.
type s3ControlAPI interface {
	GetPublicAccessBlock(context.Context, *s3control.GetPublicAccessBlockInput, ...func(*s3control.Options)) (*s3control.GetPublicAccessBlockOutput, error)
}

// accountBlock is the account's S3 Block Public Access as the S3 check
// learnt it. S3 applies, per setting, the most restrictive of the bucket's
// and the account's (Amazon S3 API Reference, GetPublicAccessBlock: "If the
// PublicAccessBlock settings are different between the bucket and the
// account, Amazon S3 uses the most restrictive combination of the
// bucket-level and account-level settings"), so a setting is on when
// either level turns it on.
type accountBlock struct {
	// block is the account's configuration, nil when it has none or when
	// it is unknown.
	block *s3types.PublicAccessBlockConfiguration
	// unknown is set when it could not be read (AccessDenied…): what the
	// account blocks is not known, and is not guessed.
	unknown bool
}

// readAccountBlock reads account's public access block through S3 Control
// (logged by CloudTrail as s3.amazonaws.com:GetAccountPublicAccessBlock),
// a failure recorded in res.
func readAccountBlock(ctx context.Context, c s3ControlAPI, account string, res *CheckResult) accountBlock {
	out, err := c.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)})
	switch {
	case err == nil:
		cfg := out.PublicAccessBlockConfiguration
		if cfg == nil {
			return accountBlock{}
		}
		return accountBlock{block: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: cfg.BlockPublicAcls,
			IgnorePublicAcls: cfg.IgnorePublicAcls, BlockPublicPolicy: cfg.BlockPublicPolicy,
			RestrictPublicBuckets: cfg.RestrictPublicBuckets}}
	case apiCode(err) == "NoSuchPublicAccessBlockConfiguration":
		return accountBlock{}
	}
	res.addError("GetAccountPublicAccessBlock", account, err)
	return accountBlock{unknown: true}
}

// newS3Control returns an S3 Control client for region. S3 Control
// addresses the account in its host ("<account>.s3-control.<region>.
// amazonaws.com"); at the endpoint setting's endpoint (asGiven) that host
// would be a name no one resolves ("123456789012.127.0.0.1"), so there the
// request goes to the endpoint as given, the account in its
// x-amz-account-id header only, as S3 is addressed path-style there. So
// too at an endpoint of the SDK's own configuration (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_S3_CONTROL…) that takes no label in front of its host
// (labelFree); one with another host name keeps the SDK's.
func newS3Control(cfg aws.Config, region string, asGiven bool) *s3control.Client {
	return s3control.NewFromConfig(cfg, func(o *s3control.Options) {
		o.Region = region
		if asGiven || labelFree(o.BaseEndpoint) {
			o.EndpointResolverV2 = endpointAsGiven{next: o.EndpointResolverV2}
		}
	})
}

// labelFree reports whether endpoint, an endpoint URL, has a host that
// takes no label in front of it: an IP address (for the SDK an IPv6 one
// is invalid with one), or localhost or a name under it (RFC 6761: a
// loopback name, which the endpoint checks take for this machine). Go's
// resolver keeps "localhost" on this machine (the hosts file) but asks
// the network's DNS server for a name under it: S3's bucket in front
// ("west-logs.localhost") and S3 Control's account ("123456789012.
// localhost") would leave the machine in a DNS query and resolve nowhere.
func labelFree(endpoint *string) bool {
	if endpoint == nil {
		return false
	}
	u, err := url.Parse(*endpoint)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// endpointAsGiven resolves S3 Control's endpoint without the account
// prefix its rules put on the host.
type endpointAsGiven struct{ next s3control.EndpointResolverV2 }

func (r endpointAsGiven) ResolveEndpoint(ctx context.Context, p s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	next := r.next
	if next == nil {
		next = s3control.NewDefaultEndpointResolverV2()
	}
	// Resolved as for a request that names no account: the rules would
	// put it in front of the host, and refuse an IPv6 one so prefixed
	// ("http://123456789012.[::1]:4566") before it could be taken off.
	// The account still goes in the x-amz-account-id header.
	p.AccountId, p.RequiresAccountId = nil, nil
	return next.ResolveEndpoint(ctx, p)
}

// assessBucket reports a bucket that is public (an ACL grant to everyone or
// to every AWS user that no IgnorePublicAcls neutralises, a public policy
// that no RestrictPublicBuckets restricts: high) or unprotected (no public
// access block, or one with a setting off, or a public ACL or policy that
// the block neutralises: medium). Each setting is the bucket's or the
// account's (acct), whichever turns it on, as S3 applies them; a reason
// says when it is the account's, and when the account's block could not
// be read. RestrictPublicBuckets limits access under a public policy to
// AWS service principals and the bucket owner's account (Amazon S3 API
// Reference, PublicAccessBlockConfiguration), so such a bucket is not
// reachable by the public.
func assessBucket(name string, bp bucketPosture, acct accountBlock) (Finding, bool) {
	var public, unprotected []string
	// by names which level turns setting on: "" (none), "" + the bucket's
	// (its reasons say the setting alone, as they always have), or the
	// account's.
	by := func(setting func(*s3types.PublicAccessBlockConfiguration) *bool) (on bool, whose string) {
		switch {
		case bp.block != nil && aws.ToBool(setting(bp.block)):
			return true, ""
		case acct.block != nil && aws.ToBool(setting(acct.block)):
			return true, "the account's "
		}
		return false, ""
	}
	ignoreACLs, ignoreBy := by(func(c *s3types.PublicAccessBlockConfiguration) *bool { return c.IgnorePublicAcls })
	restrict, restrictBy := by(func(c *s3types.PublicAccessBlockConfiguration) *bool { return c.RestrictPublicBuckets })
	for _, g := range bp.grants {
		if g.Grantee == nil {
			continue
		}
		var who string
		switch aws.ToString(g.Grantee.URI) {
		case allUsersURI:
			who = "AllUsers"
		case authenticatedUsersURI:
			who = "AuthenticatedUsers"
		default:
			continue
		}
		reason := fmt.Sprintf("acl grants %s to %s", g.Permission, who)
		if ignoreACLs {
			unprotected = append(unprotected, reason+" (ignored: "+ignoreBy+"IgnorePublicAcls)")
			continue
		}
		public = append(public, reason)
	}
	switch {
	case bp.policyPublic == nil || !*bp.policyPublic:
	case restrict:
		unprotected = append(unprotected, "bucket policy is public (restricted: "+restrictBy+"RestrictPublicBuckets)")
	default:
		public = append(public, "bucket policy is public")
	}
	if reason := blockGap(bp, acct); reason != "" {
		unprotected = append(unprotected, reason)
	}
	switch {
	case len(public) > 0:
		return Finding{Kind: KindS3PublicBucket, Resource: name, Severity: SeverityHigh,
			Reasons: append(public, unprotected...)}, true
	case len(unprotected) > 0:
		return Finding{Kind: KindS3UnprotectedBucket, Resource: name, Severity: SeverityMedium,
			Reasons: unprotected}, true
	}
	return Finding{}, false
}

// blockGap says what of S3 Block Public Access is off for a bucket, the
// bucket's and the account's settings combined, "" when nothing is or
// when the bucket's own block is unknown (its call failed).
func blockGap(bp bucketPosture, acct accountBlock) string {
	if !bp.noBlock && bp.block == nil {
		return ""
	}
	var off []string
	for _, s := range []struct {
		name string
		get  func(*s3types.PublicAccessBlockConfiguration) *bool
	}{
		{"BlockPublicAcls", func(c *s3types.PublicAccessBlockConfiguration) *bool { return c.BlockPublicAcls }},
		{"IgnorePublicAcls", func(c *s3types.PublicAccessBlockConfiguration) *bool { return c.IgnorePublicAcls }},
		{"BlockPublicPolicy", func(c *s3types.PublicAccessBlockConfiguration) *bool { return c.BlockPublicPolicy }},
		{"RestrictPublicBuckets", func(c *s3types.PublicAccessBlockConfiguration) *bool { return c.RestrictPublicBuckets }},
	} {
		if !(bp.block != nil && aws.ToBool(s.get(bp.block))) && !(acct.block != nil && aws.ToBool(s.get(acct.block))) {
			off = append(off, s.name)
		}
	}
	var reason string
	switch {
	case len(off) == 0:
		return ""
	case bp.noBlock && acct.block == nil:
		reason = "no public access block configured"
	case acct.block == nil:
		reason = "public access block incomplete: " + strings.Join(off, ", ") + " off"
	default:
		reason = "public access block incomplete: " + strings.Join(off, ", ") + " off (the bucket's and the account's combined)"
	}
	if acct.unknown {
		reason += " (the account's block could not be read: GetAccountPublicAccessBlock failed)"
	}
	return reason
}
