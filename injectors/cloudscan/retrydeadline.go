package cloudscan

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The SDK's retryer waits its backoff before another attempt of a
// throttled call (Throttling, RequestLimitExceeded, SlowDown, a 429 or
// 503) whatever time the call has left: a wait longer than what is left
// before the call's deadline (the inject's, its --timeout or expiry, or
// the call's call_timeout) was sat out until the deadline cut it, and the
// call ended as "request canceled, context deadline exceeded", the
// throttling lost, the inject timed out. addRetryDeadline stops the call
// before such a wait instead: its error is the answer that asked for the
// retry (RetryCutError), and the inject goes on with the time it has left.

// addRetryDeadline replaces the client's retry middleware (the SDK's
// retry.Attempt, "Retry") by one that runs the same middleware, its
// options kept, over retryer seen through a deadlineRetryer, one per call.
func addRetryDeadline(retryer aws.Retryer) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		found, ok := stack.Finalize.Get("Retry")
		if !ok {
			return nil
		}
		sdk, ok := found.(*retry.Attempt)
		if !ok {
			return nil
		}
		_, err := stack.Finalize.Swap("Retry", &deadlineAttempt{sdk: sdk, retryer: retryer})
		return err
	}
}

// deadlineAttempt is the retry middleware of one client: the SDK's, made
// anew for each call over a deadlineRetryer of the shared retryer.
type deadlineAttempt struct {
	sdk     *retry.Attempt
	retryer aws.Retryer
}

func (*deadlineAttempt) ID() string { return "Retry" }

func (m *deadlineAttempt) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	r := &deadlineRetryer{RetryerV2: asRetryerV2(m.retryer)}
	attempt := retry.NewAttemptMiddleware(r, smithyhttp.RequestCloner, func(a *retry.Attempt) {
		a.LogAttempts = m.sdk.LogAttempts
		a.OperationMeter = m.sdk.OperationMeter
		a.ClientSkew = m.sdk.ClientSkew
		a.DisableClockSkewCorrection = m.sdk.DisableClockSkewCorrection
	})
	out, md, err := attempt.HandleFinalize(ctx, in, next)
	var past *pastDeadline
	if err != nil && errors.As(err, &past) {
		last := err
		if joined, ok := err.(interface{ Unwrap() []error }); ok && len(joined.Unwrap()) > 0 {
			last = joined.Unwrap()[0] // the answer's, before the refused token
		}
		cut := &RetryCutError{Last: last, Wait: past.wait, Left: past.left}
		if bound, ok := ctx.Value(lastAnswerKey{}).(*lastAnswer); ok && past.deadline.Equal(bound.deadline) {
			cut.CallTimeout = bound.timeout
		}
		err = cut
	}
	return out, md, err
}

// asRetryerV2 is r as the retry middleware calls it.
func asRetryerV2(r aws.Retryer) aws.RetryerV2 {
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return retryerV2{r}
}

type retryerV2 struct{ aws.Retryer }

func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// deadlineRetryer is the shared retryer as one call sees it: before the
// SDK takes a retry token for another attempt, it draws the wait (the
// retryer's backoff, lengthened by the answer's x-amz-retry-after as the
// SDK lengthens it: sdkWait) and refuses the token when the wait would
// not end before the call's deadline, so no token is spent on a retry
// that would not be made. The SDK then asks for the delay, and gets the
// one drawn. A call's attempts run one after the other.
type deadlineRetryer struct {
	aws.RetryerV2
	// attempt counts the call's attempts (GetAttemptToken, once each).
	attempt int
	// delay is the backoff drawn for the next wait, delayErr the
	// retryer's error drawing it.
	delay    time.Duration
	delayErr error
}

func (r *deadlineRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	r.attempt++
	return r.RetryerV2.GetAttemptToken(ctx)
}

func (r *deadlineRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	r.delay, r.delayErr = r.RetryerV2.RetryDelay(r.attempt, opErr)
	if deadline, ok := ctx.Deadline(); ok && r.delayErr == nil {
		wait, left := sdkWait(r.delay, opErr), time.Until(deadline)
		if wait >= left {
			return nil, &pastDeadline{wait: wait, left: left, deadline: deadline}
		}
	}
	return r.RetryerV2.GetRetryToken(ctx, opErr)
}

func (r *deadlineRetryer) RetryDelay(int, error) (time.Duration, error) { return r.delay, r.delayErr }

// sdkWait is how long the SDK's retry middleware waits after drawing
// backoff for the retry of err: an answer's x-amz-retry-after (a whole
// number of milliseconds, already capped to retry_max_backoff by
// capRetryAfter) within backoff and backoff plus five seconds, backoff
// alone without a header it reads.
func sdkWait(backoff time.Duration, err error) time.Duration {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil {
		return backoff
	}
	ms, perr := strconv.ParseInt(re.Response.Header.Get(retryAfterHeader), 10, 64)
	if perr != nil || ms < 0 {
		return backoff
	}
	return min(max(time.Duration(ms)*time.Millisecond, backoff), backoff+5*time.Second)
}

// pastDeadline is the retry token deadlineRetryer refused: the wait drawn,
// the time left before the call's deadline, that deadline.
type pastDeadline struct {
	wait, left time.Duration
	deadline   time.Time
}

func (e *pastDeadline) Error() string { return "its next wait would outlast its deadline" }

// RetryCutError is a call's error when the SDK would have retried it but
// its next wait, Wait, would have outlasted the call's deadline, Left
// away: Last is the answer that asked for the retry (its code is the
// call's: RequestLimitExceeded, SlowDown…). CallTimeout is the call's
// call_timeout when the deadline was its own, 0 when it was the inject's.
type RetryCutError struct {
	Last        error
	Wait, Left  time.Duration
	CallTimeout time.Duration
}

func (e *RetryCutError) Error() string { return e.Last.Error() + " (" + e.note() + ")" }

func (e *RetryCutError) Unwrap() error { return e.Last }

// note says why the call was not retried.
func (e *RetryCutError) note() string {
	bound := "the inject's deadline"
	if e.CallTimeout > 0 {
		bound = "call_timeout " + e.CallTimeout.String()
	}
	return "not retried: its next wait (" + e.Wait.Round(time.Millisecond).String() + ") would outlast " + bound +
		" (" + e.Left.Round(time.Millisecond).String() + " left)"
}
