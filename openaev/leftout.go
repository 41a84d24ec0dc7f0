package openaev

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"
)

// The findings a terminal callback leaves out: the max payload size that
// sends each, and the WARN that gives it.

// findingsNeed is the least max payload size whose terminal callback
// holds every finding of pieces (the signatures can follow in data
// callbacks), for a report whose message is msg; 0 when no max payload
// size does (MaxMaxPayloadSize, MaxStructuredOutputLen).
func (pl *plan) findingsNeed(msg string, pieces []piece) int {
	doc := pl.docLen(pieces, 0, 0)
	e := pl.complete
	e.Message = pl.completeMessage(msg, "", MaxMaxPayloadSize) // as the largest limit cuts it
	need := max(envelopeLen(e)+doc, MinMaxPayloadSize)
	if doc > MaxStructuredOutputLen || need > MaxMaxPayloadSize {
		return 0
	}
	return need
}

// leftOutNeeds returns, for each finding lo leaves out (the largest
// first, the order the layout leaves them out in), the least max payload
// size whose terminal callback holds it: it and the smaller findings,
// those left out after it and those sent, the larger ones still left out
// (the note naming them, and the targets left out, keeping their room); 0
// when no max payload size does (MaxMaxPayloadSize,
// MaxStructuredOutputLen). The first is the size that sends every
// finding.
func (pl *plan) leftOutNeeds(message func(tooLarge map[string]bool) string, pieces []piece, lo leftOut) []int {
	out := make([]int, len(lo.findings))
	for i, pc := range lo.findings {
		held := []piece{pc}
		for _, other := range pieces {
			if !slices.ContainsFunc(lo.findings[:i+1], func(l piece) bool { return l.key == other.key }) {
				held = append(held, other)
			}
		}
		// The message then names the larger ones alone as too large.
		needs := pl.findingsNeed(message(pieceKeys(lo.findings[:i])), held)
		if needs > 0 && (i > 0 || len(lo.targets) > 0) {
			// A note on what is still left out needs its room then.
			if needs += maxNoteLen; needs > MaxMaxPayloadSize {
				needs = 0
			}
		}
		out[i] = needs
	}
	return out
}

// warnFindingLeftOut logs, once for each finding the terminal callback of
// inject id leaves out, its name, its size and the max payload size that
// sends it (needs; 0: none does), with larger, the findings left out
// before it, which that size still leaves out.
func (p *Profile) warnFindingLeftOut(ctx context.Context, id string, pc piece, needs int, larger []piece) {
	fields := []zap.Field{injectField(ctx, id), zap.String("finding", pc.key),
		zap.Int("bytes", pc.size), zap.Int("max_payload_size", p.maxPayload)}
	what := "every finding"
	if len(larger) > 0 {
		names := make([]string, len(larger))
		for i, l := range larger {
			names[i] = l.key
		}
		what = fmt.Sprintf("it (not %s, larger)", strings.Join(names, ", "))
	}
	msg := fmt.Sprintf("finding not sent: too large for the terminal callback; give --max-payload-size %d or more to send %s%s",
		needs, what, brokerAdvice(needs))
	if needs == 0 {
		msg = fmt.Sprintf("finding not sent: no terminal callback holds it beside the smaller findings (at most %d bytes, a structured output of %d characters); the platform gets the others",
			MaxMaxPayloadSize, MaxStructuredOutputLen)
	} else {
		fields = append(fields, zap.Int("needs", needs))
	}
	p.log.Warn(msg, fields...)
}

// misfitsLeftOut logs a WARN for each finding value of inject id left
// out because it does not fit its output's type (see fitOutput), naming
// the output, the item and the value, and whether the platform refuses
// it or the profile left it out as a precaution (misfit.assumed), and returns the note the terminal
// callback's message carries of them ("" when there are none).
func (p *Profile) misfitsLeftOut(ctx context.Context, id string, misfits []misfit) string {
	if len(misfits) == 0 {
		return ""
	}
	parts := make([]string, len(misfits))
	for i, mf := range misfits {
		fields := []zap.Field{injectField(ctx, id), zap.String("output", mf.field)}
		if mf.item >= 0 {
			fields = append(fields, zap.Int("item", mf.item))
		}
		fields = append(fields, zap.String("value", mf.value), zap.String("reason", mf.reason))
		msg := "finding value not sent: it does not fit its output's type, and the platform's processor refuses it, dropping the whole callback"
		switch {
		case mf.blank:
			msg = "finding value not sent: the platform would store it blank, which its findings table refuses, losing the callback and every other callback of its batch"
		case mf.assumed:
			msg = "finding value not sent: it does not fit its output's type; left out so that a stricter platform cannot refuse the callback for it (the platform versions read take it)"
		}
		p.log.Warn(msg, fields...)
		parts[i] = mf.String()
	}
	return "; not sent, not of their output's type: " + list(parts, 5)
}
