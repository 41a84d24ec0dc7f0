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
					last.err, last.answered = nil, answered(out)
					var ae smithy.APIError
					if last.answered && errors.As(err, &ae) {
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

// lastAnswer holds whether the last attempt of one call got an answer
// (its status, at least), and the AWS error it was answered with, nil when
// it got none or a success. A call's attempts run one after the other, on
// the call's goroutine.
type lastAnswer struct {
	err      error
	answered bool
	// deadline is the call's call_timeout's, timeout the call_timeout,
	// when it comes before the inject's deadline (zero otherwise): the
	// deadline a RetryCutError names.
	deadline time.Time
	timeout  time.Duration
}

type lastAnswerKey struct{}

// addCallTimeout bounds each call, its retries included, to d. When d
// runs out, the SDK's error does not say so, and may say otherwise: during
// its wait before another attempt, a bare "request canceled, context
// deadline exceeded", the answer that made it wait (RequestLimitExceeded,
// SlowDown…) dropped; during an attempt whose answer was being read, that
// attempt's error joined, on a second line, to "failed to get rate limit
// token, canceled", as if the inject's retry budget were the matter. The
// call's error is then a CallTimeoutError: the answer that made it wait,
// or the attempt's own error alone, and which it was. A call the inject's
// own end cut short (its deadline, an interrupt) keeps the SDK's error.
func addCallTimeout(d time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("injectkitCallTimeout",
			func(parent context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error,
			) {
				ctx, cancel := context.WithTimeout(parent, d)
				defer cancel()
				last := &lastAnswer{}
				own, _ := ctx.Deadline()
				if inject, ok := parent.Deadline(); !ok || own.Before(inject) {
					last.deadline, last.timeout = own, d
				}
				out, md, err := next.HandleInitialize(context.WithValue(ctx, lastAnswerKey{}, last), in)
				if err == nil || parent.Err() != nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return out, md, err
				}
				var canceled *aws.RequestCanceledError
				if last.err != nil && errors.As(err, &canceled) {
					return out, md, &CallTimeoutError{Last: last.err, Timeout: d}
				}
				if joined, ok := err.(interface{ Unwrap() []error }); ok && len(joined.Unwrap()) > 0 {
					err = joined.Unwrap()[0] // the attempt's, before the retry token's
				}
				return out, md, &CallTimeoutError{Attempt: err, Answered: last.answered, Timeout: d}
			}), middleware.Before)
	}
}

// CallTimeoutError is a call's error when its call_timeout ran out. Last
// is the answer that made the SDK wait to retry it, when the time ran out
// during that wait (its code is the call's: RequestLimitExceeded,
// SlowDown…); otherwise Attempt is the error of the attempt the time ran
// out in, Answered whether AWS had answered it (its body still being
// read). Timeout is the call_timeout.
type CallTimeoutError struct {
	Last     error
	Attempt  error
	Answered bool
	Timeout  time.Duration
}

func (e *CallTimeoutError) Error() string { return e.Unwrap().Error() + " (" + e.note() + ")" }

func (e *CallTimeoutError) Unwrap() error {
	if e.Last != nil {
		return e.Last
	}
	return e.Attempt
}

// waitCut reports whether the time ran out during a wait to retry.
func (e *CallTimeoutError) waitCut() bool { return e.Last != nil }

// note says what the time ran out in.
func (e *CallTimeoutError) note() string {
	switch {
	case e.waitCut():
		return "not retried: call_timeout " + e.Timeout.String() + " ran out while waiting to retry"
	case e.Answered:
		return "call_timeout " + e.Timeout.String() + " ran out while its answer was read"
	}
	return "call_timeout " + e.Timeout.String() + " ran out before AWS answered"
}
