package openaevtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Execution callbacks: field validation (a 400 at once), then processing,
// which in queued mode happens after the 200 and may drop the callback.

func (p *Platform) callback(c *Call) (int, string, []byte) {
	if c.Body == nil {
		// JSON that is no object (null, a list): Jackson cannot bind it,
		// Spring's HttpMessageNotReadableException, Boot's error JSON.
		c.Reason = "malformed callback: not a JSON object"
		return http.StatusBadRequest, jsonType, p.bootError(http.StatusBadRequest, "Bad Request", requestPath(c))
	}
	if bag := p.violations(c.Body); len(bag) > 0 {
		reasons := make([]string, len(bag))
		for i, v := range bag {
			reasons[i] = v.field + " " + v.message
		}
		c.Reason = strings.Join(reasons, "; ")
		return http.StatusBadRequest, jsonType, validationFailed(bag)
	}
	if p.admin && !p.hasInject(c.InjectID) {
		return p.lostCallback(c)
	}
	return p.withInject(c, func(in *inject) (int, string, []byte) {
		if reason := p.brokerDrop(c); reason != "" {
			c.Outcome, c.Reason = Dropped, reason
			return http.StatusOK, jsonType, nil
		}
		if p.legacy && c.Kind == KindComplete && in.status != "PENDING" {
			c.Reason = "inject is not PENDING"
			return fail(http.StatusConflict, c.Reason)
		}
		if p.queued && !p.legacy {
			// Published, answered 200: the batch worker processes it
			// later (ingest.go).
			c.Outcome = Queued
			return http.StatusOK, jsonType, nil
		}
		if legacyStatus := p.applyLocked(c, in); legacyStatus != 0 && p.legacy {
			return fail(legacyStatus, c.Reason)
		}
		return http.StatusOK, jsonType, nil
	})
}

// applyLocked processes an accepted callback: c.Outcome becomes Processed,
// or Dropped with the Reason, and the legacy ingestion's answer for the
// drop is returned (0 when processed or when the legacy ingestion answers
// 200 too).
func (p *Platform) applyLocked(c *Call, in *inject) int {
	if in.status == "" && c.AgentID != "" && c.Body["execution_action"] != nil {
		// The implants' route looks its agent up first (rule 9), whose
		// ElementNotFoundException adds no trace to an inject without a
		// status: the callback is lost.
		c.Outcome, c.Reason = Dropped, statuslessLost
		return 0
	}
	if c.AgentID != "" && (p.legacy || c.Body["execution_action"] != nil) {
		c.Outcome, c.Reason = Dropped, agentNotFoundLocked(c, in)
		return 0
	}
	if reason, legacyStatus := p.processLocked(c, in); reason != "" {
		c.Outcome, c.Reason, c.UnlinkedAssets, c.SignaturesUnattached = Dropped, reason, nil, nil
		return legacyStatus
	}
	c.Outcome = Processed
	return 0
}

// MaxContextIdentifiers is the most execution_context_identifiers one
// callback may carry on the Current line: InjectExecutionInput's
// @Size(max = 1000) (openaev-api/…/rest/inject/form/InjectExecutionInput.java
// :42, OpenAEV-Platform/openaev beac022), checked by the route's @Valid
// with the @NotBlank fields, every entry counted, nulls included.
const MaxContextIdentifiers = 1000

// violation is one field failing a constraint of a @Valid input, with
// the constraint's message.
type violation struct{ field, message string }

// violations returns the constraints callback body b fails, as
// Hibernate Validator reports them all at once: execution_message and
// execution_status @NotBlank, and on Current execution_context_identifiers
// @Size (MaxContextIdentifiers; 2.4.0 has no such field and ignores it).
func (p *Platform) violations(b map[string]any) []violation {
	var bag []violation
	for _, k := range []string{"execution_message", "execution_status"} {
		if s, ok := b[k].(string); !ok || blank(s) {
			bag = append(bag, violation{k, "must not be blank"})
		}
	}
	if ids, _ := b[contextIdentifiers].([]any); p.version == Current && len(ids) > MaxContextIdentifiers {
		bag = append(bag, violation{contextIdentifiers, fmt.Sprintf("%s cannot exceed %d entries", contextIdentifiers, MaxContextIdentifiers)})
	}
	return bag
}

// blank is @NotBlank's failure for a string present (Hibernate's
// NotBlankValidator: toString().trim().length() == 0): nothing left once
// Java's String.trim has removed every leading and trailing char up to
// U+0020, control chars included. U+00A0 and the other Unicode spaces
// are not trimmed: a message of them is not blank.
func blank(s string) bool { return javaTrim(s) == "" }

// processLocked applies an accepted callback to the inject, or returns why
// the platform drops it (then nothing is applied) and what the legacy
// ingestion answers instead: 400 (IllegalArgumentException), or 409 for
// a finding already stored (DataIntegrityViolationException, RestBehavior).
func (p *Platform) processLocked(c *Call, in *inject) (string, int) {
	if c.Body["execution_action"] == nil {
		// Nothing requires the action (InjectExecutionInput.java:32-33),
		// and processing reads it first: the batch's getAction().equals
		// throws a NullPointerException (BatchingInjectStatusService.java
		// :115-118), logged at :154-160 and the callback lost; the legacy
		// ingestion's convertExecutionAction switches on it
		// (ExecutionTraceUtils.java:36-37), an exception no handler of
		// RestBehavior takes: 500.
		return "execution_action is null: the platform's processing throws a NullPointerException and the callback is lost",
			http.StatusInternalServerError
	}
	if in.contract == "" {
		return noContractLost, http.StatusInternalServerError
	}
	if ct, ok := p.contracts[in.contract]; ok && ct.lostAll != "" {
		return ct.lostAll, http.StatusInternalServerError
	}
	if ct, ok := p.contracts[in.contract]; ok && ct.targeted {
		if lost, legacyStatus := targetedAssetsLost(ct.content, in.content); lost != "" {
			return lost, legacyStatus
		}
	}
	if in.status == "" && p.legacy {
		// The legacy ingestion looks the status up before it reads
		// execution_status (InjectStatusService.java:189, then :173), and
		// catches the ElementNotFoundException (InjectExecutionService
		// .java:77-78): a 200, nothing stored.
		return statuslessLost, 0
	}
	raw, _ := c.Body["execution_status"].(string)
	status, ok := p.version.status(raw)
	if ok && preRBAC(p.raw) && !statuses1x[status] {
		// 1.x's valueOf over its own enum (1.18.19 InjectStatusService
		// .java:123): an IllegalArgumentException its RestBehavior has no
		// handler for, a 500.
		return fmt.Sprintf("execution_status %q is not an ExecutionTraceStatus of %s", raw, p.raw), http.StatusInternalServerError
	}
	if !ok {
		return fmt.Sprintf("execution_status %q is not an ExecutionTraceStatus of %s", raw, p.version), http.StatusBadRequest
	}
	if nul := traceNUL(p.version, c.Body); nul != "" {
		if p.legacy {
			// One transaction (InjectExecutionService.java:42-43): the
			// outputs roll back with it, and the trace's RuntimeException
			// no handler of RestBehavior takes: a 500.
			return nul, http.StatusInternalServerError
		}
		return nul + "; " + nulTraceRollsBack, 0
	}
	// What makes the trace's write fail, after the outputs were
	// processed (lostAfterOutputs): the status missing (the legacy
	// ingestion's is above).
	var lost string
	if in.status == "" {
		lost = statuslessLost
	}
	var outputs map[string]any
	var rows []FindingRow
	var atCommit string // why the commit fails, the trace and status written first
	var atCommitStatus int
	if p.processesOutputs(c.Kind, raw) {
		var reason string
		var legacyStatus int
		if outputs, rows, reason, legacyStatus = p.outputsLocked(c, in); reason != "" {
			if c.fails != failsAtCommit {
				return reason, legacyStatus
			}
			atCommit, atCommitStatus = reason, legacyStatus
			outputs, rows, c.Signatures, c.SignaturesUnattached = nil, nil, nil, nil
		}
	}
	for field, v := range outputs {
		in.findings[field] = v
	}
	storeLocked(in, rows)
	p.judgeLocked(in, outputs)
	for _, s := range c.Signatures {
		if !KnownSignatureType(s.Type) {
			p.breaking[s.Type] = true
		}
	}
	c.Signatures, c.SignaturesRepeated = in.appendSignaturesLocked(c.Signatures) // ownsignatures.go
	if lost != "" {
		if atCommit != "" {
			return atCommit, atCommitStatus
		}
		return lostAfterOutputs(lost, len(rows) > 0 || len(outputs) > 0), 0
	}
	msg, _ := c.Body["execution_message"].(string)
	action, _ := c.Body["execution_action"].(string)
	if c.Kind == KindComplete {
		action = "complete"
	}
	in.traces = append(in.traces, trace{message: msg, action: traceAction(action), status: status})
	if c.Kind == KindComplete {
		in.completes = append(in.completes, status)
		in.status, in.endAt = finalStatus(p.version, in.completes), p.now()
	}
	if atCommit != "" {
		return atCommit + "; its trace and the inject's status are kept, written on a connection of their own " +
			"outside the transaction (ExecutionTraceRepositoryHelper)", atCommitStatus
	}
	return "", 0
}

// processesOutputs says whether the version processes the structured
// output of a callback: a "complete" with status SUCCESS on 2.4.0; a
// "complete" or "data" on Current.
func (p *Platform) processesOutputs(kind, status string) bool {
	if p.version == Version24 {
		return kind == KindComplete && status == "SUCCESS"
	}
	return kind == KindComplete || kind == KindData
}

// outputsLocked validates the declared outputs present in the structured
// output and collects the signatures into c; it returns the outputs, the
// findings they add, or why the callback is dropped and the legacy
// ingestion's answer (see processLocked).
func (p *Platform) outputsLocked(c *Call, in *inject) (map[string]any, []FindingRow, string, int) {
	s, _ := c.Body["execution_output_structured"].(string)
	if strings.TrimSpace(s) == "" {
		return nil, nil, "", 0
	}
	doc, ok := readStructured(s)
	if !ok || doc == nil {
		// Not an object: only warned about by the platform, the trace
		// saved. JSON null is read as null (ObjectNode's deserializer has
		// no null value of its own), and processContext returns on it
		// before it reads the contract.
		return nil, nil, "", 0
	}
	ct, registered := p.contracts[in.contract]
	declared := ct.outputs
	if registered && ct.fault != "" {
		// The platform reads the contract's outputs for any structured
		// object, empty or not (readOutputs).
		return nil, nil, ct.fault, ct.faultStatus
	}
	if !registered && len(doc) > 0 {
		// A real platform holds no inject without its contract, so it
		// validates every output against it: outputs no registration
		// declared cannot be judged, and pass for none of them.
		return nil, nil, fmt.Sprintf("outputs for an inject of contract %q, which no registration declared: register the injector first", in.contract), http.StatusBadRequest
	}
	// The findings are rendered from the document as the platform's tree
	// holds it (ObjectNode: each number its node's text, 1e2 "100.0",
	// 18446744073709551615 its digits), not from doc's float64s.
	tree, _ := treeValue([]byte(s)).(map[string]any)
	bad := func(reason string) (map[string]any, []FindingRow, string, int) {
		return nil, nil, reason, http.StatusBadRequest
	}
	out := map[string]any{}
	var rows []FindingRow
	for _, o := range declared {
		if !KnownOutputType(p.version, o.Type) {
			return bad(fmt.Sprintf("contract output type %q is unknown to %s", o.Type, p.version))
		}
	}
	// atCommit is the first failure the findings' inserts meet at the
	// commit; the outputs after it are still processed (and may throw).
	var atCommit string
	var atCommitStatus int
	commitFails := func(reason string, status int) {
		if atCommit == "" {
			atCommit, atCommitStatus = reason, status
		}
	}
	for _, o := range declared {
		v, present := doc[o.Field]
		if !present {
			continue
		}
		if o.Type == "expectation_signature" && !p.signaturesEnabledLocked() {
			// SignatureOutputProcessor.process returns before reading the
			// value: nothing stored, nothing replaced, nothing refused.
			c.SignaturesSkipped = SignaturesDisabled
			continue
		}
		if err := ValidateOutput(p.version, o.Type, o.Multiple, v); err != nil {
			if noFindings[o.Type] {
				return bad(fmt.Sprintf("output %s (%s): %v", o.Field, o.Type, err))
			}
			c.fails = failsThrown
			return bad(fmt.Sprintf("output %s (%s): %v: FindingService throws IllegalArgumentException, "+
				"which marks the batch's transaction rollback-only: the callback is lost, and "+txRollsBack, o.Field, o.Type, err))
		}
		if reason, legacyStatus := checkFindings(c.InjectID, o, tree[o.Field]); reason != "" {
			commitFails(reason, legacyStatus)
			continue
		}
		if reason := findingNUL(o, v); reason != "" {
			commitFails(reason, http.StatusBadRequest)
			continue
		}
		added, unlinked, reason := newFindings(in, o, tree[o.Field], p.assets)
		if reason != "" {
			commitFails(reason, http.StatusConflict)
			continue
		}
		rows = append(rows, added...)
		for _, id := range unlinked {
			if !slices.Contains(c.UnlinkedAssets, id) {
				c.UnlinkedAssets = append(c.UnlinkedAssets, id)
			}
		}
		out[o.Field] = v
		if o.Type == "expectation_signature" && v != nil {
			sigs := parseSignatures(v)
			if reason := signatureNUL(o, sigs); reason != "" {
				commitFails(reason, http.StatusBadRequest)
				continue
			}
			kept, unattached := in.attachable(sigs)
			c.Signatures = append(c.Signatures, kept...)
			c.SignaturesUnattached = append(c.SignaturesUnattached, unattached...)
		}
	}
	if atCommit != "" {
		c.fails = failsAtCommit
		return nil, nil, atCommit, atCommitStatus
	}
	return out, rows, "", 0
}

// finalStatus is the inject's status after a processed "complete", from
// the statuses of all its COMPLETE traces, as the platform computes it
// (InjectStatusService.updateFinalInjectStatus → InjectStatusUtils.computeStatus,
// 2.4.0 and Current alike): AGENT_INACTIVE traces are left out (none left:
// ERROR); traces all in ExecutionTraceStatus.ERROR_STATUSES give ERROR, all
// in SUCCESS_STATUSES give SUCCESS (EXECUTED on Current), anything else
// (a mix, or only uncounted statuses such as INFO) PARTIAL. A reception does
// not clear the traces: a second run's "complete" joins the first's.
func finalStatus(v Version, completes []string) string {
	var active, failed, succeeded bool
	for _, st := range completes {
		if st == "AGENT_INACTIVE" {
			continue
		}
		active = true
		switch {
		case errorTraces[st]:
			failed = true
		case successTraces[st]:
			succeeded = true
		}
	}
	switch {
	case !active, failed && !succeeded:
		return "ERROR"
	case succeeded && !failed:
		if v == Version24 {
			return "SUCCESS"
		}
		return "EXECUTED"
	}
	return "PARTIAL"
}

// trace is an execution trace of an inject's status (rule 8): the
// callback's message as sent, its action as ExecutionTraceUtils
// .convertExecutionAction maps it, its status, and its agent's id ("" for
// none: an injector's callback; the sweep's traces name one, rule 17).
type trace struct{ message, action, status, agent string }

// traceAction is the ExecutionTraceAction of a callback's bound action.
func traceAction(action string) string {
	switch action {
	case "complete", "prerequisite_check", "prerequisite_execution", "cleanup_execution":
		return strings.ToUpper(action)
	}
	return "EXECUTION"
}
