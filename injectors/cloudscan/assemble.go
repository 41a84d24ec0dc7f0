package cloudscan

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/injectkit/injectkit/framework"
)

// assemble builds the output: per-configuration results in the findings,
// per-target extras and outcomes (each configuration's status), the
// targets no call went to (an account the credentials do not belong to),
// and the status (failed only when no check succeeded).
func assemble(ctx context.Context, in *framework.Inject, runs []*configRun) framework.ToolOutput {
	out := framework.ToolOutput{TargetExtras: make(map[framework.Target]framework.TypeExtras, len(runs)),
		TargetStatus: make(map[framework.Target]framework.ExecutionStatus, len(runs))}
	results := make([]*ConfigResult, len(runs))
	succeeded, troubled := false, false
	var msgs []string
	seenMsg := map[string]bool{}
	note := func(m string) bool {
		if seenMsg[m] {
			return false
		}
		seenMsg[m] = true
		msgs = append(msgs, m)
		return true
	}
	unretried := 0 // calls the retry budget left unretried
	for i, r := range runs {
		res := r.result
		okChecks, badChecks := 0, 0
		for _, svc := range slices.Sorted(maps.Keys(r.jobs)) {
			j := r.jobs[svc]
			res.Checks[svc] = j.result
			r.recs = append(r.recs, j.rec)
			for _, ce := range j.result.Errors {
				if note(errorNote(j.label, ce)) && ce.RetryBudgetExhausted {
					unretried++
				}
			}
			if j.result.Failed {
				badChecks++
			} else {
				okChecks++
			}
		}
		switch {
		case res.Error != "":
			res.Status = string(framework.StatusFailed)
			note(res.Error)
		case okChecks == 0:
			res.Status = string(framework.StatusFailed)
		case badChecks > 0 || hasErrors(r):
			res.Status = string(framework.StatusPartial)
		default:
			res.Status = string(framework.StatusSuccess)
		}
		if ctx.Err() != nil && res.Status != string(framework.StatusSuccess) {
			// Cut by the deadline or an interrupt: timeout, as any target
			// cut short (framework.ToolOutput.TargetStatus).
			res.Status = string(framework.StatusTimeout)
		}
		if okChecks > 0 {
			succeeded = true
		}
		if res.Status != string(framework.StatusSuccess) {
			troubled = true
		}
		results[i] = res
		out.TargetExtras[in.Targets[i]] = targetExtras(r.cfg.CloudRegion, r.identity, r.recs) // runs[i] is in.Targets[i]'s
		out.TargetStatus[in.Targets[i]] = framework.ExecutionStatus(res.Status)
		if r.unreached != "" {
			if out.Unreached == nil {
				out.Unreached = map[framework.Target]string{}
			}
			out.Unreached[in.Targets[i]] = r.unreached
		}
	}
	if unretried > 0 { // first: the cause of the errors after it, however many
		msgs = append([]string{"the inject's retry budget ran out: " + count(unretried, "call") + " not retried"}, msgs...)
	}
	out.Findings = map[string]any{FieldConfigs: results, FieldFindingsSummary: summarize(results)}
	switch {
	case ctx.Err() != nil:
		out.Status = framework.StatusTimeout
	case !succeeded:
		out.Status = framework.StatusFailed
		out.ErrorInfo = &framework.ErrorInfo{ExitCode: 1, Message: framework.JoinErrors(msgs, FieldConfigs)}
	case troubled:
		// What made it partial, in the message the platform and the
		// summary show: a check or a resource that failed, an account
		// that did not match.
		out.Status = framework.StatusPartial
		if len(msgs) > 0 {
			out.ErrorInfo = &framework.ErrorInfo{Message: framework.JoinErrors(msgs, FieldConfigs)}
		}
	default:
		out.Status = framework.StatusSuccess
	}
	return out
}

func hasErrors(r *configRun) bool {
	for _, j := range r.jobs {
		if len(j.result.Errors) > 0 {
			return true
		}
	}
	return false
}

// errorNote names one failed call of a check: "aws global iam:
// ListAccessKeys bob: AccessDenied".
func errorNote(label string, ce CheckError) string {
	call := ce.Operation
	if ce.Resource != "" {
		call += " " + ce.Resource
	}
	what := firstNonEmpty(ce.Code, ce.Message)
	if ce.RetryBudgetExhausted && ce.Code != "" {
		what += " (not retried: the inject's retry budget ran out)"
	}
	return fmt.Sprintf("%s: %s: %s", label, call, what)
}
