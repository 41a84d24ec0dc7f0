package cloudscan

import (
	"fmt"
	"sync"
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
	CallTimeout time.Duration `json:"call_timeout" doc:"bound of one API call, retries included; more than 0s and at most 10m"`
	// RetryMaxAttempts bounds the attempts of one call (throttling and
	// transient errors are retried by the SDK's standard retryer, whose
	// token bucket is shared by the whole inject).
	RetryMaxAttempts int `json:"retry_max_attempts" param:"min=1,max=10" doc:"attempts per call (throttling is retried)"`
	// RetryMaxBackoff caps the delay between two attempts.
	RetryMaxBackoff time.Duration `json:"retry_max_backoff" doc:"longest delay between two attempts; more than 0s and at most 5m"`
	// Concurrency bounds the checks running at once.
	Concurrency int `json:"concurrency" param:"min=1,max=32" doc:"checks running at once"`
	// AccessKeyMaxAgeDays is the age from which an IAM access key is reported.
	AccessKeyMaxAgeDays int `json:"access_key_max_age_days" param:"min=1,max=3650" doc:"age in days from which an iam access key is reported"`
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
	for _, d := range paramDurations(p) {
		if d.v <= 0 || d.v > d.limit {
			return &signatures.ValidationError{Field: d.name, Value: d.v.String(),
				Reason: fmt.Sprintf("must be greater than 0 and at most %s", d.limit)}
		}
	}
	return paramChecks().Check(p) // the ints' ranges, as their tags say
}

// paramChecks checks Params' int ranges, its tags parsed once, on first use
// (not in the package's init: a run of another injector never needs it).
var paramChecks = sync.OnceValue(framework.NewEnumCheck[Params])

// durationParam is a duration param's value and its greatest, which its
// doc states ("at most 10m"; a test holds them equal): ParamsSpec takes no
// range for a duration.
type durationParam struct {
	name     string
	v, limit time.Duration
}

func paramDurations(p *Params) []durationParam {
	return []durationParam{
		{"call_timeout", p.CallTimeout, 10 * time.Minute},
		{"retry_max_backoff", p.RetryMaxBackoff, 5 * time.Minute},
	}
}
