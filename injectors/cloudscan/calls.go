package cloudscan

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// recorder collects the API calls sent on behalf of one unit of work (the
// identity call, one check) and the user agent they carried. Safe for
// concurrent use.
type recorder struct {
	mu        sync.Mutex
	calls     map[string]struct{}
	userAgent string
}

func newRecorder() *recorder { return &recorder{calls: map[string]struct{}{}} }

func (r *recorder) add(call, userAgent string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[call] = struct{}{}
	if r.userAgent == "" {
		r.userAgent = userAgent
	}
}

// list returns the recorded calls, sorted.
func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.calls))
}

func (r *recorder) agent() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.userAgent
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
// for the few operations CloudTrail logs under another name.
func cloudTrailEvent(serviceID, operation string) string {
	source := strings.ToLower(strings.ReplaceAll(serviceID, " ", "")) + ".amazonaws.com"
	switch serviceID + ":" + operation {
	case "S3:GetPublicAccessBlock":
		operation = "GetBucketPublicAccessBlock"
	}
	return source + ":" + operation
}

// addRecordCalls adds a deserialize-step middleware, innermost, so that it
// runs once per attempt, around the send: it records the call in the
// context's recorder when AWS answered it.
func addRecordCalls(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("injectkitRecordCalls", recordCall), middleware.After)
}

// recordCall records an attempt that got an HTTP answer, whatever its
// status: CloudTrail logs the calls AWS refused (AccessDenied, throttling)
// as well as the others. An attempt that got none (a DNS, connection or
// TLS failure, a deadline before the answer) is not recorded: nothing says
// it reached AWS, so no trail can be expected to hold it.
func recordCall(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if r := recorderFrom(ctx); r != nil && answered(out) {
		ua := ""
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			ua = req.Header.Get("User-Agent")
		}
		r.add(cloudTrailEvent(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)), ua)
	}
	return out, md, err
}

// answered reports whether an attempt got an HTTP response. The SDK's HTTP
// handler stands an empty response (status 0) in for the one a failed send
// did not get.
func answered(out middleware.DeserializeOutput) bool {
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	return ok && resp != nil && resp.Response != nil && resp.StatusCode > 0
}

// addCallTimeout bounds each call, its retries included, to d.
func addCallTimeout(d time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("injectkitCallTimeout",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error,
			) {
				ctx, cancel := context.WithTimeout(ctx, d)
				defer cancel()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}
