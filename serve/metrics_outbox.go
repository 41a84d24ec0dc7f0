package serve

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// OutboxStats are the counts of a Handler's outbox: the callback bodies
// it keeps for a later delivery to its own platform, those its resender
// sends (an outbox file shared with daemons of other platforms holds
// theirs too, which they count), pending ones (to be sent again) and dead
// ones (refused for good, kept for a person to look at), and the bytes of
// bodies stored in the whole file (what its bound limits).
type OutboxStats struct {
	Pending, Dead int
	Bytes         int64
}

// outboxReadBudget is how long a scrape of the metrics waits for the
// outbox's counts: well under Prometheus' default scrape timeout (10 s),
// so that an outbox another process keeps locked (stats then waits up to
// its lock timeout, 30 s by default) leaves its gauges out of the scrape
// instead of failing the whole scrape.
const outboxReadBudget = time.Second

// WatchOutbox exports the outbox that stats reads at each scrape of the
// metrics, as the gauges injectkit_outbox_bodies{state="pending"|"dead"}
// and injectkit_outbox_bytes, beside injectkit_outbox_max_bytes, the
// outbox's fixed bound maxBytes: a result not delivered never makes
// /healthz unhealthy (the daemon works, the outbox resends it), alerting
// reads these gauges. One call of stats runs at a time, in a goroutine of
// its own: a scrape starts one when none runs, else it waits for the one
// running, and in both cases for at most a second (outboxReadBudget).
// When the read fails, or has not ended within the budget, the scrape
// carries no gauge read from the outbox (max_bytes, which is not read,
// and the other metrics are served all the same) and log says so once
// until a read succeeds again. Call it at most once: a second call panics
// (the gauges are registered already).
func (m *Metrics) WatchOutbox(maxBytes int64, stats func() (OutboxStats, error), log *zap.Logger) {
	if m == nil {
		return
	}
	if log == nil {
		log = zap.NewNop()
	}
	m.reg.MustRegister(&outboxCollector{
		stats:    stats,
		maxBytes: maxBytes,
		log:      log,
		budget:   outboxReadBudget,
		bodies: prometheus.NewDesc("injectkit_outbox_bodies",
			"Callback bodies kept in the outbox for this daemon's platform (those its resender sends; another daemon sharing the file counts its own), by state: pending (not delivered yet, resent with backoff) or dead (refused by the platform for good).",
			[]string{"state"}, nil),
		bytes: prometheus.NewDesc("injectkit_outbox_bytes",
			"Bytes of bodies stored in the outbox file, pending and dead, every daemon's sharing it (what --outbox-max-bytes bounds).", nil, nil),
		max: prometheus.NewDesc("injectkit_outbox_max_bytes",
			"The most bytes of bodies the outbox holds (--outbox-max-bytes): past it, consumption pauses.", nil, nil),
	})
}

// outboxCollector reads the outbox's counts at each scrape, one read at a
// time, waiting for it at most budget.
type outboxCollector struct {
	stats              func() (OutboxStats, error)
	maxBytes           int64 // the fixed bound, exported whether the outbox can be read or not
	log                *zap.Logger
	budget             time.Duration
	failing            atomic.Bool // the last scrape had no counts (and said so)
	bodies, bytes, max *prometheus.Desc

	mu   sync.Mutex
	read *outboxRead // the read running, nil when none does
}

// outboxRead is one call of stats: its result is set before done closes.
type outboxRead struct {
	done chan struct{}
	st   OutboxStats
	err  error
}

// current returns the read running, starting one if none does. A read
// waiting for the outbox's lock is never joined by another behind it.
func (c *outboxCollector) current() *outboxRead {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.read != nil {
		return c.read
	}
	rd := &outboxRead{done: make(chan struct{})}
	c.read = rd
	go func() {
		rd.st, rd.err = c.stats()
		c.mu.Lock()
		c.read = nil
		c.mu.Unlock()
		close(rd.done)
	}()
	return rd
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bodies
	ch <- c.bytes
	ch <- c.max
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(c.maxBytes))
	rd := c.current()
	t := time.NewTimer(c.budget)
	defer t.Stop()
	select {
	case <-rd.done:
	case <-t.C:
		c.fail(fmt.Errorf("reading the outbox took longer than %v (another process holds its lock?); "+
			"the read goes on, and no other starts before it ends", c.budget))
		return
	}
	st, err := rd.st, rd.err
	if err != nil {
		c.fail(err)
		return
	}
	if c.failing.Swap(false) {
		c.log.Info("outbox gauges " + readGauges + " exported again: the outbox can be read")
	}
	ch <- prometheus.MustNewConstMetric(c.bodies, prometheus.GaugeValue, float64(st.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(c.bodies, prometheus.GaugeValue, float64(st.Dead), "dead")
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(st.Bytes))
}

// readGauges names the gauges read from the outbox, those a scrape lacks
// when it cannot be read; injectkit_outbox_max_bytes, a setting, is in
// every scrape.
const readGauges = "injectkit_outbox_bodies and injectkit_outbox_bytes"

// fail says, once until a read succeeds again, why a scrape lacks the
// gauges read from the outbox.
func (c *outboxCollector) fail(err error) {
	if !c.failing.Swap(true) {
		c.log.Warn("outbox gauges "+readGauges+" not exported (injectkit_outbox_max_bytes still is): the outbox cannot be read", zap.Error(err))
	}
}

// unstoredHelp is the HELP of injectkit_outbox_store_failures_total.
const unstoredHelp = "Results of injects that ran which the outbox failed to store (--outbox-max-bytes reached, its file system " +
	"refusing writes, its lock held by another process past --outbox-lock-timeout, held by an earlier injectkit), by injector: " +
	"each is sent without being stored, held in memory (injectkit_results_held) until the platform or the outbox takes it, " +
	"its message unacknowledged: a daemon stopped or dead meanwhile leaves it to the broker, and the inject runs again. " +
	"Alert on any increase: the outbox does not keep what it should."

// OutboxStoreFailed counts a result of an inject that ran which the
// outbox failed to store (see injectkit_outbox_store_failures_total); cli's
// runtime.Observer calls it from the delivery's error.
func (m *Metrics) OutboxStoreFailed(injector string) {
	if m != nil {
		m.unstored.WithLabelValues(injectorLabel(injector)).Inc()
	}
}
