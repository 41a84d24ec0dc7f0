package openaev

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// InjectStatus reads the status of inject id on the platform:
// GET /api/injects/{id}, its inject_status.status_name ("" when the
// inject has no status yet). Failures are an *APIError (a 404 when the
// inject does not exist or the token lacks the rights on it: the platform
// answers both alike) or ErrDryRun.
func (c *Client) InjectStatus(ctx context.Context, injectID string) (string, error) {
	in, err := c.InjectState(ctx, injectID)
	return in.Status, err
}

// InjectState is what the platform's GET /api/injects/{id} says of an
// inject that a run needs before it starts: its status and its contract.
// The platform answers its Inject entity (OpenAEV 2.4.0,
// InjectApi.inject): inject_status.status_name, and
// inject_injector_contract, the whole InjectorContract, whose
// injector_contract_id is the contract the inject was made with.
type InjectState struct {
	// Status is inject_status.status_name, "" when the inject has no
	// status yet.
	Status string
	// Statusless says that the answer holds no inject_status (null): the
	// inject exists without a status, which OpenAEV 2.4.0 gives it only
	// when it dispatches it (InjectStatusService.initializeInjectStatus):
	// a scenario's inject, or one whose simulation was reset since
	// (ExerciseService.java:575-586 deletes the statuses). Its reception
	// is a 404 (InjectApi.java:374).
	Statusless bool
	// Completes are the execution_message of inject_status.status_traces
	// whose execution_action is COMPLETE and that name no agent: the
	// "complete" callbacks the platform took from injectors (see
	// completeVerdict); a COMPLETE trace naming an agent is an implant's,
	// or the platform's own (its pending sweep's TIMEOUT). Traces says
	// whether the answer listed any trace.
	Completes []string
	Traces    bool
	// Unreported says that the platform finalized the inject without a
	// run's result: a final status, a dispatch date
	// (inject_status.tracking_sent_date), and a list of traces without
	// an injector's COMPLETE one. OpenAEV 2.4.0's pending sweep does so
	// to an inject still PENDING inject.execution.threshold.minutes (10)
	// after its dispatch (InjectsExecutionJob.handlePendingInject: ERROR,
	// a TIMEOUT trace per agent, the other traces kept); a "complete" sent
	// afterwards is requeued, then saved all the same
	// (BatchingInjectStatusService.java:115-147). A status set by hand
	// replaces the status, its dates and traces with it
	// (InjectStatusService.updateInjectStatus): it is not Unreported,
	// and says nothing of a run.
	Unreported bool
	// ContractID is inject_injector_contract.injector_contract_id, ""
	// when the answer does not say (no such field, an inject without a
	// contract).
	ContractID string
	// NoContract says that the answer gives inject_injector_contract as
	// null: the inject has no contract, and OpenAEV 2.4.0 loses every
	// callback of it (InjectService.getValueTargetedAssetMap's
	// getInjectorContract().orElseThrow(), InjectService.java:1065, runs
	// first for each: NoSuchElementException, no trace, nothing stored).
	NoContract bool
	// Sent is inject_status.tracking_sent_date, zero when the answer
	// gives none (or one that does not parse): when the platform last
	// dispatched the inject (OpenAEV 2.4.0: a launch's new status, then
	// the dispatch, Executor.java:117-118, each set it; a reception does
	// not). See LaunchedAgain.
	Sent time.Time
}

// InjectState reads the status and the contract of inject id on the
// platform: one GET /api/injects/{id}. Failures are those of InjectStatus.
func (c *Client) InjectState(ctx context.Context, injectID string) (InjectState, error) {
	if err := checkInjectID(injectID); err != nil {
		return InjectState{}, err
	}
	if c.dry != nil {
		return InjectState{}, ErrDryRun
	}
	reply, err := c.do(ctx, request{op: "inject status", method: http.MethodGet,
		path: "/injects/" + url.PathEscape(injectID), injectID: injectID})
	if err != nil {
		return InjectState{}, err
	}
	var doc struct {
		Status *struct {
			Name   string          `json:"status_name"`
			Traces json.RawMessage `json:"status_traces"`
			Sent   json.RawMessage `json:"tracking_sent_date"`
		} `json:"inject_status"`
		Contract json.RawMessage `json:"inject_injector_contract"`
	}
	if err := json.Unmarshal(reply, &doc); err != nil {
		return InjectState{}, fmt.Errorf("inject %s status: %w", injectID, err)
	}
	in := InjectState{Statusless: doc.Status == nil}
	if doc.Status != nil {
		in.Status = strings.TrimSpace(doc.Status.Name)
		in.Completes, in.Traces = completeTraces(doc.Status.Traces)
		sent := len(doc.Status.Sent) > 0 && string(doc.Status.Sent) != "null"
		in.Unreported = Finished(in.Status) && sent && len(in.Completes) == 0 && listed(doc.Status.Traces)
		if sent {
			var at time.Time
			if json.Unmarshal(doc.Status.Sent, &at) == nil {
				in.Sent = at
			}
		}
	}
	in.ContractID = contractOf(doc.Contract)
	in.NoContract = string(doc.Contract) == "null"
	return in, nil
}

// statusTrace is what the profile reads of a trace of
// inject_status.status_traces.
type statusTrace struct {
	Message string          `json:"execution_message"`
	Action  string          `json:"execution_action"`
	Status  string          `json:"execution_status"`
	Agent   json.RawMessage `json:"agent"`
}

// injectorComplete reports whether t is an injector's "complete": a
// COMPLETE trace that names no agent (OpenAEV 2.4.0's
// InjectStatusService.createExecutionTrace saves the callback's message
// and action with the agent of the route, none on
// /api/injects/execution/callback/{injectId}; ExecutionTrace writes its
// agent by id, null for none). One naming an agent is an implant's, or
// the platform's own (its pending sweep's TIMEOUT trace of an agent).
// The current line's sweep also writes one naming no agent, for an
// inject none of whose assets has an agent (sweptAgentless): not an
// injector's either. The reception's answer (readReceipt) and the
// inject's state (completeTraces) both count by it.
func (t statusTrace) injectorComplete() bool {
	agentless := len(t.Agent) == 0 || string(t.Agent) == "null"
	return agentless && strings.EqualFold(strings.TrimSpace(t.Action), "COMPLETE") && !t.sweptAgentless()
}

// sweptAgentless reports whether t is the COMPLETE trace the current
// line's pending sweep gives an inject without agent
// (InjectsExecutionJob.handlePendingInject →
// ExecutionTraceUtils.addAgentlessTimeoutTrace): status TIMEOUT, no
// agent, "The inject did not complete within the <N> minutes threshold
// and was marked as timed out.". Read as an injector's "complete", it
// would hide that the platform finalized the inject without a result.
func (t statusTrace) sweptAgentless() bool {
	rest, ok := strings.CutPrefix(t.Message, "The inject did not complete within the ")
	if !ok || t.Status != "TIMEOUT" {
		return false
	}
	n, ok := strings.CutSuffix(rest, " minutes threshold and was marked as timed out.")
	return ok && n != "" && strings.Trim(n, "0123456789") == ""
}

// completeTraces returns the messages of the injectors' "complete"
// traces of raw, inject_status.status_traces (injectorComplete); ok is
// false when raw is no list of traces (absent, null, another shape) or an
// empty one: the answer does not say. A finished inject has no trace when
// a user set its status by hand (OpenAEV 2.4.0:
// InjectStatusService.updateInjectStatus replaces the InjectStatus, and
// its traces with it) or the platform failed it without a message
// (failInjectStatus): not that another run completed it.
func completeTraces(raw json.RawMessage) (messages []string, ok bool) {
	var traces []statusTrace
	if json.Unmarshal(raw, &traces) != nil || len(traces) == 0 {
		return nil, false
	}
	for _, t := range traces {
		if t.injectorComplete() {
			messages = append(messages, t.Message)
		}
	}
	return messages, true
}

// listed reports whether raw, inject_status.status_traces, is a list
// (empty or not).
func listed(raw json.RawMessage) bool {
	var traces []json.RawMessage
	return json.Unmarshal(raw, &traces) == nil && traces != nil
}

// contractOf returns the contract id inject_injector_contract names: the
// InjectorContract's injector_contract_id, or the field itself when it is
// a string (an id); "" when it is absent, null or anything else, so that
// an answer of another shape reads as one that does not say.
func contractOf(raw json.RawMessage) string {
	var contract struct {
		ID string `json:"injector_contract_id"`
	}
	if json.Unmarshal(raw, &contract) == nil {
		return strings.TrimSpace(contract.ID)
	}
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return strings.TrimSpace(id)
	}
	return ""
}

// ContractMismatchError is an inject whose contract on the platform is not
// that of the injector about to run it (see CheckContract): the platform
// matches a result's outputs by the inject's contract, so the other
// injector's findings would not be stored; or that has none, whose
// callbacks the platform loses.
type ContractMismatchError struct {
	InjectID string
	// Contract is the inject's contract id ("" for none: NoContract);
	// Owner the injector of the names given whose contract it is, "" for
	// none of them.
	Contract, Owner string
	// Injector is the injector about to run, Want its contract id.
	Injector, Want string
}

func (e *ContractMismatchError) Error() string {
	if e.Contract == "" {
		return fmt.Sprintf("inject %s has no contract on the platform, which loses every callback of such an inject (its processing needs the contract first) and would keep nothing of %s's run",
			e.InjectID, e.Injector)
	}
	owner := "no injector of this program's"
	if e.Owner != "" {
		owner = e.Owner + "'s"
	}
	return fmt.Sprintf("inject %s has contract %s on the platform (%s), not %s's (%s): the platform matches a result's outputs by the inject's contract and would not store %s's findings",
		e.InjectID, e.Contract, owner, e.Injector, e.Want, e.Injector)
}

// CheckContract refuses, with a *ContractMismatchError, to run inject id
// with injector when the platform says (in) the inject has another
// contract than ContractID(injector), or none (NoContract; the error's
// Contract ""); names are the injectors whose contracts the error may
// name. A state that does not say (an older platform) is not refused.
func CheckContract(in InjectState, id, injector string, names []string) error {
	want := ContractID(injector)
	if in.NoContract && injector != "" {
		return &ContractMismatchError{InjectID: id, Injector: injector, Want: want}
	}
	if in.ContractID == "" || injector == "" || SameContract(in.ContractID, want) {
		return nil
	}
	return &ContractMismatchError{InjectID: id, Contract: in.ContractID, Injector: injector, Want: want,
		Owner: ContractInjector(names, in.ContractID)}
}

// InjectFinished asks the platform whether inject id has finished: its
// status (InjectStatus) and whether that is a final one (Finished) that
// a run's result may have set: not one the platform set without any
// (InjectState.Unreported, its pending sweep), whose redelivered message
// serve runs. An error means the status could not be read, and finished
// is false then: serve runs a redelivered message of such an inject, and
// `injectkit run` its inject, saying so. A dry-run client answers
// ErrDryRun.
func (c *Client) InjectFinished(ctx context.Context, injectID string) (status string, finished bool, err error) {
	in, err := c.InjectState(ctx, injectID)
	return in.Status, err == nil && in.finished(), err
}

// finished reports whether in is a final status a run's result may have
// set (see InjectFinished).
func (in InjectState) finished() bool { return Finished(in.Status) && !in.Unreported }

// Finished reports whether an inject status is a final one: anything but
// QUEUING, EXECUTING, PENDING, DRAFT and "" (no status yet). The platform
// sets a finished inject back to PENDING on a new reception, then
// completes it a second time: a redelivered message of a finished inject
// must not run.
func Finished(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "", "QUEUING", "EXECUTING", "PENDING", "DRAFT":
		return false
	}
	return true
}

// LaunchedAgain reports whether the platform shows the inject launched
// again since a "complete" of it was sent at sent: dispatched (QUEUING or
// EXECUTING: not received yet, so not by the run that sent that complete,
// whose reception left it PENDING), after sent (tracking_sent_date), and
// without an injector's COMPLETE trace. OpenAEV 2.4.0 dispatches an inject
// id again only through its launch (POST /api/atomic_testings/{id}/launch),
// which clears the inject (Inject.clean: its status and traces, findings
// and expectations) and gives it a new status: its message is a new run
// asked for, not a copy of the one that ran. The dates compare the
// platform's clock with this host's: a clock ahead of the platform's by
// more than the time from that complete to the launch hides a launch.
func (in InjectState) LaunchedAgain(sent time.Time) bool {
	switch strings.ToUpper(strings.TrimSpace(in.Status)) {
	case "QUEUING", "EXECUTING":
	default:
		return false
	}
	return len(in.Completes) == 0 && !sent.IsZero() && in.Sent.After(sent)
}

// Started reports whether the platform shows an earlier run of the inject
// in: a reception taken (PENDING: a run under way, or one whose "complete"
// the platform dropped), a final status, or a COMPLETE trace (a
// "complete" taken, the inject reopened since). Its findings table may then
// hold the findings of a "complete" (now, or by the time this run's is
// sent), and a "complete" repeating one is dropped whole: the run's
// "complete" first reads them (Processor.Reopened). A dispatched inject
// not yet received (QUEUING, EXECUTING, DRAFT, no status) has none: the
// platform's launch clears them (Inject.clean), and a relaunch makes a new
// inject.
func (in InjectState) Started() bool {
	return len(in.Completes) > 0 || strings.EqualFold(strings.TrimSpace(in.Status), "PENDING") || Finished(in.Status)
}
