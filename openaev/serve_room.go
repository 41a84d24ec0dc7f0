package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// What a Handler does when its outbox is full: an inject is run only when
// its result can be kept, and an inject that ran is never run again.
//
//   - Before a run, the outbox must have room: not at its bound, and not
//     still as full as when a result last found no room. Otherwise the
//     message is not run: a serve.PauseError returns it to the queue and
//     pauses the consumption ("outbox full: N of M bytes") until the
//     resender has freed room.
//   - A result that finds the outbox full after the run is sent without
//     being stored; when that fails too, its signatures are logged (ERROR)
//     and its message acknowledged, as with --outbox none.

// roomPoll is how often a paused Handler looks at its outbox for room.
const roomPoll = 500 * time.Millisecond

// room remembers the bytes stored when a result last found the outbox
// full: until fewer are stored, no inject runs.
type room struct {
	mu     sync.Mutex
	fullAt int64 // 0: none
}

// full reports whether the outbox has no room for a run, and its bytes.
func (h *Handler) full() (full bool, used, limit int64) {
	st, err := h.cfg.Store.Stats()
	if err != nil {
		return false, 0, 0 // a broken outbox fails the run, which says why
	}
	used, limit = st.Bytes, h.cfg.Store.MaxBytes()
	h.room.mu.Lock()
	defer h.room.mu.Unlock()
	if h.room.fullAt > 0 && used < h.room.fullAt {
		h.room.fullAt = 0 // the resender freed room
	}
	return used >= limit || h.room.fullAt > 0, used, limit
}

// noRoom records a result that found the outbox full.
func (h *Handler) noRoom(fe *outbox.FullError) {
	h.room.mu.Lock()
	defer h.room.mu.Unlock()
	h.room.fullAt = max(fe.Used, 1)
}

// roomCheck returns the serve.PauseError of a message not run for a full
// outbox, nil when there is room.
func (h *Handler) roomCheck(id string) error {
	if h.cfg.Store == nil {
		return nil
	}
	full, used, limit := h.full()
	if !full {
		return nil
	}
	reason := fmt.Sprintf("outbox full: %d of %d bytes", used, limit)
	h.log.Warn("inject not run: the outbox has no room for its result; message returned to the queue",
		zap.String("inject_id", id), zap.String("outbox", h.cfg.Store.Path()), zap.String("reason", reason))
	h.signal()
	return &serve.PauseError{Err: fmt.Errorf("inject %s not run: %s", id, reason), Reason: reason,
		Wait: h.waitRoom}
}

// waitRoom returns once the outbox has room again.
func (h *Handler) waitRoom(ctx context.Context) error {
	t := time.NewTicker(roomPoll)
	defer t.Stop()
	for {
		if full, _, _ := h.full(); !full {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// unstored sends the result of an inject that ran and found the outbox
// full, without storing it, and reports true: the message is acknowledged
// whether the result was delivered or lost (logged). It reports false when
// err is not that; then the caller settles err.
func (h *Handler) unstored(ctx context.Context, id, injector string, err error) (handled bool) {
	var fe *outbox.FullError
	var de *runtime.DeliveryError
	if h.cfg.Store == nil || !errors.As(err, &fe) || !errors.As(err, &de) || de.Report == nil {
		return false
	}
	h.noRoom(fe)
	log := h.log.With(zap.String("inject_id", id))
	log.Warn("outbox full when storing the inject's result: sending it without storing it (the inject is not run again)",
		zap.Error(err))
	if serr := h.sendDirect(ctx, de.Report); serr != nil {
		fields := []zap.Field{zap.String("status", string(de.Report.Status)), zap.Error(serr)}
		if p, perr := de.Report.Payload(); perr == nil {
			if b, merr := json.Marshal(p); merr == nil {
				fields = append(fields, zap.ByteString("undelivered_signatures", b))
			}
		}
		log.Error("terminal callback not delivered and the outbox full: the inject's result is lost to the platform; "+
			"message acknowledged so that the inject does not run again", fields...)
		h.cfg.Metrics.InjectFailed(injector)
		return true
	}
	h.cfg.Metrics.InjectCompleted(injector)
	return true
}

// sendDirect posts the report's terminal callback bodies, as the profile's
// Deliver does, without its per-target traces (sent already when the
// bodies were built for the outbox).
func (h *Handler) sendDirect(ctx context.Context, r *runtime.Report) error {
	p := h.cfg.Processor.profile
	pl, err := p.plan(ctx, r, p.manifestOf(r), p.client.Version(ctx))
	if err != nil {
		return err
	}
	for i, body := range pl.bodies() {
		if err := p.PostBody(ctx, r.InjectID, i, body); err != nil {
			return err
		}
	}
	return nil
}
