package openaev

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// What a Handler does when its outbox is full: an inject is run only when
// its result can be kept, and an inject that ran is never run again.
//
//   - Before a run, room is reserved in the outbox for its result: as many
//     bytes as the largest result stored, or refused for want of room, so
//     far (minRoom before any, at most the outbox's bound), beside the
//     bytes stored and those the runs in flight reserved. When that room
//     is not there, the message is not run: a serve.PauseError keeps it
//     (its worker holds it unacknowledged, never returning it to the
//     broker) and pauses the consumption until the resender, a
//     flush or a drop has freed room (or a process of an earlier
//     version, which keeps bodies from being stored, has ended: see
//     outbox.HeldByOlderError), its reason the one the last check left
//     ("outbox full: N of M bytes stored, R reserved for K results in
//     flight; the next needs X"; a paused Handler checks every roomPoll),
//     which a /healthz request reads without reading the outbox: it
//     never waits for the outbox's lock nor for its disk. The reservation ends
//     once the result's bodies are all stored (outbox.Deliverer's Sized
//     hook says when: from then on the outbox's bytes count them, and
//     counting the reservation too would count them twice), else with
//     the message's handling: a result the outbox refused keeps its
//     room reserved while it is tried again (see unstored).
//   - An outbox whose file system refused its last write (full, over a
//     quota, read-only: outbox.Usage.Unwritable) has no room either,
//     whatever its bound: the pause's reason is "outbox not writable: "
//     and the write's error, until a write succeeds again or the file
//     system has free (Usage.Free, read on Linux) a result's room and
//     diskSlack more. Nothing is written to find out: a probe that wrote
//     would need the room it probes.
//   - An outbox another process keeps locked past the lock timeout (an
//     `outbox flush` against a slow platform, say) has room unknown: the
//     message is not run and the consumption pauses the same way, its
//     reason "outbox locked: " and the lock's error (its holder, the
//     wait), until a check finds the lock free. The first read of the
//     outbox that meets the lock pauses (see lockedPause: the injects'
//     starts, a redelivered message's stored callback, the room, which a
//     first delivery checks before its notes when the file is held, the
//     completes sent, read again once the lock is free), so
//     the message waits one lock timeout before the pause, not one per
//     read. A /healthz request reads the reason the last check left, as
//     for a full outbox.
//   - A result that finds the outbox full all the same (another process
//     shares the file, or it is larger than any before it) is sent
//     without being stored; when that fails, it is tried again, stored
//     once there is room or sent, with backoff, and the message stays
//     unacknowledged meanwhile (see unstored).

// roomPoll is how often a paused Handler looks at its outbox for room.
const roomPoll = 500 * time.Millisecond

// notWritable begins the reason of a pause while a process of an earlier
// version keeps results from being stored, or while the outbox's file
// system refuses writes.
const notWritable = "outbox not writable: "

// lockedOut begins the reason of a pause while another process keeps the
// outbox locked past the lock timeout.
const lockedOut = "outbox locked: "

// diskSlack is the free room a file system that refused a write of the
// outbox needs, beyond a result's, to be taken as writable again: the
// pages a transaction copies (branches, freelist, meta) besides its
// bodies'.
const diskSlack = 64 << 10

// minRoom is the room reserved for a result before any was seen; once
// one was, the largest so far is, however small.
const minRoom = 4 << 10

// room is the outbox room the runs in flight reserved, and the size of
// the largest result seen.
type room struct {
	mu       sync.Mutex
	need     int64 // largest result stored or refused so far (0: none)
	reserved int64 // reserved by the runs in flight, their results not stored yet
	runs     int   // the runs in flight holding a reservation
	// refused: the last check found the outbox's file system refusing
	// writes (see fitsOrWhy).
	refused bool
	// last is the reason of a pause as the last check left it (see
	// fitsOrWhy), nil before any: read without mu, which a check holds
	// while it waits for the outbox's lock (up to the lock timeout) or
	// for its disk, by a /healthz request, which must answer at once.
	last atomic.Pointer[string]
}

// reservation is the room one run reserved; end releases it, once.
type reservation struct {
	once sync.Once
	end  func()
}

// reservationKey carries a run's *reservation in its context, for the
// Sized hook to end it once its result is stored.
type reservationKey struct{}

// Sized records the bytes of a result about to be stored (an
// outbox.Deliverer's Sized hook): the room reserved for each run is at
// least that of the largest result so far. Once the result is stored, the
// room ctx's run reserved ends (see reserve), and, for an inject that ran
// (outbox.DeliveringReport), serve.Stored acknowledges its message and
// the record of its start ends (see endStarted): a daemon killed while it
// posts the result leaves no message for another daemon to run again, nor
// a run said unfinished. A refused inject's message is rejected as before.
func (h *Handler) Sized(ctx context.Context, size int64) (stored func()) {
	h.sized(size)
	end := reservationOf(ctx)
	return func() {
		if end != nil {
			end()
		}
		if outbox.DeliveringReport(ctx) {
			endStarted(ctx) // first: Stored may wait for a delivery slot
			serve.Stored(ctx)
		}
	}
}

// reservationOf returns the end of the reservation of ctx's run, or nil.
func reservationOf(ctx context.Context) func() {
	r, _ := ctx.Value(reservationKey{}).(*reservation)
	if r == nil {
		return nil
	}
	return func() { r.once.Do(r.end) }
}

// fits reports whether the outbox has room for one more result, and the
// room it takes, its bytes used and its bound. It is called with the lock
// held.
func (h *Handler) fits() (ok bool, need, used, limit int64) {
	ok, need, used, limit, _, _ = h.fitsOrWhy()
	return ok, need, used, limit
}

// fitsOrWhy is fits, and the reason of a pause as it is now: "outbox
// full: 0 of 12000 bytes stored, 8192 reserved for 2 results in flight;
// the next needs 4096" ("outbox room freed, resuming: …" once there is
// room). An outbox a process of an earlier version sends bodies from
// (outbox.Usage.Older) has no room: a result would not be stored.
// locked is the error of an outbox another process kept locked past the
// lock timeout: its room is unknown. It is called with the lock held.
func (h *Handler) fitsOrWhy() (ok bool, need, used, limit int64, why string, locked error) {
	defer func() { h.room.last.Store(&why) }()
	st, err := h.cfg.Store.Usage()
	if errors.Is(err, outbox.ErrLocked) {
		why = lockedOut + err.Error()
		return false, 0, 0, 0, why, err
	}
	if err != nil {
		// A broken outbox fails the run, which says why.
		return true, 0, 0, 0, fmt.Sprintf("outbox full (its bytes unreadable now: %v)", err), nil
	}
	if st.Older != nil {
		// Its result could not be stored: the message waits, as for a
		// full outbox, until that process has ended.
		// The reason a probe reads: not the advice Error gives a
		// command's user ("run this once …").
		why = st.Older.Error()
		if he := (*outbox.HeldByOlderError)(nil); errors.As(st.Older, &he) {
			why = he.Reason()
		}
		return false, 0, st.Bytes, h.cfg.Store.MaxBytes(), notWritable + why, nil
	}
	used, limit = st.Bytes, h.cfg.Store.MaxBytes()
	need = h.room.need
	if need == 0 {
		need = minRoom // no result seen yet: its size is unknown
	}
	need = min(need, limit)
	h.room.refused = st.Unwritable != nil && st.Free < need+diskSlack
	if h.room.refused {
		// Its result could not be stored either: the message waits, as
		// for a full outbox, until a write succeeds again or the file
		// system has room (Free: read on Linux only).
		why = notWritable + st.Unwritable.Error()
		return false, need, used, limit, why, nil
	}
	results := "results"
	if h.room.runs == 1 {
		results = "result"
	}
	ok = used+h.room.reserved+need <= limit
	state := "outbox full"
	if ok {
		state = "outbox room freed, resuming" // a pause ends at the next poll
	}
	why = fmt.Sprintf("%s: %d of %d bytes stored, %d reserved for %d %s in flight; the next needs %d",
		state, used, limit, h.room.reserved, h.room.runs, results, need)
	return ok, need, used, limit, why, nil
}

// lastCheck returns the reason of a pause as the last check of the
// outbox left it (a serve.PauseError's Current, which /healthz calls):
// it reads neither the outbox nor its lock, so a probe answers at once
// while another process holds the lock or a check waits for it.
func (h *Handler) lastCheck() string {
	if why := h.room.last.Load(); why != nil {
		return *why
	}
	return ""
}

// sized records the bytes of a result stored, or refused for want of room.
func (h *Handler) sized(n int64) {
	h.room.mu.Lock()
	defer h.room.mu.Unlock()
	h.room.need = max(h.room.need, n)
}

// holdOutbox keeps the outbox file open, when first (a first delivery:
// nothing is waited for between its room check and its start's record),
// until the function returned is called: the two share one opening of a
// shared file. A file another process holds is not waited for here:
// locked says so, and the room check, which waits for it up to the lock
// timeout, then comes before any other read (see HandleDelivery), so
// that a lock held past it pauses the consumption after one wait.
func (h *Handler) holdOutbox(first bool) (letGo func(), locked bool) {
	if h.cfg.Store == nil || !first {
		return func() {}, false
	}
	release, err := h.cfg.Store.Hold() // any other failure is met again by the room check
	return release, errors.Is(err, outbox.ErrLocked)
}

// holdOrReserve holds the outbox file for a first delivery (see
// holdOutbox). When another process holds it, the room is checked at once
// (see reserve), before the notes of the completes sent are read: that
// check waits for the lock up to the lock timeout and pauses the
// consumption if it lasts, where each read would wait as long. release,
// then set, ends the room reserved (nil: not reserved yet).
func (h *Handler) holdOrReserve(ctx context.Context, id string, first bool) (_ context.Context, letGo, release func(), err error) {
	letGo, locked := h.holdOutbox(first)
	if !locked {
		return ctx, letGo, nil, nil
	}
	if ctx, release, err = h.reserve(ctx, id); err != nil {
		return ctx, letGo, nil, err
	}
	letGo, _ = h.holdOutbox(true) // the lock was let go within the wait
	return ctx, letGo, release, nil
}

// lockedPause is the serve.PauseError of a message of inject id whose
// handling found the outbox locked by another process past the lock
// timeout (err, outbox.ErrLocked) as it read it (what: its room, the
// injects' starts, its stored callback, the completes sent): the first read to meet the lock
// pauses the consumption, so the message is kept after one lock timeout,
// not one per read, and /healthz says it from then on (see lastCheck).
// It is said once, one WARN. Nothing of the inject has run.
func (h *Handler) lockedPause(ctx context.Context, id, what string, err error) error {
	reason := lockedOut + err.Error()
	h.room.last.Store(&reason)
	h.log.Warn("inject not run: another process holds the outbox's lock past the lock timeout, so the room for its result "+
		"cannot be checked; the message is kept and handled again once the lock is free",
		injectField(ctx, id), zap.String("outbox", h.cfg.Store.Path()), zap.String("reading", what), zap.String("reason", reason))
	return &serve.PauseError{Err: fmt.Errorf("inject %s not run: the outbox not read (%s): %w", id, what, err),
		Reason: reason, Current: h.lastCheck, Wait: h.waitRoom}
}

// reserve reserves the room of inject id's result in the outbox, and
// returns ctx carrying it (for Sized to release it once the result is
// stored) and its release; a serve.PauseError, the message not run, when
// there is none, or when another process kept the outbox locked past the
// lock timeout (its room unknown; the error names the lock's holder and
// the wait, and is outbox.ErrLocked): the daemon keeps the message and
// handles it again once the pause ends, none of its retries spent.
func (h *Handler) reserve(ctx context.Context, id string) (_ context.Context, release func(), err error) {
	if h.cfg.Store == nil {
		return ctx, func() {}, nil
	}
	h.room.mu.Lock()
	ok, need, _, _, reason, locked := h.fitsOrWhy()
	if locked != nil {
		h.room.mu.Unlock()
		return ctx, nil, h.lockedPause(ctx, id, "room", locked)
	}
	if ok {
		h.room.reserved += need
		h.room.runs++
	}
	reserved, refused := h.room.reserved, h.room.refused
	h.room.mu.Unlock()
	if ok {
		r := &reservation{end: func() {
			h.room.mu.Lock()
			defer h.room.mu.Unlock()
			h.room.reserved -= need
			h.room.runs--
		}}
		ctx = context.WithValue(ctx, reservationKey{}, r)
		return ctx, reservationOf(ctx), nil
	}
	msg := "inject not run: the outbox has no room for its result; the message is kept and handled again once it has room"
	switch {
	case refused:
		msg = "inject not run: the outbox's file system refuses writes (full, over quota or read-only), which keeps its result from being stored; " +
			"the message is kept and handled again once a write succeeds or the file system has room"
	case strings.HasPrefix(reason, notWritable):
		msg = "inject not run: a process of an earlier injectkit sends bodies from the outbox, which keeps its result from being stored; " +
			"the message is kept and handled again once that process has ended"
	}
	h.log.Warn(msg,
		injectField(ctx, id), zap.String("outbox", h.cfg.Store.Path()), zap.String("reason", reason),
		zap.Int64("room_needed", need), zap.Int64("reserved_in_flight", reserved))
	h.signal()
	return ctx, nil, &serve.PauseError{Err: fmt.Errorf("inject %s not run: %s", id, reason), Reason: reason,
		Current: h.lastCheck, Wait: h.waitRoom}
}

// waitRoom returns once the outbox has room for a result again (and is
// not locked by another process).
func (h *Handler) waitRoom(ctx context.Context) error {
	t := time.NewTicker(roomPoll)
	defer t.Stop()
	for {
		h.room.mu.Lock()
		ok, _, _, _ := h.fits()
		h.room.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
