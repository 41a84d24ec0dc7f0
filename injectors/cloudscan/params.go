package cloudscan

import (
	"fmt"
	"strconv"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Parameter defaults.
const (
	DefaultCallTimeout         = 30 * time.Second
	DefaultRetryMaxAttempts    = 3
	DefaultRetryMaxBackoff     = 20 * time.Second
	DefaultConcurrency         = 4
	DefaultAccessKeyMaxAgeDays = 90
)

// Params are the inject parameters of cloudscan. The runtime decodes them
// strictly into the value NewParams returns, so unknown keys are errors; the
// manifest's params are derived from them (framework.ParamsSpec). A
// duration is written "30s" or as a number of seconds. Where the requests
// go and whose credentials sign them are no params: an inject (a platform
// message) would choose them for the host. They are settings (Configure).
type Params struct {
	// CallTimeout bounds each API call, retries included.
	CallTimeout time.Duration `json:"call_timeout" doc:"bound of one API call, retries included"`
	// RetryMaxAttempts bounds the attempts of one call (throttling and
	// transient errors are retried by the SDK's standard retryer, whose
	// token bucket is shared by the whole inject).
	RetryMaxAttempts int `json:"retry_max_attempts" doc:"attempts per call (throttling is retried, 1-10)"`
	// RetryMaxBackoff caps the delay between two attempts.
	RetryMaxBackoff time.Duration `json:"retry_max_backoff" doc:"longest delay between two attempts"`
	// Concurrency bounds the checks running at once.
	Concurrency int `json:"concurrency" doc:"checks running at once (1-32)"`
	// AccessKeyMaxAgeDays is the age from which an IAM access key is reported.
	AccessKeyMaxAgeDays int `json:"access_key_max_age_days" doc:"age from which an iam access key is reported"`
}

// Interface guards.
var _ framework.Validator = (*Params)(nil)

// defaultParams returns the parameters with their defaults.
func defaultParams() *Params {
	return &Params{
		CallTimeout:         DefaultCallTimeout,
		RetryMaxAttempts:    DefaultRetryMaxAttempts,
		RetryMaxBackoff:     DefaultRetryMaxBackoff,
		Concurrency:         DefaultConcurrency,
		AccessKeyMaxAgeDays: DefaultAccessKeyMaxAgeDays,
	}
}

// Validate checks the parameters without any I/O and returns a
// *signatures.ValidationError naming the first bad one.
func (p *Params) Validate() error {
	if p == nil {
		return &signatures.ValidationError{Field: "params", Reason: "nil parameters"}
	}
	durations := []struct {
		name     string
		v, limit time.Duration
	}{
		{"call_timeout", p.CallTimeout, 10 * time.Minute},
		{"retry_max_backoff", p.RetryMaxBackoff, 5 * time.Minute},
	}
	for _, d := range durations {
		if d.v <= 0 || d.v > d.limit {
			return &signatures.ValidationError{Field: d.name, Value: d.v.String(),
				Reason: fmt.Sprintf("must be greater than 0 and at most %s", d.limit)}
		}
	}
	ints := []struct {
		name        string
		v, min, max int
	}{
		{"retry_max_attempts", p.RetryMaxAttempts, 1, 10},
		{"concurrency", p.Concurrency, 1, 32},
		{"access_key_max_age_days", p.AccessKeyMaxAgeDays, 1, 3650},
	}
	for _, n := range ints {
		if n.v < n.min || n.v > n.max {
			return &signatures.ValidationError{Field: n.name, Value: strconv.Itoa(n.v),
				Reason: fmt.Sprintf("must be between %d and %d", n.min, n.max)}
		}
	}
	return nil
}
