package openaevtest

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
	"unicode/utf16"
)

// The batch queue of callbacks (rule 3; 2.4.0 read). By default the
// platform publishes a callback to its inject-trace queue and answers 200
// (rest/inject/InjectApi.java:425-436); BatchQueueService
// (openaev-model …/service/queue/BatchQueueService.java:100-106) processes
// what it holds every worker-frequency ms (10000,
// application.properties:100), or at once when max-size (200, :102)
// arrive, and BatchingInjectStatusService.handleInjectExecutionCallback
// processes a batch in one REQUIRES_NEW transaction (:58). Until then
// nothing of the callback is saved: the inject, its traces and its
// findings are as they were.

// Queued is the Outcome of a callback answered 200 and held in the
// platform's queue, not processed yet (WithIngestEvery, WithHeldIngestion).
const Queued = "queued"

// MaxBatch is openaev.queue-config.inject-trace.max-size: a worker group
// holding more callbacks than that is processed at once, without waiting
// for the worker's next turn (BatchQueueService.java:180-183, size() >
// max-size: at the 201st).
const MaxBatch = 200

// DefaultIngestEvery is the platform's worker frequency
// (openaev.queue-config.inject-trace.worker-frequency, 10 s): the default of
// the openaev-standin command.
const DefaultIngestEvery = 10 * time.Second

// maxRequeues is how often a "complete" for an inject that is not PENDING
// is put back in the queue before it is saved all the same
// (BatchingInjectStatusService.MAX_RETRIES, :36, :115-147).
const maxRequeues = 5

// txRollsBack ends the reason of a drop that fails the batch's
// transaction (Call.fails): a finding the inject stores already, an
// index row too large, a finding its processor refuses.
const txRollsBack = "the batch's transaction rolls back"

// queuedCall is a held callback: its index in Platform.calls, and how
// often it was requeued.
type queuedCall struct{ call, requeues int }

// WithIngestEvery models the platform's queued ingestion (rule 3): a
// callback that passes field validation is answered 200 and held; a worker
// processes what is held every d, or at once when MaxBatch callbacks are
// held. Until then GET /api/injects/{id}, the findings search and the
// stored signatures show nothing of it, and its Call's Outcome is Queued.
// d 0 (the default) processes each callback before its answer: the
// platform's legacy ingestion path, or a worker run at once. Ingest runs
// the worker now. WithLegacyIngestion queues nothing.
func WithIngestEvery(d time.Duration) Option {
	return func(p *Platform) { p.queued, p.ingestEvery = d > 0, d }
}

// WithHeldIngestion models the platform's queued ingestion as
// WithIngestEvery does, with a worker that never runs on its own: what is
// held is processed when the test calls Ingest, or when MaxBatch
// callbacks are held.
func WithHeldIngestion() Option {
	return func(p *Platform) { p.queued, p.ingestEvery = true, 0 }
}

// Queue counts the callbacks answered 200 and not processed yet.
func (p *Platform) Queue() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}

// Workers is the number of the platform's batch workers
// (openaev.queue-config.inject-trace.worker-number, application.properties:99).
// Each callback is held in the group its inject's id falls in (WorkerGroup),
// and each group is processed as a batch of its own, in its own
// transaction.
const Workers = 8

// WorkerGroup is the group a callback for inject id is held in:
// injectId.hashCode() % worker-number (InjectExecutionCallback.java:42-45,
// BatchQueueService.groupByKey :435-438), Java's String.hashCode over the
// id's UTF-16 units and Java's %, which keeps the hash's sign: a negative
// hash gives a group of -7 to -1, created when first needed
// (queue.computeIfAbsent :167-169) and run by the scheduler as any other
// (queue.keySet() :103). So 2.4.0 has 15 groups, not 8.
func WorkerGroup(injectID string) int {
	var h int32
	for _, u := range utf16.Encode([]rune(injectID)) {
		h = 31*h + int32(u)
	}
	return int(h % Workers)
}

// Ingest runs the platform's batch worker now: each worker group's held
// callbacks are processed as one batch (drainTo takes them all,
// BatchQueueService.java:337-338), in the order received, the groups
// one after another (processBufferedBatch(workerId) :329-395). A
// "complete" for an inject that is not PENDING is held again for the
// next run, up to five times, then processed all the same. A batch fails
// at its commit when a callback's findings repeat findings the inject
// stores or make an index row too large, or when a finding fails its
// output's validation (FindingService, a @Transactional bean, marks the
// batch's transaction rollback-only): every callback of that batch but
// those held again is Dropped, the Reason naming the one that failed,
// and the batch's findings and signatures are lost; the traces and
// final statuses written while it was processed are kept (they are
// written on a connection of their own, outside the transaction:
// ExecutionTraceRepositoryHelper.java:77-78, 133-137). Callbacks of other
// groups are not touched. It returns how many callbacks it processed or
// dropped.
func (p *Platform) Ingest() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ingestLocked(func(int) bool { return true })
}

// ingestFull runs the worker of each group holding more than MaxBatch
// callbacks, as the platform's consumer does as soon as one more arrives
// (BatchQueueService.java:180-183).
func (p *Platform) ingestFull() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	held := p.groupSizesLocked()
	return p.ingestLocked(func(g int) bool { return held[g] > MaxBatch })
}

// groupSizesLocked counts the callbacks held per worker group.
func (p *Platform) groupSizesLocked() map[int]int {
	n := map[int]int{}
	for _, q := range p.queue {
		n[WorkerGroup(p.calls[q.call].InjectID)]++
	}
	return n
}

// ingestLocked processes, one batch per group, the held callbacks of the
// worker groups run says to run, and keeps the others held.
func (p *Platform) ingestLocked(run func(group int) bool) int {
	groups := map[int][]queuedCall{}
	var kept []queuedCall
	for _, q := range p.queue {
		if g := WorkerGroup(p.calls[q.call].InjectID); run(g) {
			groups[g] = append(groups[g], q)
		} else {
			kept = append(kept, q)
		}
	}
	p.queue = kept
	settled := 0
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		settled += p.batchLocked(groups[g])
	}
	if settled > 0 {
		p.notifyLocked()
	}
	return settled
}

// batchLocked processes one batch, as the platform's worker does in one
// transaction, and returns how many callbacks it settled. When a
// callback fails the batch (Call.fails), the transaction rolls back: what
// it would have stored of every callback (findings, signatures) is
// restored, and BatchQueueService rejects every message of it without
// requeue (processedElement left empty, :349-353, 373-390); the traces
// and statuses written while it ran stay, as on the platform, where
// InjectStatusService.updateInjectStatus writes them through
// ExecutionTraceRepositoryHelper (InjectStatusService.java:198, 206-210),
// each statement on a connection of its own from the DataSource,
// autocommitted, outside the transaction
// (openaev-model …/database/helper/ExecutionTraceRepositoryHelper.java:78,
// 137, 163).
func (p *Platform) batchLocked(batch []queuedCall) int {
	saved := map[string]inject{}
	breaking := maps.Clone(p.breaking)
	var done []int
	var failed *Call
	for _, q := range batch {
		c := &p.calls[q.call]
		in := p.injects[c.InjectID]
		if in == nil {
			c.Outcome, c.Reason = Dropped, fmt.Sprintf("inject %q not found when its callback was processed: "+
				"the platform logs ElementNotFoundException and the callback is lost", c.InjectID)
			done = append(done, q.call)
			continue
		}
		if c.Kind == KindComplete && in.status != "PENDING" && q.requeues < maxRequeues {
			p.queue = append(p.queue, queuedCall{call: q.call, requeues: q.requeues + 1})
			continue
		}
		if _, ok := saved[c.InjectID]; !ok {
			saved[c.InjectID] = in.clone()
		}
		p.applyLocked(c, in)
		done = append(done, q.call)
		if failed == nil && c.Outcome == Dropped && c.fails != 0 {
			failed = c
		}
	}
	if failed == nil {
		return len(done)
	}
	for id, before := range saved {
		p.injects[id].rollBack(before)
	}
	p.breaking = breaking
	reason := fmt.Sprintf("the batch it was processed in failed at its commit, and the platform rejects every message "+
		"of it without requeue: its trace and the inject's status are kept (written outside the transaction), "+
		"its findings and signatures lost; a callback of inject %s failed: %s", failed.InjectID, failed.Reason)
	for _, i := range done {
		c := &p.calls[i]
		c.Signatures, c.SignaturesRepeated, c.SignaturesSkipped, c.UnlinkedAssets = nil, nil, "", nil
		if c.Outcome == Processed {
			c.Outcome, c.Reason = Dropped, reason
		}
	}
	return len(done)
}

// rollBack restores what a rolled-back transaction held of in to before:
// its findings and signatures. Its traces, the statuses of its COMPLETE
// ones, its status and end date stay: they were written outside the
// transaction.
func (in *inject) rollBack(before inject) {
	in.findings, in.stored, in.rows = before.findings, before.stored, before.rows
	in.signatures, in.initialized, in.held = before.signatures, before.initialized, nil
}

// clone returns a copy of in sharing nothing that processing changes.
func (in *inject) clone() inject {
	out := *in
	out.completes = slices.Clone(in.completes)
	out.traces = slices.Clone(in.traces)
	out.signatures = slices.Clone(in.signatures)
	out.initialized = maps.Clone(in.initialized)
	out.held = nil // built again from signatures when needed
	out.findings = maps.Clone(in.findings)
	out.stored = maps.Clone(in.stored)
	out.rows = slices.Clone(in.rows)
	return out
}

// holdLocked holds c, the Call about to be recorded at index i, when it
// was queued, and has the worker run at once when its worker group holds
// more than MaxBatch.
func (p *Platform) holdLocked(c Call, i int) {
	if c.Outcome != Queued {
		return
	}
	p.queue = append(p.queue, queuedCall{call: i})
	g, n := WorkerGroup(c.InjectID), 0
	for _, q := range p.queue {
		if q.call == i || WorkerGroup(p.calls[q.call].InjectID) == g {
			n++
		}
	}
	if n > MaxBatch {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

// startWorker runs the platform's batch worker until the test ends: every
// group every ingestEvery (none when 0), and a group at once when it holds
// more than MaxBatch callbacks.
func (p *Platform) startWorker(t testing.TB) {
	stop, done := make(chan struct{}), make(chan struct{})
	var tick <-chan time.Time
	if p.ingestEvery > 0 {
		ticker := time.NewTicker(p.ingestEvery)
		tick = ticker.C
		t.Cleanup(ticker.Stop)
	}
	go func() {
		defer close(done)
		for {
			select {
			case <-tick:
				p.Ingest()
			case <-p.kick:
				p.ingestFull()
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
}
