package openaev

import (
	"context"
	"encoding/json"
	"io"

	"go.uber.org/zap"
)

// Receipt is what the platform's answer to a reception says of the
// inject's earlier runs. The platform answers the Inject entity it saved
// (OpenAEV 2.4.0, InjectApi.injectExecutionReception), as GET
// /api/injects/{id} does: inject_status.status_name, PENDING now whatever
// it was before, and inject_status.status_traces, which the reception
// keeps: the COMPLETE traces of the "complete" callbacks the platform
// took since the inject was launched.
type Receipt struct {
	// Completes counts the traces of inject_status.status_traces whose
	// execution_action is COMPLETE and that name no agent: an injector's
	// "complete" (statusTrace.injectorComplete), not the platform's pending
	// sweep's TIMEOUT trace of an agent.
	Completes int
	// Unread is a 2xx answer that is not the platform's Inject: no body,
	// JSON without inject_status (or with a null one: 2.4.0 answers a 404
	// for an inject without a status, never a 2xx), JSON cut short or over
	// the client's reply limit, another format, status_traces of another
	// shape. It cannot say whether an earlier run's "complete" was taken.
	// An inject_status without status_traces, or with none, is a fresh
	// inject's: it is read, not Unread.
	Unread bool
}

// Earlier reports whether the inject's findings may hold those of an
// earlier run's "complete": a COMPLETE trace shows one taken, and an
// answer that cannot be read may hide one. A "complete" repeating a
// stored finding is dropped whole, so such a run's "complete" first reads
// them (see Processor.Reopened). What the answer cannot show: the status
// before this reception (a finished inject whose traces a user replaced
// by setting its status by hand answers PENDING without traces), and
// another run under way that has no "complete" taken yet (another
// daemon's copy of the message).
func (r Receipt) Earlier() bool { return r.Unread || r.Completes > 0 }

// readReceipt decodes the answer to a reception, keeping only the actions
// of inject_status.status_traces; the rest of the entity (the inject's
// content, its contract) is skipped.
func readReceipt(rd io.Reader) Receipt {
	var doc struct {
		Status *struct {
			Traces []statusTrace `json:"status_traces"`
		} `json:"inject_status"`
	}
	if err := json.NewDecoder(rd).Decode(&doc); err != nil || doc.Status == nil {
		return Receipt{Unread: true} // io.EOF: no body
	}
	var r Receipt
	for _, t := range doc.Status.Traces {
		if t.injectorComplete() {
			r.Completes++
		}
	}
	return r
}

// earlier marks inject id reopened when the answer to its reception (r)
// shows the platform may hold an earlier run's findings, saying so once
// (not for an inject marked already: --rerun-finished, a copy that waited).
// An answer that cannot be read is a WARN the first time in the profile's
// life, INFO after: a platform, or a proxy, answering every reception so
// says it once, and each inject it concerns is still named.
func (p *Profile) earlier(ctx context.Context, id string, r Receipt) {
	if !r.Earlier() || p.reopened.has(id) {
		return
	}
	p.reopened.add(id)
	if r.Unread {
		const msg = "the platform's answer to the reception cannot be read: running the inject, its complete leaving out the findings the platform stores, should an earlier run have stored some"
		if p.unreadSeen.CompareAndSwap(false, true) {
			p.log.Warn(msg+" (an answer other than the platform's inject, such as no body or no inject_status: later ones in this process are logged at INFO)",
				injectField(ctx, id))
			return
		}
		p.log.Info(msg, injectField(ctx, id))
		return
	}
	p.log.Info("the platform shows an earlier run's complete for this inject (a message sent again): running it again, its complete leaving out the findings the platform stores",
		injectField(ctx, id), zap.Int("completes", r.Completes))
}
