package cli

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
)

// sentRecently refuses, as an inject already finished (exit 2, nothing
// run or sent), to run inject id when the outbox noted a "complete" of it
// sent within the platform's ingestion window (openaev_ingest_window): the
// platform, which queues its callbacks, may show it PENDING without that
// complete for a while yet, and this run's complete would be a second
// one. rerun_finished runs it all the same, after a WARN. With --outbox
// none no such note outlives a run: nothing is refused.
func sentRecently(cfg runConfig, log *zap.Logger, p *openaev.Processor, id string) error {
	recent, ok := p.RecentComplete(id)
	switch {
	case !ok || id == "":
		return nil
	case cfg.RerunFinished:
		log.Warn("a complete of the inject was sent within the platform's ingestion window; running it again as rerun_finished asks: "+
			"its complete may repeat findings the platform has yet to store, and be dropped", zap.String("inject_id", id),
			zap.Duration("sent_ago", recent.Ago), zap.Duration("ingest_window", recent.Window))
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; running it again would complete it twice; nothing ran or was sent; "+
		"give --rerun-finished to run it anyway, or wait until the window has passed", recent)}
}
