package cloudscan

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// Severities of a finding.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// Finding kinds.
const (
	KindS3PublicBucket      = "s3_public_bucket"
	KindS3UnprotectedBucket = "s3_unprotected_bucket"
	KindEC2OpenIngress      = "ec2_open_ingress"
	KindIAMUserWithoutMFA   = "iam_user_without_mfa"
	KindIAMOldAccessKey     = "iam_old_access_key"
)

// Finding is one weakness a check found. Resource names what is weak (a
// bucket, a security group, a user, an access key); the other fields are set
// by the checks they belong to.
type Finding struct {
	Kind     string   `json:"kind"`
	Resource string   `json:"resource"`
	Severity string   `json:"severity"`
	Reasons  []string `json:"reasons"`

	// ec2
	GroupName string   `json:"group_name,omitempty"`
	Protocol  string   `json:"protocol,omitempty"`
	PortRange string   `json:"port_range,omitempty"`
	CIDRs     []string `json:"cidrs,omitempty"`

	// iam
	User      string `json:"user,omitempty"`
	KeyStatus string `json:"key_status,omitempty"`
	AgeDays   int    `json:"age_days,omitempty"`
}

// CheckError is one failed API call of a check.
type CheckError struct {
	Operation string `json:"operation"`
	Resource  string `json:"resource,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message"`
	// RetryBudgetExhausted is set when the call was not retried because
	// the inject's retry budget had run out (RetryBudgetError).
	RetryBudgetExhausted bool `json:"retry_budget_exhausted,omitempty"`
	// cutWait is the call_timeout that ran out while the SDK waited to
	// retry the call (CallTimeoutError), 0 otherwise; its message says so.
	cutWait time.Duration
	// retryCut says why the call was not retried when its next wait
	// would have outlasted its deadline (RetryCutError), "" otherwise;
	// its message ends with it.
	retryCut string
	// noCode is set when the error answer held no AWS error code (Code is
	// the SDK's unknownErrorCode): Message then names its HTTP status.
	noCode bool
	// Fix is, when AWS could not authenticate the call, what to fix on
	// the host (authFix): its clock, the secret key, the region.
	Fix string `json:"fix,omitempty"`
}

// unknownErrorCode is the code the SDK gives an error answer holding
// none of AWS's (a proxy's or a gateway's page, an empty body): alone it
// says nothing of what answered.
const unknownErrorCode = "UnknownError"

// CheckResult is the outcome of one check.
type CheckResult struct {
	Findings []Finding    `json:"findings"`
	Errors   []CheckError `json:"errors"`
	// Failed is set when the check could not run at all (its listing call
	// failed); errors on single resources leave it unset.
	Failed bool `json:"failed"`
	// Global is set for account-wide checks, run once per inject and shared
	// by every configuration that asked for them.
	Global bool `json:"global,omitempty"`
}

func newCheckResult() *CheckResult {
	return &CheckResult{Findings: []Finding{}, Errors: []CheckError{}}
}

// fail records err as the reason the check could not run.
func (r *CheckResult) fail(op string, err error) {
	r.addError(op, "", err)
	r.Failed = true
}

// addError records a failed call on one resource.
func (r *CheckResult) addError(op, resource string, err error) {
	ce := CheckError{Operation: op, Resource: resource, Message: err.Error()}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		ce.Code, ce.Message = ae.ErrorCode(), ae.ErrorMessage()
		if ce.Message == "" {
			ce.Message = ae.Error()
		}
		if f, ok := ae.(interface{ Fix() string }); ok {
			ce.Fix = f.Fix()
		}
		var resp interface{ HTTPStatusCode() int }
		if ce.Code == unknownErrorCode && errors.As(err, &resp) && resp.HTTPStatusCode() > 0 {
			ce.Message = fmt.Sprintf("an HTTP %d answer holding no AWS error code", resp.HTTPStatusCode())
			ce.noCode = true
		}
	}
	var cut *CallTimeoutError
	if errors.As(err, &cut) {
		if cut.waitCut() {
			ce.cutWait = cut.Timeout
		}
		if !strings.Contains(ce.Message, cut.note()) { // an API error's own message
			ce.Message += " (" + cut.note() + ")"
		}
	}
	var retryCut *RetryCutError
	if errors.As(err, &retryCut) {
		ce.retryCut = retryCut.note()
		if !strings.Contains(ce.Message, ce.retryCut) { // an API error's own message
			ce.Message += " (" + ce.retryCut + ")"
		}
	}
	var rb *RetryBudgetError
	if errors.As(err, &rb) {
		ce.RetryBudgetExhausted = true
		if !strings.Contains(ce.Message, retryBudgetNote) { // an API error's own message
			ce.Message += " (" + retryBudgetNote + ")"
		}
	}
	r.Errors = append(r.Errors, ce)
}

// ConfigResult is the outcome of one target configuration.
type ConfigResult struct {
	CloudProvider  string                  `json:"cloud_provider"`
	CloudAccountID string                  `json:"cloud_account_id"`
	CloudRegion    string                  `json:"cloud_region"`
	TargetService  string                  `json:"target_service,omitempty"`
	Status         string                  `json:"status"`
	Error          string                  `json:"error,omitempty"`
	Checks         map[string]*CheckResult `json:"checks"`
}
