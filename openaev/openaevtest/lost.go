package openaevtest

import (
	"fmt"
	"net/http"
)

// Callbacks the platform answers 200 and loses, whole or but for their
// outputs: an inject it does not find, an agent it does not hold, a
// trace it fails to write.

// hasInject reports whether the platform holds inject id.
func (p *Platform) hasInject(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.injects[id] != nil
}

// lostCallback answers an admin token's callback for an inject that does
// not exist: PermissionService let it through unlooked-up (2.4.0
// :74), so the platform answers 200 and loses it. Queued, it publishes
// the callback without reading the inject (InjectApi.java:425-437), and
// the batch's ElementNotFoundException (BatchingInjectStatusService.java
// :151-152) is only logged by handleInjectExecutionError
// (InjectExecutionService.java:157-159: no inject, no trace); the legacy
// ingestion catches the same (InjectExecutionService.java:77) and answers
// 200 too.
func (p *Platform) lostCallback(c *Call) (int, string, []byte) {
	c.Outcome = Dropped
	if c.Reason = p.brokerDrop(c); c.Reason == "" {
		c.Reason = fmt.Sprintf("inject %q not found: the platform logs ElementNotFoundException "+
			"(handleInjectExecutionError) and the callback is lost", c.InjectID)
	}
	return http.StatusOK, jsonType, nil
}

// agentNotFoundLocked applies a callback on the implants' route to the
// inject, and returns why its content is lost. The stand-in holds no
// agents, so the platform's lookup of the callback's agent fails
// (2.4.0: BatchingInjectStatusService.java:179-188 in the queue,
// after the null action of processLocked; InjectExecutionService.java:71
// in the legacy ingestion, before it): ElementNotFoundException, caught
// (:151-153; :77-78, a 200) by handleInjectExecutionError
// (InjectExecutionService.java:157-177), which adds an ERROR trace of
// action COMPLETE to the inject's status, leaving the status itself as
// it was: that trace counts in the final status a later "complete" sets.
func agentNotFoundLocked(c *Call, in *inject) string {
	in.completes = append(in.completes, "ERROR")
	in.traces = append(in.traces, trace{message: "Agent not found: " + c.AgentID, action: "COMPLETE", status: "ERROR"})
	return fmt.Sprintf("agent %q not found (the stand-in holds no agents): the platform adds an ERROR trace "+
		"to the inject (handleInjectExecutionError) and the callback's content is lost", c.AgentID)
}

// statuslessLost is why the platform loses a callback for an inject
// without a status (ResetInject): updateInjectStatus's
// getStatus().orElseThrow (InjectStatusService.java:189) throws
// ElementNotFoundException, which handleInjectExecutionError only logs
// (no status, no trace), a 200 on both lines.
const statuslessLost = "the inject has no status (not dispatched, or its simulation reset): " +
	"the platform logs ElementNotFoundException and the callback is lost"

// lostAfterOutputs is the Reason of a callback whose trace the platform
// cannot write for want of a status, lost says why. In the batch (2.4.0
// read) its outputs were processed first
// (InjectExecutionService.processInjectExecution: processContext at :112,
// then updateInjectStatus at :114, which looks the status up at
// InjectStatusService.java:189, before any trace is made): the
// exception leaves through no transactional proxy (processInjectExecution
// and InjectStatusService.updateInjectStatus carry no @Transactional), so
// the batch catches it (BatchingInjectStatusService.java:151-153) without
// marking its transaction rollback-only, and commits what the outputs
// stored: their findings, verdicts and signatures, with no trace and no
// new status.
func lostAfterOutputs(lost string, stored bool) string {
	if !stored {
		return lost
	}
	return lost + "; its outputs, processed before the trace, are stored all the same " +
		"(the batch's transaction is not marked rollback-only and commits them)"
}

// nulTraceRollsBack is why a callback whose trace holds U+0000 (traceNUL)
// keeps nothing of its outputs in the batch (2.4.0 read), though they are
// processed before the trace: updateInjectStatus adds the trace to the
// status's traces (InjectStatusService.java:196) before
// ExecutionTraceRepositoryHelper's insert, on a connection of its own,
// fails on it (:198). The status is managed by the batch's transaction
// and maps its traces with CascadeType.ALL (InjectStatus.java:26-32), so
// the commit's flush persists that trace, still without an id, and its
// insert fails alike: the batch's transaction rolls back, the outputs'
// findings, verdicts and signatures with it.
const nulTraceRollsBack = "the trace, added to the inject's status before its insert failed, is inserted again " +
	"when the batch's transaction is flushed (InjectStatus.traces, CascadeType.ALL), which fails alike and " +
	"rolls the transaction back: nothing of the callback is stored"

// noContractLost is why the platform loses every callback of an inject
// without a contract (2.4.0 read), whatever its action, status or output:
// InjectExecutionService.processInjectExecution first asks
// InjectService.getValueTargetedAssetMap (InjectExecutionService.java
// :107), whose inject.getInjectorContract().orElseThrow()
// (InjectService.java:1065) throws NoSuchElementException before the
// outputs or the trace. The batch catches it (BatchingInjectStatusService
// .java:154-160), no trace written; the legacy ingestion catches only
// ElementNotFoundException (InjectExecutionService.java:77), and no
// handler of RestBehavior takes it: a 500.
const noContractLost = "the inject has no contract: the platform's processing throws NoSuchElementException " +
	"(InjectService.getValueTargetedAssetMap) before anything is stored, and the callback is lost"

// callbacksLost returns why the platform loses every callback of an
// inject made with a contract of this content, or "" (2.4.0 read):
// InjectService.getValueTargetedAssetMap, which processing asks first
// for every callback (see noContractLost), reads the content as
// ContentConverter gave it (its first JSON value as an object, else null:
// openaev-model …/database/converter/ContentConverter.java), calls
// .get("fields") on it (InjectService.java:1067), a NullPointerException
// on null, and casts each item of an array "fields" to an ObjectNode
// (:1072-1075), a ClassCastException on any other. Either leaves before
// the outputs and the trace: the callback is lost, its trace and result
// alike (a 500 in the legacy ingestion: no handler of RestBehavior takes
// either).
func callbacksLost(content string) string {
	doc, ok := readStructured(content)
	if !ok || doc == nil {
		return "contract_content is not a JSON object: ContentConverter gives null, and " +
			"InjectService.getValueTargetedAssetMap's get(\"fields\") on it throws a NullPointerException " +
			"before anything is stored: every callback of the inject is lost"
	}
	fields, _ := doc["fields"].([]any)
	for i, f := range fields {
		if _, ok := f.(map[string]any); !ok {
			return fmt.Sprintf("contract_content's fields[%d] is not an object: InjectService.getValueTargetedAssetMap "+
				"casts each field to an ObjectNode, a ClassCastException before anything is stored: "+
				"every callback of the inject is lost", i)
		}
	}
	return ""
}
