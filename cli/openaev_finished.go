package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
)

// runVerdict is what unfinished says of an inject it lets run.
type runVerdict struct {
	// rerun: it may hold an earlier run's findings (see
	// openaev.Processor.Reopened).
	rerun bool
	// unreported: the platform shows it finalized without a result, or
	// its status could not be read; a "complete" sent (delivered or not)
	// then holds it for the platform's requeue span too, rerun_finished
	// or not (see sentRecently).
	unreported bool
	// warn logs the WARN that says why it runs all the same
	// (rerun_finished, its status unread), once nothing holds it: a run
	// sentRecently refuses next says nothing of running. Never nil.
	warn func()
}

// unfinished refuses, before its reception, to run inject id again once
// the platform reports it finished, as serve acknowledges a redelivered
// message of such an inject without running it (Client.InjectFinished):
// the reception would set it back to PENDING, and the platform would
// compute its final status from this run's "complete" and the earlier
// ones, turning a SUCCESS or an ERROR into PARTIAL for good. rerun_finished
// runs it all the same, and rerun says so (its "complete" leaves out the
// findings the earlier run stored: see openaev.Processor.Reopened), and
// so is an unfinished inject the platform shows received already
// (InjectState.Started: PENDING, a COMPLETE trace). An inject the
// platform finalized without a result (InjectState.Unreported: its pending
// sweep) holds no run's result to merge with: it is refused too (it ran
// late, or not at all, and the platform shows it ERROR), saying so (see
// swept), and rerun_finished runs it, whose "complete" the platform saves.
// A status that cannot be read runs the inject, as serve does, with a
// WARN, as a rerun (it may have finished), but for a 401, the token
// refused, which stops the run (tokenRefused), and the platform's own 404
// for an inject it does not hold, which stops it too (unknownInject); a
// dry run asks nothing. The
// same GET gives the inject's contract: one of another injector than
// injector (an inject made with cloudscan's contract run by query) is
// refused too (exit 2 before anything is sent: the platform matches the
// outputs of a result by the inject's contract, and would not store the
// findings), so is one the platform says has no contract (OpenAEV 2.4.0
// loses every callback of it), and an answer naming no contract (an older
// platform) runs it.
func unfinished(ctx context.Context, o Options, cfg runConfig, log *zap.Logger, client *openaev.Client, id, injector string) (runVerdict, error) {
	v := runVerdict{warn: func() {}}
	if cfg.Backend.URL == "" || id == "" {
		return v, nil
	}
	state, err := client.InjectState(ctx, id)
	var ae *openaev.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		return v, tokenRefused(id, &openaev.AuthorizationError{InjectID: id, Status: ae.Status, Err: err, NoToken: cfg.Backend.Token == ""})
	}
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound && elementNotFound(ae) {
		return v, unknownInject(id, ae)
	}
	if err == nil {
		if err := openaev.CheckContract(state, id, injector, o.Registry.Names()); err != nil {
			return v, contractRefused(o, cfg, err)
		}
	}
	status, finished := state.Status, err == nil && openaev.Finished(state.Status)
	switch {
	case err != nil:
		v.warn = func() {
			if ctx.Err() == nil {
				log.Warn("the inject's status cannot be read from the platform; running it, as serve does (a finished inject would be reopened)",
					zap.String("inject_id", id), zap.Error(err))
			}
		}
		// It may have finished: its stored findings are read too (a
		// search the platform refuses for good leaves every finding out:
		// a complete repeating one would be dropped and leave a finished
		// inject, reopened by the reception, PENDING).
		v.rerun, v.unreported = true, true
		return v, nil
	case !finished:
		// Received already (PENDING, a COMPLETE trace: a run under way, or
		// one reopened whose complete the platform dropped): its findings
		// may be stored too.
		v.rerun = state.Started()
		return v, nil
	case state.Unreported:
		v.unreported = true
		return v, swept(cfg, log, &v, id, status)
	case cfg.RerunFinished:
		v.warn = func() {
			log.Warn("the inject already finished on the platform; running it again as rerun_finished asks: the platform reopens it and computes its status from both runs",
				zap.String("inject_id", id), zap.String("status", status))
		}
		v.rerun = true
		return v, nil
	}
	return v, &ExitError{Code: ExitUsage, Err: fmt.Errorf("inject %s already finished on the platform (status %s): running it again would reopen it "+
		"and merge this run's status with the earlier run's for good (PARTIAL when they differ); nothing ran or was sent; "+
		"give --rerun-finished to run it anyway", id, status)}
}

// swept refuses to run inject id, which the platform finalized without a
// result (status, InjectState.Unreported): its pending sweep ends an
// inject still PENDING inject.execution.threshold.minutes (10) after its
// dispatch, and no run's "complete" is there to merge with. rerun_finished
// runs it (v), after a WARN: the reception reopens it, and the platform saves
// its "complete", at once or, should the sweep finalize it again first
// (the reception leaves its dispatch date as it was), after its requeues;
// its status is computed with the sweep's TIMEOUT traces of its agents. Its
// stored findings are read first, as a rerun's. A "complete" of it sent
// within the window and the requeue span still holds it then (see
// sentRecently): the platform may be requeuing that one.
func swept(cfg runConfig, log *zap.Logger, v *runVerdict, id, status string) error {
	if cfg.RerunFinished {
		v.rerun = true
		v.warn = func() {
			log.Warn("the platform finalized the inject without a result (its pending sweep, past its threshold: no complete trace); "+
				"running it as rerun_finished asks: the platform reopens it and saves its complete, after its requeues should the sweep finalize it again first",
				zap.String("inject_id", id), zap.String("status", status))
		}
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("inject %s was finalized by the platform without a result (status %s): "+
		"its pending sweep ends an inject left PENDING past its threshold (10 minutes from its dispatch by default), and no run's complete is there; "+
		"nothing ran or was sent; give --rerun-finished to run it: the platform reopens it and saves its complete, "+
		"after its requeues should the sweep finalize it again first", id, status)}
}

// tokenRefused stops a run whose token the platform refuses (err, an
// *openaev.AuthorizationError of a 401: it does not know the token, or
// none was given) at its first answer, the version read or, the version
// given, the inject's status read: said once, as the reception's refusal
// would say it after a WARN that the inject runs, with its exit code (1,
// a delivery failure: the same run succeeds with the right token), before
// the outbox is opened: nothing ran, nothing was sent or stored. Any
// other err is returned as it is.
func tokenRefused(id string, err error) error {
	var ae *openaev.AuthorizationError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		return err
	}
	if id == "" {
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("%w; nothing ran, nothing was sent or stored", err)}
	}
	return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("inject %s not run: %w; nothing was sent or stored", id, err)}
}

// unknownInject refuses to run inject id, which the platform answers it
// does not hold (ae: GET /api/injects/{id}'s 404 with RestBehavior's
// {"message":"Element not found: …"}, elementNotFound). Every version
// answers so only for an inject it does not have: 1.18's handler and
// 2.4.0's (InjectApi.inject, findById(…).orElseThrow(ElementNotFoundException::new)),
// and 2.4.0's @AccessControl lookup for a token that is not an admin's
// (PermissionService.resolveTarget, InjectService.inject); a token
// without the rights is a 403 from 2.0.0 on, and 1.x checks none on that
// route. Its reception would be refused the same 404 (InjectApi
// injectExecutionReception's own lookup), so the run stops here, exit 2
// as for that refusal, in one line, before the outbox is opened: nothing
// ran, nothing was sent or stored (a body for an inject the platform does
// not hold could never be delivered).
func unknownInject(id string, ae *openaev.APIError) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("inject %s not run: the platform does not hold it (its status read answered 404: %s): "+
		"check the inject id, and that the backend URL is the platform the inject is on; nothing ran, nothing was sent or stored",
		id, platformMessage(ae.Body))}
}

// platformMessage is the "message" of a platform's error body, quoted,
// or the body itself quoted when it holds none.
func platformMessage(body string) string {
	var doc struct {
		Message string `json:"message"`
	}
	if json.Unmarshal([]byte(body), &doc) == nil && doc.Message != "" {
		return strconv.Quote(doc.Message)
	}
	return strconv.Quote(body)
}
