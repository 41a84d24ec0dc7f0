package openaev

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
)

// How a handled message is settled with serve.Daemon: acknowledged,
// rejected or kept, and counted, its failure said once.

// settle maps the outcome of a message of inject id ("" when the message
// names none) onto the daemon's settlement, and counts it: completed when
// its terminal callback was delivered or stored for a later delivery,
// failed when its message is rejected or its result lost; a message
// requeued is counted neither (injectkit_messages_total counts it).
func (h *Handler) settle(ctx context.Context, id, injector string, err error) error {
	var auth *AuthorizationError
	var se *runtime.StoredError
	var me *MessageError
	var ae *APIError
	stored := errors.As(err, &se) && se.Pending > 0
	switch {
	case err == nil:
		h.cfg.Metrics.InjectCompleted(injector)
		return nil
	case errors.As(err, &auth):
		ue := &serve.UnauthorizedError{Err: err, Durable: stored, Key: id, Injector: injector}
		var de *runtime.DeliveryError
		if errors.As(err, &de) && de.Rejection != nil && de.Rejection.Err != nil {
			// Why the inject was refused, which the runtime left to this line.
			ue.Err = fmt.Errorf("%w (the inject was refused: %v)", err, de.Rejection.Err)
		}
		if errors.As(err, &de) && de.Report != nil {
			ue.Ran = true
			if !ue.Durable {
				// The daemon's one line about the refusal says it is lost.
				ue.LogFields = append(signatureFields(de.Report, unsentOf(err)), zap.Duration("duration", de.Duration))
			}
		}
		switch {
		case ue.Durable:
			h.cfg.Metrics.InjectCompleted(injector)
		case ue.Ran:
			h.cfg.Metrics.InjectFailed(injector)
		}
		return ue
	case stored:
		// The one line of the failure: the runtime left it to this one.
		fields := []zap.Field{zap.String("injector", injector), serve.DeliveryField(ctx)}
		if id != "" {
			fields[1] = injectField(ctx, id)
		}
		var de *runtime.DeliveryError
		rejected := false
		if errors.As(err, &de) {
			if de.Report != nil {
				fields = append(fields, zap.Int("targets", len(de.Report.Targets)), zap.String("status", string(de.Report.Status)))
			}
			if de.Rejection != nil && de.Rejection.Err != nil {
				// Why the inject was refused: its INVALID_USAGE waits.
				rejected = true
				fields = append(fields, zap.NamedError("rejected", de.Rejection.Err))
			}
			fields = append(fields, zap.Duration("duration", de.Duration), zap.Int("stored", de.Stored), zap.Int("dead", de.Dead))
		}
		h.log.Warn("terminal callback not delivered; kept in the outbox and acknowledged", append(fields,
			zap.String("outbox", se.Outbox), zap.Int("pending", se.Pending), zap.Error(err))...)
		if rejected {
			h.cfg.Metrics.InjectFailed(injector)
		} else {
			h.cfg.Metrics.InjectCompleted(injector)
		}
		return nil
	case errors.As(err, &me), errors.As(err, &ae) && errors.Is(err, ErrPermanent):
		h.cfg.Metrics.InjectFailed(injector)
		return serve.PermanentFor(err, injector)
	}
	return err
}
