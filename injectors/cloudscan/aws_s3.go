package cloudscan

import (
	"context"
	"errors"
	"slices"
	"sort"

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

// s3PageSize is how many buckets a ListBuckets page asks for
// (max-buckets, 1 to 10,000). A request without it is unpaginated, which
// S3 rejects for an account whose bucket quota is above 10,000 (Amazon
// S3 User Guide, "General purpose bucket quotas, limitations, and
// restrictions": "All unpaginated ListBuckets requests will be rejected
// for AWS accounts with a general purpose bucket quota greater than
// 10,000"): the accounts with the most buckets could not be scanned.
const s3PageSize = 1000

// checkS3 lists the region's buckets, reads the public access block of
// account (the buckets' owner: the credentials' account, proved), once,
// when there is a bucket, and, per bucket, its public access block, ACL
// and policy status.
func checkS3(ctx context.Context, c s3API, ctl s3ControlAPI, region, account string) *CheckResult {
	res := newCheckResult()
	var buckets []string
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{BucketRegion: aws.String(region)},
		func(o *s3.ListBucketsPaginatorOptions) { o.Limit, o.StopOnDuplicateToken = s3PageSize, true })
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
	var acct accountBlock
	if len(buckets) > 0 {
		acct = readAccountBlock(ctx, ctl, account, res)
	}
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
		if f, ok := assessBucket(name, bp, acct); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}

// apiCode returns the error code of an API error, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
