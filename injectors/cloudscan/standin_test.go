package cloudscan

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// standIn is a local AWS on loopback: S3 through gofakes3 (buckets in
// memory), and STS, EC2 and IAM through the query protocol (form-encoded
// POST to / with Action=…, XML answers read from fixtures). gofakes3 routes
// the bucket sub-resources ?acl, ?publicAccessBlock and ?policyStatus to
// ListObjects, so the stand-in serves those from fixtures.
//
// Rules it enforces, each with the behaviour of AWS it models and where
// that behaviour is written down:
//
//   - Every request is signed (SigV4), but STS's AssumeRoleWithWebIdentity,
//     whose token is its credential: an unsigned one fails the test and is
//     answered 403, MissingAuthenticationToken for a query API (IAM and
//     STS API Reference, "Common Errors"), AccessDenied for S3 (Amazon S3
//     API Reference, "Error responses"); so is an S3 or S3 Control request
//     signed for another service than s3 (violation). A signed one is
//     authenticated first, as AWS does: its key, secret, session token
//     and signing time, against AWS's clock (authenticate,
//     standin_sigv4_test.go). No trail logs a call it refuses so, whatever
//     the service (seenCall.Refused; IAM User Guide, "Logging IAM and AWS
//     STS API calls with AWS CloudTrail": authenticated requests only).
//   - Service and region come from the SigV4 credential scope
//     (Credential=<key>/<date>/<region>/<service>/aws4_request), as AWS
//     reads them (AWS General Reference, "Elements of an AWS API request
//     signature": credential scope). Every call is recorded under that
//     region: CloudTrail records a call in the region it was made in (AWS
//     CloudTrail User Guide, "update-trail": IAM, STS global endpoint and
//     CloudFront events are recorded in us-east-1).
//   - IAM answers only a request signed for its partition's global region
//     (us-east-1; cn-north-1, us-gov-west-1, us-iso-east-1,
//     us-isob-east-1, us-isof-south-1, eu-isoe-west-1, eusc-de-east-1,
//     since one endpoint stands in for every partition);
//     any other gets 403 SignatureDoesNotMatch "Credential should be
//     scoped to a valid region, not '<region>'. " (AWS General Reference,
//     SigV4: "a service like IAM that uses a globally unique endpoint, use
//     the default region (us-east-1)"; the answer as AWS sends it:
//     aws/aws-sdk-go#156, rusoto/rusoto#1870).
//   - Listings paginate the way their APIs do, when a fixture says there is
//     a next page: IAM ListUsers, ListMFADevices and ListAccessKeys answer
//     IsTruncated true and a Marker, the next request sends Marker (IAM API
//     Reference, ListUsers: IsTruncated, Marker); EC2
//     DescribeSecurityGroups answers nextToken, the next request sends
//     NextToken, and pages only a request that gives MaxResults (5 to
//     1000; without it EC2 answers every item at once: ec2Paging)
//     (Amazon EC2 API Reference, DescribeSecurityGroups); S3
//     ListBuckets answers ContinuationToken, the next request sends
//     continuation-token, each gives max-buckets, 1 to 10000, as S3
//     asks of every account (s3Paging) (Amazon S3 API Reference, ListBuckets). A token
//     the stand-in did not issue fails the test (AWS hands out the only
//     tokens it takes), unfollowed lists the pages nobody read and
//     refollowed the ones asked for again by another call (an SDK's resend
//     of a call answered with success, below, asks for no page again); a
//     page asked for more than
//     maxFollows times fails the test and is refused (a listing that
//     never ends).
//   - An error document is served with the HTTP status AWS gives its code:
//     AccessDenied, UnauthorizedOperation, InvalidClientTokenId 403;
//     ExpiredToken 403 from a query API, 400 from S3 (the answers as AWS
//     sends them: cfn-sphere/cfn-sphere#55, romange/helio#15); Throttling
//     400; RequestLimitExceeded, SlowDown, ServiceUnavailable 503; NoSuch…
//     404 (IAM and STS API Reference, "Common Errors"; Amazon EC2 API
//     Reference, "Error codes"; Amazon S3 API Reference, "Error
//     responses"). The SDK retries by status and
//     code, so the status decides what is retried.
//   - ListBuckets with bucket-region lists the buckets of that region
//     only (Amazon S3 API Reference, ListBuckets: "BucketRegion limits the
//     response to buckets that are located in the specified AWS Region"),
//     and must be signed for that region: another answers 400
//     InvalidArgument (ListBuckets: "Requests made to a Regional endpoint
//     that is different from the bucket-region parameter are not
//     supported"; refusesBucketRegion).
//     Every bucket has one region, as every S3 bucket does: a fixture's
//     bucket is in its <BucketRegion>, a gofakes3 bucket in the region
//     newStandIn was given it with ("name@region"), eu-west-1 for a name
//     alone (bucketSpec), and ListBuckets answers each bucket's
//     BucketRegion, with the filter or without: ListBuckets is global,
//     every bucket of the account listed whatever region the request is
//     signed for (ListBuckets: "Returns a list of all buckets owned by
//     the authenticated sender"; the response's Bucket.BucketRegion).
//   - A bucket call (?acl, ?publicAccessBlock, ?policyStatus) signed
//     for another region than the bucket's answers 301 PermanentRedirect, the bucket's
//     region in x-amz-bucket-region, no Location (Amazon S3 API
//     Reference, "Error responses": PermanentRedirect, 301), or for a
//     bucket of an opt-in Region 400 IllegalLocationConstraintException
//     (redirects). One endpoint stands in for every region, so the
//     region signed for is the endpoint's.
//   - IAM GetLoginProfile of a user without a fixture (no console
//     password) answers 404 NoSuchEntity "Login Profile for User <name>
//     cannot be found." (IAM API Reference, GetLoginProfile: "If the
//     user has not been assigned a password, the operation returns a 404
//     (NoSuchEntity) error").
//   - A bucket without a public access block or a policy answers 404
//     NoSuchPublicAccessBlockConfiguration or NoSuchBucketPolicy (Amazon S3
//     API Reference, GetPublicAccessBlock, GetBucketPolicyStatus).
//   - S3 Control's GetPublicAccessBlock (the account's block, S3 signing
//     name, path /v20180820/configuration/publicAccessBlock) answers the
//     fixture s3control/publicAccessBlock.xml, 404
//     NoSuchPublicAccessBlockConfiguration without one; it is logged as
//     s3.amazonaws.com:GetAccountPublicAccessBlock (accountBlock).
//   - A region disableRegion names is an opt-in region the account has not
//     enabled: STS, EC2 and S3 refuse a request signed for it
//     (disableRegion, refusesS3),
//     and no call signed for it is logged (seenCall.Unlogged): a trail
//     logs the regions enabled in the account only (AWS CloudTrail User
//     Guide, "Understanding multi-Region trails and opt-in Regions": a
//     multi-Region trail "captures activity in all enabled Regions"; a
//     trail is copied into an opt-in Region when it is enabled).
//   - Each call keeps the userAgent CloudTrail would log for it: the
//     User-Agent header as sent, in square brackets for S3
//     (s3.amazonaws.com) events (Amazon S3 User Guide, "CloudTrail log
//     file entries for Amazon S3": "userAgent": "[…]" for ListBuckets;
//     CloudTrail logs the other services' as sent).
//   - GetCallerIdentity answers the account of the credentials (AWS STS API
//     Reference, GetCallerIdentity); identity remembers it.
//   - Network failures are the stand-in's own, not AWS's: dropOn closes
//     the connection unanswered, hangOn answers only when the client gives
//     up. An SDK retry of an attempt answered with success (the same
//     amz-sdk-invocation-id, which the SDK sends on every attempt of one
//     call) is marked Resent.
//
// Fixtures are looked up in dirs, first match wins:
//
//	<service>/<Action>[.<token>].<qualifier>.xml  (qualifier: region for ec2, UserName for iam)
//	<service>/<Action>[.<token>].xml
//	s3/<bucket>/<subresource>.xml, s3/<subresource>.xml, s3/ListBuckets[.<token>].xml
//	s3control/publicAccessBlock[.<account>].xml
//
// <token> is the paging token of a later page: the file for the first page
// announces it (Marker, nextToken, ContinuationToken), and the request
// that comes back with it gets the file named after it. A file named like
// the above with ".first" before ".xml" is served on the first request
// only (a throttled first attempt).
type standIn struct {
	t    *testing.T
	dirs []string
	s3   http.Handler
	srv  *httptest.Server
	// homes holds the region each gofakes3 bucket was created in
	// (bucketSpec).
	homes map[string]string

	mu     sync.Mutex
	events []seenCall
	served map[string]int
	// answered holds, per SDK invocation (amz-sdk-invocation-id), the
	// status its last attempt was answered with, 0 for none.
	answered map[string]int
	inflight int
	peak     int
	// hang holds the events answered only when the client gives up.
	hang map[string]bool
	// drop holds the events whose connection is closed unanswered.
	drop map[string]bool
	// echo holds, per event, the error code answered with a message that
	// quotes the request (echoOn); echoed the messages answered so.
	echo   map[string]string
	echoed []string
	// echoWith holds, per event set by echoWithOn, what writes its message.
	echoWith map[string]func(*http.Request) string
	// account is the account its GetCallerIdentity answered with, "" until
	// it answers one.
	account string
	// issued holds the paging tokens ("<fixture base>|<token>") the
	// stand-in answered with, followed how many requests came back with
	// each.
	issued   map[string]bool
	followed map[string]int
	// violations holds the requests the stand-in refused as AWS would,
	// which no client of it should send (violation); expectViolations,
	// set by a test of those rules, keeps them from failing the test.
	violations       []string
	expectViolations bool
	// disabled holds the opt-in regions the account has not enabled
	// (disableRegion); refusing, the enabled regions that refuse the
	// credentials all the same (refuseKeyIn).
	disabled, refusing map[string]bool
	// keys holds the account's access keys by id (knowKey), skew how far
	// AWS's clock is from the host's (skewClock): the SigV4 check
	// (standin_sigv4_test.go).
	keys map[string]accessKey
	skew time.Duration
}

func newStandIn(t *testing.T, buckets []string, dirs ...string) *standIn {
	t.Helper()
	backend := s3mem.New()
	homes := map[string]string{}
	for _, b := range buckets {
		name, home := bucketSpec(b)
		if err := backend.CreateBucket(name); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
		homes[name] = home
	}
	s := &standIn{t: t, dirs: dirs, homes: homes, served: map[string]int{}, answered: map[string]int{}, hang: map[string]bool{},
		drop: map[string]bool{}, echo: map[string]string{},
		echoWith: map[string]func(*http.Request) string{}, issued: map[string]bool{}, followed: map[string]int{},
		disabled: map[string]bool{}, refusing: map[string]bool{},
		keys: map[string]accessKey{testAccessKeyID: {secret: testSecretKey}},
		// The stand-in checks each request's time against its own clock
		// (checkTime) before gofakes3 sees it; gofakes3's check against the
		// host's would refuse a request the SDK corrected to AWS's.
		s3: gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()), gofakes3.WithTimeSkewLimit(0)).Server()}
	s.srv = httptest.NewServer(http.HandlerFunc(s.route))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the endpoint_url setting to give the executor.
func (s *standIn) URL() string { return s.srv.URL }

var credentialScope = regexp.MustCompile(`Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (s *standIn) route(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inflight++
	s.peak = max(s.peak, s.inflight)
	s.mu.Unlock()
	id := r.Header.Get("Amz-Sdk-Invocation-Id")
	answer := func(status int) {
		if id != "" {
			s.answered[id] = status
		}
	}
	// The status is kept as it is written, before the client can read it:
	// a resend of the call may come before this handler returns.
	sw := &statusWriter{ResponseWriter: w, onStatus: func(status int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		answer(status)
	}}
	w = sw
	defer func() {
		s.mu.Lock()
		s.inflight--
		answer(sw.status)
		s.mu.Unlock()
	}()
	w.Header().Set("Date", s.now().Format(http.TimeFormat))
	region, service := "", ""
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region, service = m[2], m[3]
	}
	if s.authenticate(w, r, service) {
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/" && service != "s3" {
		s.query(w, r, service, region)
		return
	}
	if service != "s3" {
		// S3 and S3 Control sign for s3 alone; a request signed for no
		// service or another one AWS refuses unanswered.
		s.violation("%s %s signed for service %q, not s3", r.Method, r.URL, service)
		s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied", "")
		return
	}
	s.rest(w, r, region)
}

// query answers the query-protocol services (sts, ec2, iam).
func (s *standIn) query(w http.ResponseWriter, r *http.Request, service, region string) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	action := r.PostForm.Get("Action")
	if service == "" && action == "AssumeRoleWithWebIdentity" {
		service = "sts" // an unsigned call: its token is its credential
	}
	if service == "" {
		s.violation("%s sent unsigned", action)
		queryError(w, http.StatusForbidden, "https://sts.amazonaws.com/doc/2011-06-15/", "MissingAuthenticationToken",
			"The request must contain either a valid (registered) AWS access key ID or X.509 certificate.")
		return
	}
	event := service + ".amazonaws.com:" + action
	if s.dropped(w, event) {
		return
	}
	s.record(event, region, r)
	s.mu.Lock()
	hang := s.hang[event]
	s.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	if s.echoes(w, r, event, service, "") {
		return
	}
	if s.refusesRegion(w, service, region) {
		return
	}
	if service == "iam" && !iamSigningRegions[region] {
		queryError(w, http.StatusForbidden, "https://iam.amazonaws.com/doc/2010-05-08/", "SignatureDoesNotMatch",
			"Credential should be scoped to a valid region, not '"+region+"'. ")
		return
	}
	var qualifiers []string
	token := ""
	switch service {
	case "ec2":
		qualifiers = []string{region}
		token = r.PostForm.Get("NextToken")
	case "iam":
		qualifiers = []string{r.PostForm.Get("UserName")}
		token = r.PostForm.Get("Marker")
	}
	base, ok := s.page(w, r, filepath.Join(service, action), token)
	if !ok || (service == "ec2" && !s.ec2Paging(w, r, base, qualifiers)) {
		return
	}
	if service == "iam" && action == "GetLoginProfile" && s.find(base, qualifiers, "") == "" {
		user := r.PostForm.Get("UserName")
		queryError(w, http.StatusNotFound, "https://iam.amazonaws.com/doc/2010-05-08/", "NoSuchEntity",
			"Login Profile for User "+user+" cannot be found.")
		return
	}
	s.serve(w, base, qualifiers, "")
}

// rest answers S3's REST API.
func (s *standIn) rest(w http.ResponseWriter, r *http.Request, region string) {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == accountBlockPath:
		s.accountBlock(w, r, region)
	case r.Method == http.MethodGet && bucket == "":
		s.record("s3.amazonaws.com:ListBuckets", region, r)
		if s.echoes(w, r, "s3.amazonaws.com:ListBuckets", "s3", "") || s.refusesS3(w, r, region, false) {
			return
		}
		if !s.s3Paging(w, r) || refusesBucketRegion(w, q.Get("bucket-region"), region) {
			return
		}
		base, ok := s.page(w, r, filepath.Join("s3", "ListBuckets"), q.Get("continuation-token"))
		if !ok {
			return
		}
		rec := httptest.NewRecorder()
		if s.find(base, nil, "") != "" {
			s.serve(rec, base, nil, "")
		} else {
			s.s3.ServeHTTP(rec, r)
		}
		s.writeBuckets(w, rec, q.Get("bucket-region"))
	case r.Method == http.MethodGet && q.Has("acl"):
		s.record("s3.amazonaws.com:GetBucketAcl", region, r)
		if s.echoes(w, r, "s3.amazonaws.com:GetBucketAcl", "s3", bucket) || s.refusesS3(w, r, region, false) ||
			s.redirects(w, bucket, region) {
			return
		}
		s.serve(w, filepath.Join("s3", bucket, "acl"), nil, filepath.Join("s3", "acl"))
	case r.Method == http.MethodGet && q.Has("publicAccessBlock"):
		s.record("s3.amazonaws.com:GetBucketPublicAccessBlock", region, r)
		if s.refusesS3(w, r, region, false) || s.redirects(w, bucket, region) {
			return
		}
		if s.find(filepath.Join("s3", bucket, "publicAccessBlock"), nil, "") == "" {
			s3Error(w, http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration",
				"The public access block configuration was not found", bucket)
			return
		}
		s.serve(w, filepath.Join("s3", bucket, "publicAccessBlock"), nil, "")
	case r.Method == http.MethodGet && q.Has("policyStatus"):
		s.record("s3.amazonaws.com:GetBucketPolicyStatus", region, r)
		if s.refusesS3(w, r, region, false) || s.redirects(w, bucket, region) {
			return
		}
		if s.find(filepath.Join("s3", bucket, "policyStatus"), nil, "") == "" {
			s3Error(w, http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist", bucket)
			return
		}
		s.serve(w, filepath.Join("s3", bucket, "policyStatus"), nil, "")
	default:
		s.record("s3.amazonaws.com:unexpected "+r.Method+" "+r.URL.String(), region, r)
		s.s3.ServeHTTP(w, r)
	}
}
