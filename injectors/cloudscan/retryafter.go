package cloudscan

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// retryAfterHeader is the header with which AWS asks a client to wait
// before its next attempt, in milliseconds.
const retryAfterHeader = "X-Amz-Retry-After"

// addRetryAfterCap adds a deserialize-step middleware that keeps an
// answer's x-amz-retry-after within retry_max_backoff. The SDK's retryer
// waits what the header asks, clamped only to its own backoff plus five
// seconds: with retry_max_backoff 1s, an answer asking for a minute made
// the call wait six seconds before each attempt, past the longest delay
// the param promises. Lowered to max, the header still lengthens a wait
// up to max, never past it.
func addRetryAfterCap(max time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("injectkitRetryAfterCap",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
				middleware.DeserializeOutput, middleware.Metadata, error,
			) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil && resp.Response != nil {
					capRetryAfter(resp, max)
				}
				return out, md, err
			}), middleware.After)
	}
}

// capRetryAfter lowers resp's x-amz-retry-after to max when it asks for
// longer; a value the SDK ignores (not a whole number of milliseconds) is
// left as it is.
func capRetryAfter(resp *smithyhttp.Response, max time.Duration) {
	v := resp.Header.Get(retryAfterHeader)
	if v == "" {
		return
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= max.Milliseconds() {
		return
	}
	resp.Header.Set(retryAfterHeader, strconv.FormatInt(max.Milliseconds(), 10))
}
