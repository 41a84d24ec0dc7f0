package serve

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// OutboxStats are the counts of a Handler's outbox, the callback bodies
// it keeps for a later delivery: pending ones (to be sent again), dead
// ones (refused for good, kept for a person to look at), the bytes of
// bodies stored and the most it may hold.
type OutboxStats struct {
	Pending, Dead   int
	Bytes, MaxBytes int64
}

// WatchOutbox exports the outbox that stats reads at each scrape of the
// metrics, as the gauges injectkit_outbox_bodies{state="pending"|"dead"},
// injectkit_outbox_bytes and injectkit_outbox_max_bytes: a result not
// delivered never makes /healthz unhealthy (the daemon works, the outbox
// resends it), alerting reads these gauges. stats is called from the
// scraping goroutine, one call per scrape; when it fails, the scrape
// carries no outbox gauge (the others are served) and log says so once
// until a read succeeds again. Call it at most once: a second call
// panics (the gauges are registered already).
func (m *Metrics) WatchOutbox(stats func() (OutboxStats, error), log *zap.Logger) {
	if m == nil {
		return
	}
	if log == nil {
		log = zap.NewNop()
	}
	m.reg.MustRegister(&outboxCollector{
		stats: stats,
		log:   log,
		bodies: prometheus.NewDesc("injectkit_outbox_bodies",
			"Callback bodies kept in the outbox, by state: pending (not delivered yet, resent with backoff) or dead (refused by the platform for good).",
			[]string{"state"}, nil),
		bytes: prometheus.NewDesc("injectkit_outbox_bytes",
			"Bytes of bodies stored in the outbox, pending and dead.", nil, nil),
		max: prometheus.NewDesc("injectkit_outbox_max_bytes",
			"The most bytes of bodies the outbox holds (--outbox-max-bytes): past it, consumption pauses.", nil, nil),
	})
}

// outboxCollector reads the outbox's counts at each scrape.
type outboxCollector struct {
	stats              func() (OutboxStats, error)
	log                *zap.Logger
	failing            atomic.Bool // the last read failed (and was logged)
	bodies, bytes, max *prometheus.Desc
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bodies
	ch <- c.bytes
	ch <- c.max
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	st, err := c.stats()
	if err != nil {
		if !c.failing.Swap(true) {
			c.log.Warn("outbox gauges not exported: the outbox cannot be read", zap.Error(err))
		}
		return
	}
	if c.failing.Swap(false) {
		c.log.Info("outbox gauges exported again: the outbox can be read")
	}
	ch <- prometheus.MustNewConstMetric(c.bodies, prometheus.GaugeValue, float64(st.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(c.bodies, prometheus.GaugeValue, float64(st.Dead), "dead")
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(st.MaxBytes))
}
