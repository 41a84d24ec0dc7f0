package signatures

import "time"

// ToolOutput is what an executor returns: its outcome, and what it found.
type ToolOutput struct {
	// Status is "", "success", "partial", "failed" or "timeout".
	Status ExecutionStatus `json:"status,omitempty"`
	// ErrorInfo, with a non-zero ExitCode, marks the run as failed.
	ErrorInfo *ErrorInfo `json:"error_info,omitempty"`
	// TimeoutInfo marks the run as timed out, with what it found until then.
	TimeoutInfo *TimeoutInfo `json:"timeout_info,omitempty"`
	// ExtraSignatures is merged into every signature by CompilePost.
	ExtraSignatures map[string]any `json:"extra_signatures,omitempty"`
	// ExtraByType holds per-expectation-type extras added to every target's
	// group of that type by BuildPayload.
	ExtraByType map[ExpectationType]map[string]any `json:"extra_by_type,omitempty"`
	// TargetExtras, when set, holds one entry per configuration (same order):
	// per-type extras added to that target only.
	TargetExtras []map[ExpectationType]map[string]any `json:"target_extras,omitempty"`
	// Findings is the injector's structured result, carried untouched.
	Findings map[string]any `json:"findings,omitempty"`
}

// ErrorInfo describes a failed run.
type ErrorInfo struct {
	ExitCode int `json:"exit_code"`
	// CrashTimestamp, when set, is the RFC 3339 time of the failure, with
	// its fraction of a second (the end time is rounded up from it).
	CrashTimestamp string `json:"crash_timestamp,omitempty"`
	Message        string `json:"message,omitempty"`
}

// CrashTime returns CrashTimestamp parsed, the zero time when it is unset.
// A timestamp that is no RFC 3339 time is a *ValidationError on
// error_info.crash_timestamp: the one check of it, made by CompilePost
// (and Manager.Post) on a failed run and by framework.ToolOutput.Validate.
func (e ErrorInfo) CrashTime() (time.Time, error) {
	if e.CrashTimestamp == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, e.CrashTimestamp)
	if err != nil {
		return time.Time{}, &ValidationError{Field: "error_info.crash_timestamp", Value: e.CrashTimestamp,
			Reason: "not an RFC 3339 time"}
	}
	return t, nil
}

// TimeoutInfo describes a run cut short by its deadline.
type TimeoutInfo struct {
	// PartialResults is what the run found, one line per result; each
	// goes to the signatures of the targets it names (MaxNamedTargets).
	PartialResults []string `json:"partial_results,omitempty"`
}

// Validate checks that Status is a known value.
func (o ToolOutput) Validate() error {
	switch o.Status {
	case "", StatusSuccess, StatusPartial, StatusFailed, StatusTimeout:
		return nil
	}
	return &ValidationError{Field: "status", Value: string(o.Status),
		Reason: "unknown status (valid: success, partial, failed, timeout)"}
}

// ExecutionStatus is the status CompilePost records for this output.
func (o ToolOutput) ExecutionStatus() ExecutionStatus {
	switch {
	case o.ErrorInfo != nil && o.ErrorInfo.ExitCode != 0, o.Status == StatusFailed:
		return StatusFailed
	case o.TimeoutInfo != nil, o.Status == StatusTimeout:
		return StatusTimeout
	case o.Status == StatusPartial:
		return StatusPartial
	}
	return StatusSuccess
}
