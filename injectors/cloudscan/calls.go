package cloudscan

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// recorder collects the API calls sent on behalf of one unit of work (the
// identity call, one check), by the region whose trail records each, with
// the User-Agent header each carried. Safe for concurrent use.
type recorder struct {
	mu sync.Mutex
	// calls holds, per region, the calls recorded there, each with the
	// User-Agent header of its first answered attempt.
	calls map[string]map[string]string
}

func newRecorder() *recorder { return &recorder{calls: map[string]map[string]string{}} }

// add records call as made in region (the region its request was signed
// for, which is the region whose CloudTrail records it) with the
// User-Agent header it sent; a call recorded there already keeps its
// first.
func (r *recorder) add(region, call, userAgent string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.calls[region]
	if set == nil {
		set = map[string]string{}
		r.calls[region] = set
	}
	if _, ok := set[call]; !ok {
		set[call] = userAgent
	}
}

// byRegion returns the recorded calls per region, each list sorted.
func (r *recorder) byRegion() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]string, len(r.calls))
	for region, set := range r.calls {
		out[region] = slices.Sorted(maps.Keys(set))
	}
	return out
}

// userAgent returns the User-Agent header call, recorded in region, sent
// ("" when it was not recorded there).
func (r *recorder) userAgent(region, call string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[region][call]
}

type recorderKey struct{}

// withRecorder returns ctx carrying r: every API call made with the returned
// context is recorded in r.
func withRecorder(ctx context.Context, r *recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

func recorderFrom(ctx context.Context) *recorder {
	r, _ := ctx.Value(recorderKey{}).(*recorder)
	return r
}

// cloudTrailEvent names an API call as CloudTrail records it:
// "eventSource:eventName". The SDK's operation name is the event name except
// for the few operations CloudTrail logs under another name, and S3
// Control's source is S3's.
func cloudTrailEvent(serviceID, operation string) string {
	source := strings.ToLower(strings.ReplaceAll(serviceID, " ", "")) + ".amazonaws.com"
	switch serviceID + ":" + operation {
	case "S3:GetPublicAccessBlock":
		operation = "GetBucketPublicAccessBlock"
	case "S3 Control:GetPublicAccessBlock":
		// S3 Control's calls are S3 events named after their IAM action
		// (s3:GetAccountPublicAccessBlock), as CloudTrail logs them.
		source, operation = "s3.amazonaws.com", "GetAccountPublicAccessBlock"
	}
	return source + ":" + operation
}

// addRecordCalls adds a deserialize-step middleware, innermost, so that it
// runs once per attempt, around the send: it records the call in the
// context's recorder when AWS answered it.
func addRecordCalls(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("injectkitRecordCalls", recordCall), middleware.After)
}

// recordCall records an attempt that got an HTTP answer from AWS, whatever
// its status: CloudTrail logs the calls AWS refused (AccessDenied,
// throttling) as well as the others, but those it could not authenticate
// (unauthenticated: trailauth.go). An attempt that got none (a DNS,
// connection or TLS failure, a deadline before the answer), a 2xx that
// is not AWS's (NotAWSAnswerError: a proxy's or a portal's page), or an
// error answer that is not (awsErrorAnswer: a proxy's 502, 503 or 407
// page, a gateway's empty 504) is not recorded: nothing says it reached
// AWS, so no trail can be expected to hold it.
func recordCall(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	var notAWS *NotAWSAnswerError
	if r := recorderFrom(ctx); r != nil && answered(out) && !errors.As(err, &notAWS) && awsErrorAnswer(out) &&
		!unauthenticated(out) {
		ua, region := "", awsmiddleware.GetRegion(ctx)
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			ua = req.Header.Get("User-Agent")
			if signed := signingRegion(req.Header.Get("Authorization")); signed != "" {
				region = signed
			}
		}
		r.add(region, cloudTrailEvent(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)), ua)
	}
	return out, md, err
}

// signingRegion returns the region of a SigV4 Authorization header's
// credential scope ("Credential=AKID/20261201/us-east-1/iam/aws4_request"),
// "" when it has none. CloudTrail records a call in the region its request
// was signed for: the endpoint's region for a regional service, the
// partition's global region (us-east-1 in aws) for IAM.
func signingRegion(authorization string) string {
	_, scope, ok := strings.Cut(authorization, "Credential=")
	if !ok {
		return ""
	}
	scope, _, _ = strings.Cut(scope, ",")
	parts := strings.Split(scope, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[2]
}

// awsRequestIDHeaders are the headers AWS gives every answer its request
// id in: x-amzn-RequestId (the query and JSON APIs), x-amz-request-id and
// x-amz-id-2 (S3, S3 Control).
var awsRequestIDHeaders = []string{"X-Amzn-Requestid", "X-Amz-Request-Id", "X-Amz-Id-2"}

// awsErrorRoots are the root elements of AWS's error documents: S3's
// <Error>, the query APIs' and S3 Control's <ErrorResponse>, EC2's
// <Response> (Amazon S3 API Reference, "Error responses"; IAM and STS API
// Reference, "Common Errors"; Amazon EC2 API Reference, "Error
// responses").
var awsErrorRoots = []string{"Error", "ErrorResponse", "Response"}

// awsErrorAnswer reports whether an answered attempt's answer may be
// AWS's: a 2xx (checkAnswer judges its body), or an error answer with an
// AWS request id header or whose body is an AWS error document. The body
// read is put back for the SDK's decoder.
func awsErrorAnswer(out middleware.DeserializeOutput) bool {
	resp := out.RawResponse.(*smithyhttp.Response)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return true
	}
	for _, h := range awsRequestIDHeaders {
		if resp.Header.Get(h) != "" {
			return true
		}
	}
	if resp.Body == nil {
		return false
	}
	root, body, _ := rootElement(resp.Body)
	resp.Body = body
	return slices.Contains(awsErrorRoots, root)
}

// answered reports whether an attempt got an HTTP response. The SDK's HTTP
// handler stands an empty response (status 0) in for the one a failed send
// did not get.
func answered(out middleware.DeserializeOutput) bool {
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	return ok && resp != nil && resp.Response != nil && resp.StatusCode > 0
}
