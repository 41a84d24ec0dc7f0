package openaevtest

import (
	"slices"
	"strconv"
	"time"
)

// The platform's pending sweep (rule 17; 2.4.0 read, files under
// openaev-api/src/main/java/io/openaev/). InjectsExecutionJob runs every
// minute (scheduler/PlatformTriggers.java:33-38) and ends with
// handlePendingInject (scheduler/jobs/InjectsExecutionJob.java:164-193,
// called at :442): every inject still PENDING whose status's
// trackingSentDate is older than inject.execution.threshold.minutes (10
// by default, :64, :96-102; openaev-model …/specification/
// InjectSpecification.java:87-94) is finalized. The dispatch sets that
// date (executors/Executor.java:117-118 →
// rest/inject/service/InjectStatusService.java:286-294), and the
// reception does not touch it (rest/inject/InjectApi.java:371-377): a
// run longer than the threshold, or a message that waited in the queue
// past it, is swept. The sweep adds a COMPLETE trace of status TIMEOUT
// ("Agent <executedByUser> did not respond within the <N> minutes
// threshold.", utils/ExecutionTraceUtils.java:63-73) for each primary
// agent of the inject's assets and asset groups
// (rest/inject/service/InjectService.java:963-986) that has no COMPLETE
// trace yet, keeps every other trace, and sets the status as a processed
// "complete" does (InjectStatusService.updateFinalInjectStatus,
// :118-127 → utils/InjectStatusUtils.java:17-25): no COMPLETE trace at all
// is ERROR. An injector's "complete" sent afterwards finds the inject
// not PENDING: requeued, then saved (rule 7), its status computed from
// every COMPLETE trace, the sweep's too.
//
// Current (OpenAEV-Platform/openaev, the index's newest
// scheduler/jobs/InjectsExecutionJob.java and utils/ExecutionTraceUtils
// .java) sweeps alike: the agents are InjectService.getAgentsByInject's,
// every primary agent of the inject's assets and of its groups' assets,
// active or not (isPrimaryAgent alone: an inactive agent gets its TIMEOUT
// trace too), each without a COMPLETE trace given one. An inject with no
// such agent at all (a network scanner's, targets without agents) gets
// instead one agentless COMPLETE trace of status TIMEOUT, agent null, "The
// inject did not complete within the <N> minutes threshold and was marked
// as timed out." (addAgentlessTimeoutTrace), unless its status already
// holds a COMPLETE trace; the status is then ERROR as before. The sweep
// touches no expectation: an expectation waits for its collectors or its
// expiry whatever the inject's status.

// DefaultPendingThreshold is the platform's inject.execution.threshold.minutes
// by default (InjectsExecutionJob.DEFAULT_EXECUTION_THRESHOLD_TIME_IN_MINUTES).
const DefaultPendingThreshold = 10 * time.Minute

// Agent is a primary agent of an inject's assets, as the sweep names it:
// its id (the trace's agent) and the user it runs as (its message).
type Agent struct {
	ID             string
	ExecutedByUser string
}

// WithPendingThreshold sets the platform's inject.execution.threshold.minutes
// (default DefaultPendingThreshold): SweepPending finalizes an inject
// PENDING for longer than d since it was dispatched.
func WithPendingThreshold(d time.Duration) Option {
	return func(p *Platform) {
		if d > 0 {
			p.threshold = d
		}
	}
}

// PendingThreshold returns the platform's pending threshold.
func (p *Platform) PendingThreshold() time.Duration { return p.threshold }

// SetInjectAgents sets the primary agents of the inject's assets and
// asset groups (the stand-in holds no agents otherwise): the sweep adds a
// TIMEOUT trace for each. The inject must exist.
func (p *Platform) SetInjectAgents(injectID string, agents ...Agent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.injects[injectID].agents = append([]Agent(nil), agents...)
}

// Dispatch does to the inject what the platform does as it publishes its
// message (Executor.execute, :117-118, executeExternal, :61-64): its
// status EXECUTING, its trackingSentDate now, and an INFO trace saying it
// waits to be consumed. The inject must exist.
func (p *Platform) Dispatch(injectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[injectID]
	in.status, in.sentAt = "EXECUTING", p.now()
	if p.staleDispatch {
		in.staleCopy = true // saved after the next reception (race.go)
		return
	}
	in.traces = append(in.traces, publishedTrace)
}

// SweepPending runs the platform's pending sweep as its job would at
// now: every PENDING inject whose trackingSentDate (AddInject's or
// Dispatch's time) is older than now less the pending threshold is
// finalized (see rule 17). It returns the ids of the injects swept.
func (p *Platform) SweepPending(now time.Time) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var swept []string
	limit := now.Add(-p.threshold)
	for id, in := range p.injects {
		if in.status != "PENDING" || in.sentAt.IsZero() || !in.sentAt.Before(limit) {
			continue
		}
		p.sweepLocked(in, now)
		swept = append(swept, id)
	}
	if len(swept) > 0 {
		p.notifyLocked()
	}
	slices.Sort(swept)
	return swept
}

// sweepLocked finalizes in as handlePendingInject does at now.
func (p *Platform) sweepLocked(in *inject, now time.Time) {
	completed := map[string]bool{}
	for _, t := range in.traces {
		if t.action == "COMPLETE" && t.agent != "" {
			completed[t.agent] = true
		}
	}
	minutes := strconv.FormatFloat(p.threshold.Minutes(), 'f', -1, 64)
	if len(in.agents) == 0 && p.version != Version24 && !slices.ContainsFunc(in.traces, func(t trace) bool { return t.action == "COMPLETE" }) {
		in.traces = append(in.traces, trace{message: "The inject did not complete within the " + minutes +
			" minutes threshold and was marked as timed out.", action: "COMPLETE", status: "TIMEOUT"})
		in.completes = append(in.completes, "TIMEOUT")
	}
	for _, a := range in.agents {
		if completed[a.ID] {
			continue
		}
		in.traces = append(in.traces, trace{message: "Agent " + a.ExecutedByUser + " did not respond within the " + minutes +
			" minutes threshold.", action: "COMPLETE", status: "TIMEOUT", agent: a.ID})
		in.completes = append(in.completes, "TIMEOUT")
	}
	in.status, in.endAt = finalStatus(p.version, in.completes), now
}

// ResetInject leaves the inject without a status, as a scenario's inject
// is before its simulation dispatches it, and as a simulation reset
// leaves its injects (2.4.0: ExerciseService.java:575-586 deletes their
// statuses, and Inject.clean clears their findings and expectations): its
// reception is a 404 (InjectApi.java:374, getStatus().orElseThrow), GET
// answers it with inject_status null, and a callback is lost (the
// platform's processing finds no status: ElementNotFoundException, only
// logged). Dispatch gives it a status again. The inject must exist.
func (p *Platform) ResetInject(injectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.injects[injectID].clean()
}

// Launch does to the inject what launching it again does, the only way
// 2.4.0 dispatches an inject id a second time (POST
// /api/atomic_testings/{id}/launch, rest/atomic_testing/AtomicTestingApi.java
// :117-125 → rest/inject/service/InjectService.launch :454-461; a relaunch
// makes a new inject, :464-470): Inject.clean (openaev-model
// …/database/model/Inject.java:390-396) drops its status, with its traces,
// and its findings and expectations (their signatures with them), and
// saveInjectAndStatusAsQueuing (:543-557) gives it a new status, QUEUING,
// its trackingSentDate now, no trace. Whatever its status was: launch
// checks none (throwIfInjectNotLaunchable, :440-451, checks the licence).
// Dispatch then publishes it. The inject must exist.
func (p *Platform) Launch(injectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[injectID]
	in.clean()
	in.status, in.sentAt = "QUEUING", p.now()
	p.notifyLocked()
}

// clean leaves in without a status, its traces, findings and signatures,
// its expectations pending (Inject.clean, and the status deleted or
// replaced).
func (in *inject) clean() {
	in.status, in.completes, in.traces, in.sentAt, in.endAt = "", nil, nil, time.Time{}, time.Time{}
	in.staleCopy = false
	in.findings, in.stored, in.rows = map[string]any{}, map[findingKey]bool{}, nil
	in.signatures, in.initialized, in.held = nil, nil, nil
	for e := range in.verdicts { // cleared, then created again pending
		in.verdicts[e] = Verdict{}
	}
}
