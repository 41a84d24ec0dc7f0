package openaev

import (
	"bytes"
	"encoding/json"
	"strings"
)

// A "complete" found superseded (the platform shows its inject finished,
// completed by another run), stored or a run's own, is not sent: a second
// "complete" would finish the inject twice. It may still carry the only
// copy of its run's first batch of signatures: its "data" callbacks, sent
// after it (see InOrder), carry the others. Those signatures are sent in a "data"
// callback built from the stored body, which the platform takes on a
// finished inject and appends to the inject's signatures, so that the
// signatures of every target reach it.

// supersededData returns the "data" callback carrying the signatures of
// body, a stored "complete": the same shape as the "data" callbacks that
// follow a "complete" (status SUCCESS, the complete's duration, the
// signatures alone in the structured output). ok is false when body holds
// no signature target (a rejection, a legacy platform's result, a run
// whose targets have none): dropping it loses nothing.
func supersededData(body []byte) (data []byte, ok bool) {
	complete, raw, n := signaturesOf(body)
	if complete.Action != ActionComplete || n == 0 {
		return nil, false
	}
	e := Execution{Message: supersededDataMessage(complete.Message), Status: StatusSuccess, Action: ActionData,
		Duration: complete.Duration}
	var out bytes.Buffer
	out.Grow(len(raw) + 256)
	out.WriteString(`{"` + FieldExpectationSignatures + `":`)
	out.Write(scrubNUL(raw)) // stored before U+0000 was written U+FFFD
	out.WriteByte('}')
	dst := appendEnvelope(make([]byte, 0, len(raw)+512), e)
	dst = appendEscaped(dst, out.Bytes())
	return append(dst, `"}`...), true
}

// signaturesOf decodes body, a terminal callback, and returns it with the
// expectation_signatures of its structured output and the number of
// signature targets they hold (0 when body holds none or cannot be read).
func signaturesOf(body []byte) (e Execution, raw json.RawMessage, targets int) {
	if json.Unmarshal(body, &e) != nil || e.OutputStructured == "" {
		return e, nil, 0
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal([]byte(e.OutputStructured), &doc) != nil {
		return e, nil, 0
	}
	raw = doc[FieldExpectationSignatures]
	var sigs struct {
		Targets []json.RawMessage `json:"targets"`
	}
	if raw == nil || json.Unmarshal(raw, &sigs) != nil {
		return e, nil, 0
	}
	return e, raw, len(sigs.Targets)
}

// signatureTargets returns the number of signature targets body, a
// terminal callback, carries.
func signatureTargets(body []byte) int {
	_, _, n := signaturesOf(body)
	return n
}

// supersededDataMessage is the message of the "data" callback of a
// superseded "complete" whose message was msg: its injector's name, as a
// "data" callback's (msg starts "nmap on 3 targets: …"). It is short: the
// body stays under the max payload size the complete's was planned for,
// with room for notes its message may not have used.
func supersededDataMessage(msg string) string {
	injector, _, found := strings.Cut(msg, " on ")
	if !found || injector == "" || len(injector) > 64 || strings.ContainsAny(injector, " :") {
		injector = "injectkit"
	}
	return injector + ": expectation signatures, part 1 (its complete superseded)"
}
