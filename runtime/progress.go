package runtime

import (
	"sync"
	"time"

	"github.com/injectkit/injectkit/framework"
)

// DefaultProgressInterval is how often WithProgress reports a running
// inject when given no interval.
const DefaultProgressInterval = 250 * time.Millisecond

// Progress is a snapshot of one inject while its executor runs.
type Progress struct {
	InjectID string
	Injector string
	// Targets is the number of targets the executor acts on.
	Targets int
	// Reported is how many of them a partial result named so far (by
	// address or host name, query, or cloud provider and region; see
	// Inject.Partial). An executor that reports no partial results leaves
	// it at 0 until it returns.
	Reported int
	// Results is the number of partial results reported so far, Last the
	// latest ("" before the first).
	Results int
	Last    string
	// Elapsed is the time since the executor started.
	Elapsed time.Duration
	// Done is set on the last snapshot, taken when the executor returned
	// (or was abandoned after its deadline).
	Done bool
	// Status is the outcome on the last snapshot, as the report has it
	// (timeout for a run cut short by its deadline or an interrupt,
	// failed for one that reached no target or returned invalid output);
	// "" on the others.
	Status framework.ExecutionStatus
}

// snapshotStatus is the outcome the last snapshot shows for out, the
// runtime's copy of the executor's output once the targets it did not
// reach are counted: compile makes invalid output a failure.
func snapshotStatus(out framework.ToolOutput) framework.ExecutionStatus {
	if out.Validate() != nil {
		return framework.StatusFailed
	}
	return out.ExecutionStatus()
}

// ProgressFunc receives the snapshots of a running inject.
type ProgressFunc func(Progress)

// progressConfig is the option WithProgress sets.
type progressConfig struct {
	f     ProgressFunc
	every time.Duration
}

// WithProgress calls f with a snapshot of each inject while its executor
// runs: every interval (DefaultProgressInterval when not positive), then
// once when the executor returns, with Done set. For one inject, f is
// never called concurrently and its last call (Done) returns before the
// signatures are compiled; it must not block. Snapshots cost nothing
// without this option.
func WithProgress(f ProgressFunc, every time.Duration) Option {
	return func(rt *Runtime) {
		if f == nil {
			rt.progress = nil
			return
		}
		if every <= 0 {
			every = DefaultProgressInterval
		}
		rt.progress = &progressConfig{f: f, every: every}
	}
}

// watch reports the progress of the executor running in, started at
// start, until the function it returns is called with the run's outcome;
// that call takes the last snapshot (Done) and returns once f has
// returned. Without WithProgress it does nothing.
func (rt *Runtime) watch(p *Prepared, in *framework.Inject, start time.Time) (stop func(framework.ExecutionStatus)) {
	pc := rt.progress
	if pc == nil {
		return func(framework.ExecutionStatus) {}
	}
	w := &watcher{rt: rt, in: in, start: start, match: newTargetMatcher(p.Targets), // the runtime's, which the executor cannot change
		redact: outputRedaction(p.secrets, rt.logRedact),
		snap:   Progress{InjectID: p.Request.InjectID, Injector: p.Request.Injector, Targets: len(p.Targets)}}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(pc.every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				pc.f(w.take(false))
			}
		}
	}()
	var once sync.Once
	return func(status framework.ExecutionStatus) {
		once.Do(func() {
			close(quit)
			<-done
			s := w.take(true)
			s.Status = status
			pc.f(s)
		})
	}
}

// watcher builds the snapshots of one inject; take is called from one
// goroutine at a time.
type watcher struct {
	rt    *Runtime
	in    *framework.Inject
	start time.Time
	match *targetMatcher
	seen  int // partial results matched so far
	snap  Progress
	// redact removes the secrets from Last, as from the output
	// (outputRedaction); nil: none.
	redact func(string) string
}

func (w *watcher) take(done bool) Progress {
	results := w.in.PartialResults()
	for _, r := range results[w.seen:] {
		w.match.add(r)
	}
	w.seen = len(results)
	s := w.snap
	s.Results, s.Reported, s.Elapsed, s.Done = len(results), w.match.reported, w.rt.now().Sub(w.start), done
	if len(results) > 0 {
		s.Last = results[len(results)-1]
		if w.redact != nil {
			s.Last = w.redact(s.Last)
		}
	}
	return s
}
