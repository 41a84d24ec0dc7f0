package cloudscan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// s3API is the part of the S3 client the check reads with.
type s3API interface {
	ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
	GetPublicAccessBlock(context.Context, *s3.GetPublicAccessBlockInput, ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	GetBucketAcl(context.Context, *s3.GetBucketAclInput, ...func(*s3.Options)) (*s3.GetBucketAclOutput, error)
	GetBucketPolicyStatus(context.Context, *s3.GetBucketPolicyStatusInput, ...func(*s3.Options)) (*s3.GetBucketPolicyStatusOutput, error)
}

// The ACL groups that make a bucket public.
const (
	allUsersURI           = "http://acs.amazonaws.com/groups/global/AllUsers"
	authenticatedUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// bucketPosture is what the check learnt about one bucket. A nil field was
// not learnt (its call failed).
type bucketPosture struct {
	// block is the public access block; noBlock is set when none is
	// configured (NoSuchPublicAccessBlockConfiguration).
	block   *s3types.PublicAccessBlockConfiguration
	noBlock bool
	grants  []s3types.Grant
	// policyPublic is nil when unknown; false when there is no policy.
	policyPublic *bool
}

// checkS3 lists the region's buckets and reads, per bucket, its public access
// block, ACL and policy status.
func checkS3(ctx context.Context, c s3API, region string) *CheckResult {
	res := newCheckResult()
	var buckets []string
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{BucketRegion: aws.String(region)},
		func(o *s3.ListBucketsPaginatorOptions) { o.StopOnDuplicateToken = true })
	next := func(page *s3.ListBucketsOutput) *string { return page.ContinuationToken }
	if err := eachPage(ctx, p, next, func(page *s3.ListBucketsOutput) {
		for _, b := range page.Buckets {
			// Real S3 filters by BucketRegion; a store that ignores the
			// filter but reports regions is filtered here.
			if b.BucketRegion != nil && *b.BucketRegion != "" && *b.BucketRegion != region {
				continue
			}
			buckets = append(buckets, aws.ToString(b.Name))
		}
	}); err != nil {
		res.fail("ListBuckets", err) // the buckets of the pages read are still checked
	}
	sort.Strings(buckets)             // S3 lists by name; some compatible stores do not
	buckets = slices.Compact(buckets) // a page read twice lists its buckets twice
	for _, name := range buckets {
		if ctx.Err() != nil {
			res.addError("scan", name, ctx.Err())
			return res
		}
		var bp bucketPosture
		pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(name)})
		switch {
		case err == nil:
			bp.block = pab.PublicAccessBlockConfiguration
			if bp.block == nil {
				bp.noBlock = true
			}
		case apiCode(err) == "NoSuchPublicAccessBlockConfiguration":
			bp.noBlock = true
		default:
			res.addError("GetPublicAccessBlock", name, err)
		}
		acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(name)})
		if err != nil {
			res.addError("GetBucketAcl", name, err)
		} else {
			bp.grants = acl.Grants
			if bp.grants == nil {
				bp.grants = []s3types.Grant{}
			}
		}
		st, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(name)})
		switch {
		case err == nil:
			public := st.PolicyStatus != nil && aws.ToBool(st.PolicyStatus.IsPublic)
			bp.policyPublic = &public
		case apiCode(err) == "NoSuchBucketPolicy":
			bp.policyPublic = aws.Bool(false)
		default:
			res.addError("GetBucketPolicyStatus", name, err)
		}
		if f, ok := assessBucket(name, bp); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}

// assessBucket reports a bucket that is public (an ACL grant to everyone or
// to every AWS user that no IgnorePublicAcls neutralises, a public policy
// that no RestrictPublicBuckets restricts: high) or unprotected (no public
// access block, or one with a setting off, or a public ACL or policy that
// the block neutralises: medium). RestrictPublicBuckets limits access
// under a public policy to AWS service principals and the bucket owner's
// account (Amazon S3 API Reference, PublicAccessBlockConfiguration), so
// such a bucket is not reachable by the public.
func assessBucket(name string, bp bucketPosture) (Finding, bool) {
	var public, unprotected []string
	ignoreACLs := bp.block != nil && aws.ToBool(bp.block.IgnorePublicAcls)
	restrictPolicy := bp.block != nil && aws.ToBool(bp.block.RestrictPublicBuckets)
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
			unprotected = append(unprotected, reason+" (ignored: IgnorePublicAcls)")
			continue
		}
		public = append(public, reason)
	}
	switch {
	case bp.policyPublic == nil || !*bp.policyPublic:
	case restrictPolicy:
		unprotected = append(unprotected, "bucket policy is public (restricted: RestrictPublicBuckets)")
	default:
		public = append(public, "bucket policy is public")
	}
	switch {
	case bp.noBlock:
		unprotected = append(unprotected, "no public access block configured")
	case bp.block != nil:
		var off []string
		for _, s := range []struct {
			name string
			on   *bool
		}{
			{"BlockPublicAcls", bp.block.BlockPublicAcls},
			{"IgnorePublicAcls", bp.block.IgnorePublicAcls},
			{"BlockPublicPolicy", bp.block.BlockPublicPolicy},
			{"RestrictPublicBuckets", bp.block.RestrictPublicBuckets},
		} {
			if !aws.ToBool(s.on) {
				off = append(off, s.name)
			}
		}
		if len(off) > 0 {
			unprotected = append(unprotected, "public access block incomplete: "+strings.Join(off, ", ")+" off")
		}
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

// apiCode returns the error code of an API error, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
