package openaev

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"
)

// The dispatch race. OpenAEV 2.4.0 dispatches an inject by reading its
// status (EXECUTING), publishing the message and only then saving that
// copy of the status, without a version check (Executor.executeExternal):
// a reception that lands in between is overwritten, and the inject is
// EXECUTING again (openaevtest's rule 21). The queued ingestion saves the
// "complete" anyway after five requeues; the legacy one answers it 409
// for as long as nothing sets PENDING again, and nothing else does: the
// pending sweep looks at PENDING injects only. So a "complete" refused
// 409 whose inject the platform shows EXECUTING has its reception sent
// again, once per send, before its next attempt: the platform sets
// PENDING, as it would have kept it but for the race. The injector runs
// nothing again; a finished inject (a run's "complete" taken) is left to
// completeVerdict, and one QUEUING (launched again) or PENDING to the
// retries.

// raceState is what one send of a "complete" knows of the race.
type raceState struct {
	conflicted bool // its last attempt was answered 409
	received   bool // its reception was sent again
}

// noteFailure records the failure an attempt of the "complete" ended with.
func (s *raceState) noteFailure(err error) {
	var ae *APIError
	s.conflicted = errors.As(err, &ae) && ae.Status == http.StatusConflict
}

// receiveAgain sends inject id's reception again when the last attempt of
// its "complete" was answered 409 and the platform shows the inject
// EXECUTING (status, as completeVerdict read it before this attempt: the
// dispatch race), once per send (s). A status that could not be read, or
// a reception that fails, changes nothing: the retries go on as before.
func (p *Profile) receiveAgain(ctx context.Context, injectID, status string, s *raceState) {
	if !s.conflicted || s.received || status != "EXECUTING" {
		return
	}
	s.received = true
	if _, err := p.client.Reception(ctx, injectID); err != nil {
		p.log.Warn("the platform refused the complete (409) and shows the inject EXECUTING after its reception "+
			"(OpenAEV 2.4.0's dispatch overwrote it); the reception sent again failed: the complete is retried",
			injectField(ctx, injectID), zap.Error(err))
		return
	}
	p.log.Warn("the platform refused the complete (409) and shows the inject EXECUTING after its reception "+
		"(OpenAEV 2.4.0's dispatch overwrote it): reception sent again, the complete retried",
		injectField(ctx, injectID))
}
