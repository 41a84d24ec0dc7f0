package cloudscan

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// retryAfterHeader is the header with which AWS asks a client to wait
// before its next attempt, in milliseconds.
const retryAfterHeader = "X-Amz-Retry-After"

// addRetryWaits adds a deserialize-step middleware, run once per attempt
// inside the SDK's retries and outside the operation's deserializer (so it
// sees the error an answer is read as), that keeps an answer's x-amz-retry-after
// within retry_max_backoff (capRetryAfter) and notes the AWS error the
// attempt was answered with, if any, for addCallTimeout (lastAnswer).
func addRetryWaits(max time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("injectkitRetryWaits",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
				middleware.DeserializeOutput, middleware.Metadata, error,
			) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil && resp.Response != nil {
					capRetryAfter(resp, max)
				}
				if last, ok := ctx.Value(lastAnswerKey{}).(*lastAnswer); ok {
					last.err = nil
					var ae smithy.APIError
					if answered(out) && errors.As(err, &ae) {
						last.err = err
					}
				}
				return out, md, err
			}), middleware.Before)
	}
}

// capRetryAfter lowers resp's x-amz-retry-after to max when it asks for
// longer; a value the SDK ignores (not a whole number of milliseconds) is
// left as it is. The SDK's retryer waits what the header asks, clamped
// only to its own backoff plus five seconds: with retry_max_backoff 1s,
// an answer asking for a minute made the call wait six seconds before
// each attempt, past the longest delay the param promises. Lowered to
// max, the header still lengthens a wait up to max, never past it.
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

// lastAnswer holds the AWS error the last attempt of one call was
// answered with, nil when it got none or a success. A call's attempts run
// one after the other, on the call's goroutine.
type lastAnswer struct{ err error }

type lastAnswerKey struct{}

// addCallTimeout bounds each call, its retries included, to d. When d
// runs out during the SDK's wait before another attempt, the SDK ends the
// call with a bare "request canceled, context deadline exceeded", the
// answer that made it wait (RequestLimitExceeded, SlowDown…) dropped:
// the call's error is then a CallTimeoutError holding that answer.
func addCallTimeout(d time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("injectkitCallTimeout",
			func(parent context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error,
			) {
				ctx, cancel := context.WithTimeout(parent, d)
				defer cancel()
				last := &lastAnswer{}
				out, md, err := next.HandleInitialize(context.WithValue(ctx, lastAnswerKey{}, last), in)
				var canceled *aws.RequestCanceledError
				if err != nil && last.err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) &&
					errors.As(err, &canceled) {
					err = &CallTimeoutError{Last: last.err, Timeout: d}
				}
				return out, md, err
			}), middleware.Before)
	}
}

// CallTimeoutError is a call's error when call_timeout ran out while the
// SDK waited to retry it: Last is the answer that made it wait (its code
// the call's: RequestLimitExceeded, SlowDown…), Timeout the call_timeout.
type CallTimeoutError struct {
	Last    error
	Timeout time.Duration
}

func (e *CallTimeoutError) Error() string { return e.Last.Error() + " (" + e.note() + ")" }

func (e *CallTimeoutError) Unwrap() error { return e.Last }

// note says why the call was not retried.
func (e *CallTimeoutError) note() string {
	return "not retried: call_timeout " + e.Timeout.String() + " ran out while waiting to retry"
}
