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
// one; rerun_finished runs it all the same, after a WARN. For an inject
// the platform finalized without a result, or whose status could not be
// read (unreported), a "complete" sent (delivered, or attempted without an
// answer) holds it for the requeue span after the window too, as the
// resend of one that got no answer is held, and rerun_finished with it
// (the line says so): the platform may be requeuing that complete, saves
// it once this run's reception reopens the inject, and drops this run's
// with its batch. With --outbox none no such note outlives a run: nothing
// is refused.
func sentRecently(cfg runConfig, log *zap.Logger, p *openaev.Processor, id string, unreported bool) error {
	recent, ok := p.RecentComplete(id, unreported)
	switch {
	case !ok || id == "":
		return nil
	case recent.Requeue > 0:
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; running it again would complete it twice (its reception reopens the inject, "+
			"the platform then saves the complete it holds and drops this run's with its batch); nothing ran or was sent; "+
			"wait until %s (the window and the platform's requeue span after it have passed)%s", recent,
			recent.Until.UTC().Format(time.RFC3339), rerunHeld(cfg))}
	case cfg.RerunFinished:
		log.Warn("a complete of the inject was sent within the platform's ingestion window; running it again as rerun_finished asks: "+
			"its complete may repeat findings the platform has yet to store, and be dropped", zap.String("inject_id", id),
			zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window))
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; running it again would complete it twice; nothing ran or was sent; "+
		"give --rerun-finished to run it anyway, or wait until %s (the window has passed)", recent,
		recent.Until.UTC().Format(time.RFC3339))}
}

// rerunHeld is what the requeue span's refusal adds when rerun_finished
// was given.
func rerunHeld(cfg runConfig) string {
	if cfg.RerunFinished {
		return "; --rerun-finished does not run it before then"
	}
	return ""
}
