package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/openaev"
)

// The bodies of one noop inject on N asset-backed targets, as the openaev
// profile sends them to a platform of the current line: byte for byte but
// for the times (and execution_duration, 0 here) and the run mark's
// digits (runMark). Everything is appended
// straight into the body; only the envelopes of the terminal callbacks go
// through json.Marshal of openaev.Execution, once each.

const injector = "noop"

// runMark ends the "complete"'s message, as the profile's run mark (" [run "
// and 8 random hex digits) ends it: its digits fixed, its length the same.
const runMark = " [run 00000000]"

// target is the i-th target: its asset, agent and address.
type target struct{ asset, agent, ip string }

func targetOf(i int) target {
	s := strconv.Itoa(i)
	return target{asset: "asset-" + s, agent: "agent-" + s, ip: ipOf(i)}
}

// ipOf is the i-th address, as bench-w1.sh numbers its targets.
func ipOf(i int) string {
	b := make([]byte, 0, 15)
	b = append(b, "10."...)
	b = strconv.AppendInt(b, int64(i>>16&255), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(i>>8&255), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(i&255), 10)
	return string(b)
}

// encoder holds what every body shares.
type encoder struct {
	n        int
	limit    int
	src4     string // source addresses, as the runtime resolves them
	src6     string
	start    string // start and end times
	end      string
	complete openaev.Execution
	data     openaev.Execution
	summary  string // the summary piece, escaped, after the signatures
	// room0 and dataRoom are the bytes of signature targets the terminal
	// callback and each data callback can hold.
	room0, dataRoom int
	// tmplLen is the escaped length of a target with empty ids.
	tmplLen int
}

var (
	sigOpen  = `"expectation_signatures":{"targets":[`
	sigClose = `]}`
)

func newEncoder(n, limit int, src4, src6, start, end string) *encoder {
	e := &encoder{n: n, limit: limit, src4: src4, src6: src6, start: start, end: end}
	e.complete = openaev.Execution{Message: completeMessage(n) + runMark, Status: "SUCCESS", Action: "complete"}
	e.data = openaev.Execution{Status: "SUCCESS", Action: "data"}
	summaryRaw := `"summary":"` + injector + ": " + strconv.Itoa(n) + ` target(s), outcome success"`
	e.summary = escape(summaryRaw)
	// The profile's sizing: each data callback keeps room for the longest
	// "part i of n" message, the terminal callback for a note on what is
	// left out only when a note is written (see plan).
	e.size(0)
	most := strings.Repeat("9", len(strconv.Itoa(n+1)))
	d := e.data
	d.Message = dataMessage(most, most)
	docLen := 2 + len(escape(sigOpen)) + len(escape(sigClose))
	e.dataRoom = min(limit-(envelopeLen(d)+docLen), openaev.MaxStructuredOutputLen-docLen)
	e.tmplLen = len(e.appendTarget(nil, target{}))
	return e
}

// size sets room0, the terminal callback's room for signature targets
// when its message keeps noteRoom bytes for a note.
func (e *encoder) size(noteRoom int) {
	docLen := 2 + len(e.summary) + len(escape(sigOpen)) + len(escape(sigClose)) + 1
	fixed := envelopeLen(e.complete) + noteRoom + docLen
	e.room0 = min(e.limit-fixed, openaev.MaxStructuredOutputLen-docLen)
}

// completeMessage is the "complete"'s message of n targets, before any
// note and the run mark.
func completeMessage(n int) string {
	return injector + " on " + strconv.Itoa(n) + " target" + plural(n) + ": succeeded"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func dataMessage(part, of string) string {
	return injector + ": expectation signatures, part " + part + " of " + of
}

// escape escapes s as the content of a JSON string; the bodies' structured
// output holds only quotes to escape.
func escape(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }

// envelopeLen is the length of e's body with an empty structured output.
func envelopeLen(e openaev.Execution) int {
	b, _ := json.Marshal(e)
	return len(b) - 1 + len(`,"execution_output_structured":""}`)
}

// appendEnvelope appends e's body up to its structured output's content.
func appendEnvelope(dst []byte, e openaev.Execution) []byte {
	b, _ := json.Marshal(e)
	dst = append(dst, b[:len(b)-1]...)
	return append(dst, `,"execution_output_structured":"`...)
}

// targetLen is the escaped length of t's signatures.
func (e *encoder) targetLen(t target) int {
	return e.tmplLen + len(t.agent) + len(t.asset)
}

// appendTarget appends t's signatures, escaped.
func (e *encoder) appendTarget(dst []byte, t target) []byte {
	dst = append(dst, `{\"signature_target\":{\"agent\":\"`...)
	dst = append(dst, t.agent...)
	dst = append(dst, `\",\"asset\":\"`...)
	dst = append(dst, t.asset...)
	dst = append(dst, `\"},\"signature_values\":[`...)
	for g, et := range [2]string{"DETECTION", "PREVENTION"} {
		if g > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{\"expectation_type\":\"`...)
		dst = append(dst, et...)
		dst = append(dst, `\",\"values\":[`...)
		dst = appendValue(dst, "source_ipv4_address", e.src4, true)
		if e.src6 != "" {
			dst = appendValue(dst, "source_ipv6_address", e.src6, false)
		}
		// noop sends nothing to its targets: no target address
		// (openaev's platformSignaturesOf).
		dst = appendValue(dst, "start_date", e.start, false)
		dst = appendValue(dst, "end_date", e.end, false)
		dst = append(dst, `]}`...)
	}
	return append(dst, `]}`...)
}

func appendValue(dst []byte, typ, val string, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `{\"signature_type\":\"`...)
	dst = append(dst, typ...)
	dst = append(dst, `\",\"signature_value\":\"`...)
	dst = append(dst, val...)
	return append(dst, `\"}`...)
}

// plan returns how many targets each terminal body holds (the terminal
// callback while they fit, then data callbacks) and the targets, in
// order, that fit in no body, as the profile packs them: first without
// room for a note; when a target fits in no body, again with the room the
// note on those left out takes, which it then appends to the terminal
// callback's message.
func (e *encoder) plan() (counts, dropped []int, err error) {
	e.size(0)
	if counts, dropped = e.pack(); len(dropped) == 0 {
		return counts, nil, nil
	}
	room := min(512, e.limit/4) // the profile's note room
	e.size(room)
	counts, dropped = e.pack()
	names := make([]string, 0, 5)
	for _, i := range dropped[:min(len(dropped), 5)] {
		names = append(names, "asset "+targetOf(i).asset)
	}
	list := strings.Join(names, ", ")
	if len(dropped) > 5 {
		list += " and " + strconv.Itoa(len(dropped)-5) + " more"
	}
	note := "; signatures of " + strconv.Itoa(len(dropped)) + " target" + plural(len(dropped)) + " too large to send (" + list + ")"
	if len(note) > room {
		// The profile would cut it short; the floor's never is (at most
		// five short names in at least 256 bytes).
		return nil, nil, fmt.Errorf("note of %d bytes, more than its room of %d", len(note), room)
	}
	e.complete.Message = completeMessage(e.n) + note + runMark // the mark ends the message
	return counts, dropped, nil
}

// pack packs the targets into bodies under room0 and dataRoom.
func (e *encoder) pack() (counts, dropped []int) {
	counts = []int{0}
	used, room := 0, e.room0
	for i := 1; i <= e.n; i++ {
		q := e.targetLen(targetOf(i))
		need := q
		if counts[len(counts)-1] > 0 {
			need++
		}
		switch {
		case used+need <= room:
			used += need
			counts[len(counts)-1]++
		case q <= e.dataRoom:
			counts = append(counts, 1)
			used, room = q, e.dataRoom
		default:
			dropped = append(dropped, i)
		}
	}
	return counts, dropped
}

// appendOpen starts terminal body i of n.
func (e *encoder) appendOpen(dst []byte, i, n int) []byte {
	env := e.complete
	if i > 0 {
		env = e.data
		env.Message = dataMessage(strconv.Itoa(i+1), strconv.Itoa(n))
	}
	dst = append(appendEnvelope(dst, env), '{')
	return append(dst, escape(sigOpen)...)
}

// appendClose ends terminal body i.
func (e *encoder) appendClose(dst []byte, i int) []byte {
	dst = append(dst, escape(sigClose)...)
	if i == 0 {
		dst = append(append(dst, ','), e.summary...)
	}
	return append(dst, `}"}`...)
}

// traceBody is the INFO trace saying what runs.
func (e *encoder) traceBody() []byte {
	values := make([]string, 0, 20)
	for i := 1; i <= min(e.n, 20); i++ {
		values = append(values, ipOf(i))
	}
	list := strings.Join(values, ", ")
	if e.n > 20 {
		list += " and " + strconv.Itoa(e.n-20) + " more"
	}
	b, _ := json.Marshal(openaev.Execution{Message: "Running " + injector + " on " + strconv.Itoa(e.n) + " target" +
		plural(e.n) + ": " + list, Status: "INFO", Action: "command_execution"})
	return b
}

// appendTargetTrace appends the per-target INFO trace of t.
func appendTargetTrace(dst []byte, t target) []byte {
	dst = append(dst, `{"execution_message":"`+injector+` on `...)
	dst = append(dst, t.ip...)
	dst = append(dst, `: succeeded","execution_status":"INFO","execution_action":"command_execution","execution_duration":0,"execution_context_identifiers":["`...)
	dst = append(dst, t.asset...)
	return append(dst, `"]}`...)
}
