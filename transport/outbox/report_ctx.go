package outbox

import "context"

// reportKey marks the context of a report's delivery (Deliver), as
// opposed to a rejection's (Rejected).
type reportKey struct{}

// DeliveringReport reports whether ctx, a Sized hook's or a Profile's
// Bodies', is that of a report's delivery (Deliver: the inject ran, its
// bodies stored before any is posted), not of a rejection's (Rejected:
// nothing ran). A caller acknowledging its queue message once
// the bodies are stored does so for a report alone: a refused inject's
// message is settled as a refusal (rejected), its INVALID_USAGE or ERROR
// kept all the same.
func DeliveringReport(ctx context.Context) bool {
	v, _ := ctx.Value(reportKey{}).(bool)
	return v
}
