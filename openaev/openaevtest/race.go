package openaevtest

// The dispatch race (rule 21; 2.4.0 read, Current taken as alike). 2.4.0's Executor.executeExternal
// (openaev-api/…/executors/Executor.java:52-66) reads the inject's status
// (EXECUTING, committed by initializeInjectStatus, :116-119), publishes the
// message, adds its INFO trace to that copy and only then saves it; each
// repository call is a transaction of its own (InjectsExecutionJob.execute
// is not @Transactional) and InjectStatus has no @Version. A reception
// (InjectApi.injectExecutionReception, :363-377: PENDING, no trace) that
// lands between the publish and the save is overwritten: the status is
// EXECUTING again. A "complete" is then refused by the status check of
// both ingestions (issue/3550): the legacy one answers 409
// (InjectExecutionService.handleInjectExecutionCallback :59-69, a
// DataIntegrityViolationException, RestBehavior.java:252-263) for as long
// as nothing sets PENDING again, the pending sweep included (it looks at
// PENDING injects only); the queued one answers 200, puts it aside and
// has its requeue job publish it back every 15 s, saving it anyway at the
// sixth processing (BatchingInjectStatusService :90-143, MAX_RETRIES 5;
// PlatformTriggers.java:119-123): processed some 75 s late, or lost with
// the requeue list (in memory) should the platform restart meanwhile.

// WithStaleDispatch makes Dispatch lose the race: its copy of the status
// is saved right after the inject's next reception, which it overwrites
// (EXECUTING, then the INFO trace).
func WithStaleDispatch() Option { return func(p *Platform) { p.staleDispatch = true } }

// saveStaleLocked saves the copy of in's status a Dispatch that lost the
// race holds, if any: EXECUTING, and the INFO trace it adds after the
// publish. Reception calls it once the inject is PENDING.
func (p *Platform) saveStaleLocked(in *inject) {
	if !in.staleCopy {
		return
	}
	in.staleCopy = false
	in.status = "EXECUTING"
	in.traces = append(in.traces, publishedTrace)
}

// publishedTrace is the INFO trace executeExternal adds once it published
// the message.
var publishedTrace = trace{message: "The inject has been published and is now waiting to be consumed.",
	action: "EXECUTION", status: "INFO"}
