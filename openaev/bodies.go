package openaev

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// ActionData is the action of the callbacks that carry the signatures
// that did not fit in the terminal callback (Current line only): the
// platform appends their batches to the first one.
const ActionData = "data"

// The terminal callback of a report, split under the max payload size:
// body 0 is the "complete" callback (the message, the findings and the
// first batch of signatures), bodies 1… are "data" callbacks with the
// other batches, relying on the platform's rule that the first batch of
// an inject's signatures replaces and later ones append. A body is built
// only when it is sent (or stored), from sizes computed beforehand, and
// none is larger than the limit: a finding or a target's signatures that
// cannot fit are left out, and the message says so (a WARN, too, names
// each finding and the targets left out).

// piece is one `"key":value` entry of the structured output.
type piece struct {
	key  string
	raw  []byte // unescaped
	size int    // escaped length
}

// plan is a report's terminal callback split into bodies.
type plan struct {
	r        *runtime.Report
	complete Execution
	data     Execution                           // a data callback, its message set per body
	pre      []piece                             // findings sorted before expectation_signatures
	post     []piece                             // … and after
	sigs     bool                                // signatures sent (Current line)
	types    map[signatures.ExpectationType]bool // the expectation types whose groups are sent
	agents   map[string][]string                 // the agents of the assets with several (sendable)
	assign   []int                               // body of each sendable signature target, in order; -1: left out
	sizes    []int                               // the size of each body, at most
	// traces sends the per-target traces, once, before the bodies; nil
	// when there are none (see Profile.targetTraces).
	traces func(context.Context)
	// mark ends the "complete"'s message (see runMark).
	mark string
}

// completeMessage is the message of the "complete" of a report whose
// message is msg, under a max payload size of limit: msg, cut to its
// room, then notes (cut to their room already, see layout), then the run
// mark, never cut: the message's last token, where markOf reads it.
func (pl *plan) completeMessage(msg, notes string, limit int) string {
	return truncateEscaped(msg, messageRoom(limit)-len(pl.mark)) + notes + pl.mark
}

var (
	sigOpen  = []byte(`"` + FieldExpectationSignatures + `":{"targets":[`)
	sigClose = []byte(`]}`)
)

// plan computes the bodies of r's terminal callback for a platform of
// version v, each at most p.maxPayload bytes, with the signature groups
// of the expectation types of ctx (signatureTypesOf), a target's once per
// agent of its asset (agentsOf).
func (p *Profile) plan(ctx context.Context, r *runtime.Report, m *framework.Manifest, v PlatformVersion) (*plan, error) {
	limit := p.maxPayload
	pieces, misfits, err := findingPieces(r, m, v)
	rest := unreachedSummary(r) + undeclaredSummary(r.Output.Findings, m, unreachedLabels(r))
	base := plan{r: r, sigs: signaturesDeclared(m, v), types: signatureTypesOf(ctx), agents: agentsOf(ctx), mark: runMarkOf(ctx)}
	if err != nil {
		// Findings that cannot be encoded: keep the signatures.
		p.log.Error("findings not encodable; sending the signatures alone", injectField(ctx, r.InjectID), zap.Error(err))
		rest += " (findings could not be encoded: " + err.Error() + ")"
		pieces = nil
	}
	rest += p.misfitsLeftOut(ctx, r.InjectID, misfits)
	// message is the complete's message, its findings summary saying the
	// findings of tooLarge left out as too large to send.
	message := func(tooLarge map[string]bool) (string, string) {
		status, msg := completion(r, m, v, misfits, tooLarge)
		return status, msg + rest
	}
	status, msg := message(nil)
	// The note saying what is left out takes room in the message: it is
	// reserved only when a note is written.
	pl, lo := base.layout(status, msg, pieces, limit, 0)
	if len(lo.findings) > 0 || len(lo.targets) > 0 {
		pl, lo = base.layout(status, msg, pieces, limit, noteRoom(limit))
	}
	// The summary names the findings left out as too large: laid out again
	// with it, until it names those the layout leaves out (a message of
	// another length may leave out others), at most once per finding.
	var counted map[string]bool
	for range pieces {
		large := pieceKeys(lo.findings)
		if maps.Equal(large, counted) {
			break
		}
		counted = large
		status, msg = message(counted)
		pl, lo = base.layout(status, msg, pieces, limit, noteRoom(limit))
	}
	if len(lo.findings) > 0 {
		for i, needs := range pl.leftOutNeeds(func(tooLarge map[string]bool) string {
			_, msg := message(tooLarge)
			return msg
		}, pieces, lo) {
			p.warnFindingLeftOut(ctx, r.InjectID, lo.findings[i], needs, lo.findings[:i])
		}
	}
	if len(lo.targets) > 0 {
		p.log.Warn("signatures not sent: a target's are larger than the max payload size; the platform gets none for it",
			injectField(ctx, r.InjectID), zap.Int("targets", len(lo.targets)),
			zap.String("left_out", list(shortNames(lo.targets, 5), 5)), zap.Int("max_payload_size", limit))
	}
	if len(lo.extras) > 0 {
		p.log.Debug("signature extras not sent as signatures: not collector signature types (the trace of each target with an asset shows them)",
			injectField(ctx, r.InjectID), zap.Strings("extras", sortedKeys(lo.extras)))
	}
	if pl.sizes[0] > limit {
		return nil, fmt.Errorf("terminal callback of inject %s: %d bytes, more than the max payload size of %d bytes",
			r.InjectID, pl.sizes[0], limit)
	}
	return pl, nil
}

// pieceKeys returns the keys of pieces, nil when there are none.
func pieceKeys(pieces []piece) map[string]bool {
	var out map[string]bool
	for _, pc := range pieces {
		if out == nil {
			out = map[string]bool{}
		}
		out[pc.key] = true
	}
	return out
}

// leftOut is what a layout leaves out: the findings too large for the
// terminal callback, the largest first, the signature targets that fit in
// no body, and the signature extras that are not collector types.
type leftOut struct {
	findings []piece
	targets  []string
	extras   map[string]bool
}

// layout lays out a copy of pl's report in bodies of at most limit bytes,
// the terminal callback's message msg keeping notesRoom bytes for the note
// on what is left out (written only when that room is kept).
func (pl plan) layout(status, msg string, pieces []piece, limit, notesRoom int) (*plan, leftOut) {
	r := pl.r
	var lo leftOut
	pl.complete = Execution{Message: pl.completeMessage(msg, "", limit), Status: status, Action: ActionComplete,
		Duration: wireDuration(r.Finished.Sub(r.Started))}
	pieces = slices.Clone(pieces)
	var notes []string
	// Findings too large for the terminal callback are left out, the
	// largest first.
	for len(pieces) > 0 && (envelopeLen(pl.complete)+notesRoom+pl.docLen(pieces, 0, 0) > limit ||
		pl.docLen(pieces, 0, 0) > MaxStructuredOutputLen) {
		big := 0
		for i := range pieces {
			if pieces[i].size > pieces[big].size {
				big = i
			}
		}
		notes = append(notes, fmt.Sprintf("finding %s (%d bytes) too large to send", pieces[big].key, pieces[big].size))
		lo.findings = append(lo.findings, pieces[big])
		pieces = append(pieces[:big], pieces[big+1:]...)
	}
	for _, pc := range pieces {
		if pc.key < FieldExpectationSignatures {
			pl.pre = append(pl.pre, pc)
		} else {
			pl.post = append(pl.post, pc)
		}
	}
	completeDoc := pl.docLen(pieces, 0, 0)
	completeFixed := envelopeLen(pl.complete) + notesRoom + completeDoc
	pl.sizes = []int{completeFixed}
	if pl.sigs {
		lo.targets, lo.extras = pl.split(structuredRoom(limit, completeFixed, completeDoc), limit)
		if n := len(lo.targets); n > 0 {
			notes = append(notes, fmt.Sprintf("signatures of %d target%s too large to send (%s)", n, plural(n), list(lo.targets, 5)))
		}
	}
	if len(notes) > 0 && notesRoom > 0 {
		// Before the run mark, which ends the message.
		pl.complete.Message = pl.completeMessage(msg, truncateEscaped("; "+strings.Join(notes, "; "), notesRoom), limit)
	}
	return &pl, lo
}

// split assigns the signature targets to bodies: the terminal callback
// while they fit in room0, then data callbacks, each of at most limit
// bytes and a structured output of at most MaxStructuredOutputLen. It
// returns the targets left out because they fit in no body, and the
// signature extras not sent as signatures (not collector types).
func (pl *plan) split(room0, limit int) (dropped []string, drops map[string]bool) {
	r := pl.r
	pl.data = Execution{Status: StatusSuccess, Action: ActionData, Duration: pl.complete.Duration}
	dataFixed := dataFixedLen(r.Injector, len(r.Targets)+extraAgents(pl.agents), pl.data.Duration)
	dataRoom := structuredRoom(limit, dataFixed, dataDocLen())
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	body, used, count := 0, 0, 0
	for _, pt := range sendable(r.PayloadTargets(), pl.types, &drops, pl.agents, r.Indirect) {
		q, err := targetLen(enc, &buf, pt)
		if err != nil {
			pl.assign = append(pl.assign, -1)
			dropped = dropTarget(dropped, pt.SignatureTarget)
			continue
		}
		room, need := room0, q
		if body > 0 {
			room = dataRoom
		}
		if count > 0 {
			need++
		}
		switch {
		case used+need <= room:
			used, count = used+need, count+1
		case q <= dataRoom:
			pl.sizes[body] += used
			pl.sizes = append(pl.sizes, dataFixed)
			body, used, count = body+1, q, 1
		default:
			pl.assign = append(pl.assign, -1)
			dropped = dropTarget(dropped, pt.SignatureTarget)
			continue
		}
		pl.assign = append(pl.assign, body)
	}
	pl.sizes[body] += used
	return dropped, drops
}

func (pl *plan) dataMessage(part, of string) string { return dataMessage(pl.r.Injector, part, of) }

func dataMessage(injector, part, of string) string {
	return injector + ": expectation signatures, part " + part + " of " + of
}

// dataFixedLen is the length of a "data" callback of a report of injector
// on n targets, lasting duration seconds, without its signature targets:
// a target whose escaped length (targetLen) exceeds the max payload size
// less this fits in no body.
func dataFixedLen(injector string, n, duration int) int {
	most := strings.Repeat("9", len(strconv.Itoa(n+1)))
	return envelopeLen(Execution{Message: dataMessage(injector, most, most), Status: StatusSuccess,
		Action: ActionData, Duration: duration}) + dataDocLen()
}

// dataDocLen is the length of a "data" callback's structured output
// without its signature targets.
func dataDocLen() int { return 2 + escapedLen(sigOpen) + escapedLen(sigClose) }

// targetLen is the escaped length of a signature target in the structured
// output, encoded by enc into buf.
func targetLen(enc *json.Encoder, buf *bytes.Buffer, pt signatures.PayloadTarget) (int, error) {
	buf.Reset()
	if err := enc.Encode(pt); err != nil {
		return 0, err
	}
	return escapedLen(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// shortNames returns names, at most n of them cut to 128 bytes each, for a
// log line of bounded length (list counts those left off).
func shortNames(names []string, n int) []string {
	out := make([]string, len(names))
	for i, s := range names {
		if i < n && len(s) > 128 {
			s = strings.ToValidUTF8(s[:128], "") + "…"
		}
		out[i] = s
	}
	return out
}

// dropTarget adds the name of t to dropped, but once for the agents of
// one asset (whose targets follow each other).
func dropTarget(dropped []string, t signatures.Attribution) []string {
	name := targetName(t)
	if n := len(dropped); n > 0 && dropped[n-1] == name {
		return dropped
	}
	return append(dropped, name)
}

// targetName names a signature target for a message.
func targetName(t signatures.Attribution) string {
	switch {
	case t.Asset != "":
		return "asset " + t.Asset
	case t.Agent != "":
		return "agent " + t.Agent
	}
	return "asset group " + t.AssetGroup
}

// docLen is the escaped length of a structured output holding pieces and,
// on the Current line, n signature targets of escaped length targets.
func (pl *plan) docLen(pieces []piece, targets, n int) int {
	size := 2 // {}
	items := len(pieces)
	for _, pc := range pieces {
		size += pc.size
	}
	if pl.sigs {
		items++
		size += escapedLen(sigOpen) + escapedLen(sigClose) + targets + max(n-1, 0)
	}
	return size + max(items-1, 0)
}

// envelopeLen is the length of the body of e with an empty structured
// output's quotes and key (its content is added to it): the length of
// json.Marshal(e) less its closing brace, counted without encoding it.
func envelopeLen(e Execution) int {
	var digits [20]byte
	n := len(`{"execution_message":"","execution_status":"","execution_action":"","execution_duration":`) +
		escapedLenString(e.Message) + escapedLenString(e.Status) + escapedLenString(e.Action) +
		len(strconv.AppendInt(digits[:0], int64(e.Duration), 10))
	if len(e.ContextIdentifiers) > 0 {
		n += len(`,"execution_context_identifiers":[]`) + len(e.ContextIdentifiers) - 1
		for _, id := range e.ContextIdentifiers {
			n += len(`""`) + escapedLenString(id)
		}
	}
	if e.OutputStructured != "" {
		n += len(`,"execution_output_structured":""`) + escapedLenString(e.OutputStructured)
	}
	return n + len(`,"execution_output_structured":""}`)
}

// appendEnvelope appends the body of e up to the opening quote of its
// structured output.
func appendEnvelope(dst []byte, e Execution) []byte {
	b, _ := json.Marshal(e)
	dst = append(dst, b[:len(b)-1]...)
	return append(dst, `,"execution_output_structured":"`...)
}

// findingPieces encodes the findings the structured output carries for a
// platform of version v (see StructuredOutput), sorted by key, without
// expectation_signatures.
func findingPieces(r *runtime.Report, m *framework.Manifest, v PlatformVersion) ([]piece, []misfit, error) {
	doc, misfits, err := findingsDoc(r, m, v)
	if err != nil {
		return nil, nil, err
	}
	delete(doc, FieldExpectationSignatures)
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // raw tool output (XML) stays readable
	out := make([]piece, 0, len(keys))
	for _, k := range keys {
		buf.Reset()
		if err := enc.Encode(k); err != nil {
			return nil, nil, fmt.Errorf("structured output: %w", err)
		}
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(':')
		if err := enc.Encode(doc[k]); err != nil {
			return nil, nil, fmt.Errorf("structured output: %s: %w", k, err)
		}
		raw := scrubNUL(bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
		out = append(out, piece{key: k, raw: raw, size: escapedLen(raw)})
	}
	return out, misfits, nil
}
