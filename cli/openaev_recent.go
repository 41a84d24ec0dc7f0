package cli

import (
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
)

// sentRecently refuses, as an inject already finished (exit 2, nothing
// run or sent), to run inject id when the outbox noted a "complete" of it
// sent within the platform's ingestion window (openaev_ingest_window): the
// platform, which queues its callbacks, may show it PENDING without that
// complete for a while yet, and this run's complete would be a second
// one. For an inject the platform finalized without a result, or whose
// status could not be read (unreported), a "complete" attempted without an
// answer holds it for the requeue span after the window too, as the
// resend of that complete is held (the platform may be requeuing it, and
// saves it once the rerun's reception reopens the inject). rerun_finished
// runs it all the same, after a WARN. With --outbox none no such note
// outlives a run: nothing is refused.
func sentRecently(cfg runConfig, log *zap.Logger, p *openaev.Processor, id string, unreported bool) error {
	recent, ok := p.RecentComplete(id, unreported)
	switch {
	case !ok || id == "":
		return nil
	case cfg.RerunFinished && recent.Requeue > 0:
		log.Warn("a complete of the inject was attempted without an answer within the platform's ingestion window and requeue span; "+
			"running it again as rerun_finished asks: the platform may save that complete too, and drop this run's with its batch",
			zap.String("inject_id", id), zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window),
			zap.Duration("requeue_span", recent.Requeue))
		return nil
	case cfg.RerunFinished:
		log.Warn("a complete of the inject was sent within the platform's ingestion window; running it again as rerun_finished asks: "+
			"its complete may repeat findings the platform has yet to store, and be dropped", zap.String("inject_id", id),
			zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window))
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; running it again would complete it twice; nothing ran or was sent; "+
		"give --rerun-finished to run it anyway, or wait until %s (the window%s has passed)", recent,
		recent.Until.UTC().Format(time.RFC3339), requeueSaid(recent))}
}

// requeueSaid is what the refusal adds to "the window" when the requeue
// span after it holds the inject too.
func requeueSaid(r *openaev.RecentCompleteError) string {
	if r.Requeue > 0 {
		return " and the platform's requeue span after it"
	}
	return ""
}
