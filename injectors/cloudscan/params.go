package cloudscan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"time"

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
// strictly into the value NewParams returns, so unknown keys are errors.
type Params struct {
	// Profile names a profile of the shared configuration files; empty uses
	// the SDK's default chain (environment first).
	Profile string `json:"profile,omitempty"`
	// EndpointURL replaces every service endpoint, for S3-compatible stores
	// and local testing. S3 is then addressed path-style.
	EndpointURL string `json:"endpoint_url,omitempty"`
	// CallTimeout bounds each API call, retries included.
	CallTimeout Duration `json:"call_timeout"`
	// RetryMaxAttempts bounds the attempts of one call (throttling and
	// transient errors are retried by the SDK's standard retryer, whose
	// token bucket is shared by the whole inject).
	RetryMaxAttempts int `json:"retry_max_attempts"`
	// RetryMaxBackoff caps the delay between two attempts.
	RetryMaxBackoff Duration `json:"retry_max_backoff"`
	// Concurrency bounds the checks running at once.
	Concurrency int `json:"concurrency"`
	// AccessKeyMaxAgeDays is the age from which an IAM access key is reported.
	AccessKeyMaxAgeDays int `json:"access_key_max_age_days"`
}

// defaultParams returns the parameters with their defaults.
func defaultParams() *Params {
	return &Params{
		CallTimeout:         Duration(DefaultCallTimeout),
		RetryMaxAttempts:    DefaultRetryMaxAttempts,
		RetryMaxBackoff:     Duration(DefaultRetryMaxBackoff),
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
	if p.Profile != "" {
		for _, r := range p.Profile {
			if r <= ' ' || r == 0x7f {
				return &signatures.ValidationError{Field: "profile", Value: p.Profile,
					Reason: "must not hold white space or control characters"}
			}
		}
	}
	if p.EndpointURL != "" {
		if err := validateEndpoint(p.EndpointURL); err != nil {
			return err
		}
	}
	durations := []struct {
		name     string
		v, limit time.Duration
	}{
		{"call_timeout", time.Duration(p.CallTimeout), 10 * time.Minute},
		{"retry_max_backoff", time.Duration(p.RetryMaxBackoff), 5 * time.Minute},
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

func validateEndpoint(raw string) error {
	bad := func(reason string) error {
		return &signatures.ValidationError{Field: "endpoint_url", Value: raw, Reason: reason}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("scheme must be http or https")
	}
	if u.Host == "" {
		return bad("missing host")
	}
	if u.User != nil {
		return bad("must not hold credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return bad("must not hold a query or a fragment")
	}
	return nil
}

// maxSeconds is the longest duration, in seconds, a Duration holds.
const maxSeconds = float64(math.MaxInt64/int64(time.Second)) - 1

// Duration is a time.Duration read from JSON as a Go duration string
// ("30s", "1m30s") or a number of seconds.
type Duration time.Duration

// MarshalJSON encodes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON decodes a duration string or a number of seconds. A bad
// value is a *json.UnmarshalTypeError, which the JSON decoder completes with
// the field's name.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	bad := &json.UnmarshalTypeError{Value: string(b) + ` (want a duration such as "30s" or a number of seconds)`,
		Type: reflect.TypeFor[Duration]()}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return bad
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return bad
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil || math.Abs(secs) > maxSeconds {
		return bad
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// String returns the duration in Go notation.
func (d Duration) String() string { return time.Duration(d).String() }
