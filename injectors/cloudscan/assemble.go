package cloudscan

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
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
	warned := map[string]bool{}
	for i, r := range runs {
		res := r.result
		refusal, token := "", false
		if r.sess != nil {
			refusal, token = r.sess.regionRefusal(r.cfg.CloudRegion)
		}
		if refusal != "" {
			// One error for the region, not one per check: none of its
			// checks could run, and what they sent no trail logs.
			res.Error = notEnabled(r.cfg, refusal, token)
			if !warned[r.cfg.CloudProvider+" "+r.cfg.CloudRegion] {
				warned[r.cfg.CloudProvider+" "+r.cfg.CloudRegion] = true
				msg := "cloud region not enabled for the account: its checks not run"
				if token {
					msg = "cloud region not enabled for the account, or not taking the credentials' session token: its checks not run"
				}
				in.Logger().Warn(msg,
					zap.String("provider", r.cfg.CloudProvider), zap.String("cloud_region", r.cfg.CloudRegion),
					zap.String("cloud_account_id", r.cfg.CloudAccountID), zap.String("code", refusal))
			}
		}
		okChecks, badChecks := 0, 0
		for _, svc := range slices.Sorted(maps.Keys(r.jobs)) {
			j := r.jobs[svc]
			if refusal != "" && !j.global {
				continue
			}
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
		if res.Error != "" {
			note(res.Error)
		}
		switch {
		case okChecks == 0:
			res.Status = string(framework.StatusFailed)
		case res.Error != "" || badChecks > 0 || hasErrors(r):
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
		out.TargetExtras[in.Targets[i]] = targetExtras(r.cfg.CloudRegion, r.identity, r.recs, r.logged) // runs[i] is in.Targets[i]'s
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

// notEnabled says that cfg's region refused the credentials (code) that
// another region took: it is an opt-in region the account has not
// enabled. When they hold a session token (token), it may be an enabled
// one all the same: a session token the global STS endpoint issues as a
// version 1 token is valid in the Regions enabled by default only (IAM
// User Guide, "Managing AWS STS in an AWS Region";
// SetSecurityTokenServicePreferences), and such a Region refuses it as it
// refuses credentials in a Region not enabled.
func notEnabled(cfg signatures.CloudConfig, code string, token bool) string {
	or := ""
	if token {
		or = ", or does not take the credentials' session token (one the global STS endpoint issued as a version 1 token is valid in the Regions enabled by default only: ask a regional STS endpoint for it, or have the account's global endpoint issue version 2 tokens)"
	}
	return fmt.Sprintf("%s %s: region %s is not enabled for account %s%s (it refused the credentials another region took: %s): its checks cannot run there, and no trail logs the calls made there",
		cfg.CloudProvider, cfg.CloudRegion, cfg.CloudRegion, cfg.CloudAccountID, or, code)
}

// logged reports whether a trail of the account logs the calls made in
// region: not when the region is not enabled for it (a multi-Region trail
// logs the enabled Regions only: AWS CloudTrail User Guide,
// "Understanding multi-Region trails and opt-in Regions").
func (r *configRun) logged(region string) bool {
	if r.sess == nil {
		return true
	}
	code, _ := r.sess.regionRefusal(region)
	return code == ""
}

// hasErrors reports whether a check r counts has errors (a regional one of
// a region not enabled does not count).
func hasErrors(r *configRun) bool {
	for _, j := range r.jobs {
		if _, counted := r.result.Checks[j.service]; counted && len(j.result.Errors) > 0 {
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
	if ce.noCode {
		what += " (" + ce.Message + ")"
	}
	if ce.Fix != "" {
		what += " (" + ce.Fix + ")"
	}
	if ce.RetryBudgetExhausted && ce.Code != "" {
		what += " (not retried: the inject's retry budget ran out)"
	}
	if ce.cutWait > 0 && ce.Code != "" {
		what += " (not retried: call_timeout " + ce.cutWait.String() + " ran out while waiting to retry)"
	}
	if ce.retryCut != "" && ce.Code != "" {
		what += " (" + ce.retryCut + ")"
	}
	return fmt.Sprintf("%s: %s: %s", label, call, what)
}
