package openaev

import (
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Which messages may have been delivered before. The broker's redelivered
// flag is not enough: AMQP 0-9-1 says a client MUST NOT rely on it, and
// RabbitMQ 3.10 (tester t99) returns the messages of a channel that
// closed with the flag unset once the node restarted with a transient
// message in a durable queue, as the platform's messages are. So a
// Handler takes a message for one that may have run before (the path of a
// redelivered message: the outbox and the platform asked, the crash-loop
// guard, counted as a redelivery) when the flag is set, or when this
// process knows its inject:
//
//   - a handling of it is in flight in this process (its channel closed:
//     the broker took the message back and sends it again);
//   - a handling of it ended in this process once its channel had closed
//     (noted before its flight ends: a copy finds one or the other), or
//     its acknowledgement was lost with the channel (NoteAckLost, the
//     daemon's call): kept lostMemory, the copy may wait in a long queue;
//   - the outbox holds a start of it by an earlier process that ended
//     during the run (see startRun), or the profile's notes hold a
//     "complete" of it within the ingestion window (see sentRecently).
//
// All of it is in memory: the outbox's starts are read once, at the first
// message, and its notes likewise (see Profile.lastComplete), so that a
// message of an inject nothing knows costs map lookups, no file read and
// no request. What none of them holds (a result stored by an earlier
// process whose acknowledgement a broker restart lost, past the window)
// is not recognised without the flag.

// lostMemory is how long a Handler remembers an inject whose message's
// acknowledgement could not land (see above).
const lostMemory = 24 * time.Hour

// known is what a Handler remembers of the injects it handled (see above).
type known struct {
	starts     readOnce // the outbox's starts read into unfinished (see startsLoaded)
	mu         sync.Mutex
	unfinished map[string]struct{}  // starts of earlier processes that ended during the run
	lost       map[string]time.Time // when each lost handling is forgotten
	pruneAt    time.Time
}

// What a Handler recognised a message without the broker's redelivered
// flag by, as one sent again (see above): the field recognised_by of its
// lines, which say "message sent again" where a flagged one says
// "redelivered message". A message published twice is not redelivered.
const (
	byFlight     = "its handling in flight in this process"
	byUnfinished = "a start of it by a process that ended during the run"
	byLost       = "its handling ended once its channel closed, or its acknowledgement lost"
	byComplete   = "its complete sent within the ingestion window"
)

// sentBefore reports whether this process knows inject id (see above):
// its message may have been delivered before, whatever the broker's flag.
// by says what it knows (byFlight, …), "" when nothing. It fails only
// when another process keeps the outbox locked past the lock timeout at
// the process's first read of its starts, or of the notes of the
// completes sent (outbox.ErrLocked; what names the read): that read is
// made again by the next message, and this one is paused.
func (h *Handler) sentBefore(id string) (by, what string, err error) {
	if h.cfg.Processor.flights.running(id) != nil {
		return byFlight, "", nil
	}
	if h.cfg.Store != nil {
		if err := h.startsLoaded(); err != nil {
			return "", "the injects' starts", err
		}
	}
	k := &h.known
	k.mu.Lock()
	_, unfinished := k.unfinished[id]
	until, lost := k.lost[id]
	k.mu.Unlock()
	switch {
	case unfinished:
		return byUnfinished, "", nil
	case lost && h.now().Before(until):
		return byLost, "", nil
	}
	known, err := h.cfg.Processor.profile.knowsComplete(id)
	if err != nil {
		return "", "the completes sent", err
	}
	if known {
		return byComplete, "", nil
	}
	return "", "", nil
}

// startsLoaded reads the outbox's starts once (see loadStarts). A read
// that met another process's lock past the lock timeout is not the one:
// its error is returned, to the messages that waited for that read too
// (none waits for the lock twice), and the next message reads them again.
// Any other failure is said once, and the starts are not read again.
func (h *Handler) startsLoaded() error {
	return h.known.starts.Do(h.loadStarts)
}

// loadStarts reads the injects whose starts ended unfinished with their
// process (see startRun). It returns the lock of another process that
// kept the outbox past the lock timeout, saying nothing (the pause it
// starts says it); another failure is logged.
func (h *Handler) loadStarts() error {
	runs, err := h.cfg.Store.Starts()
	if errors.Is(err, outbox.ErrLocked) {
		return err
	}
	if err != nil {
		h.log.Warn("the injects' starts cannot be read from the outbox: a message sent again without the broker's redelivered flag "+
			"is not recognised by them", zap.String("outbox", h.cfg.Store.Path()), zap.Error(err))
		return nil
	}
	k := &h.known
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, r := range runs {
		if h.cfg.Store.Running(r) {
			continue
		}
		if k.unfinished == nil {
			k.unfinished = map[string]struct{}{}
		}
		k.unfinished[r.InjectID] = struct{}{}
	}
	return nil
}

// NoteAckLost remembers inject id, whose message's acknowledgement was lost
// with its channel: the broker delivers it again, maybe without its
// redelivered flag (see serve.AckLostNoter).
func (h *Handler) NoteAckLost(id string) {
	if id == "" {
		return
	}
	now := h.now()
	k := &h.known
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lost == nil {
		k.lost = map[string]time.Time{}
	}
	if !now.Before(k.pruneAt) {
		for i, until := range k.lost {
			if !now.Before(until) {
				delete(k.lost, i)
			}
		}
		k.pruneAt = now.Add(lostMemory / 2)
	}
	k.lost[id] = now.Add(lostMemory)
}

// AckLostCopy says what becomes of the copy of a message whose
// acknowledgement was lost (serve.AckLostTeller): the redelivered path of
// HandleDelivery, which acknowledges it without a run when the outbox
// holds the inject's terminal callback, when the platform shows the
// inject finished, or when its complete was sent within the ingestion
// window (the notes: in memory, and in the outbox, which another process
// sharing it reads).
func (h *Handler) AckLostCopy() string {
	if h.cfg.Store == nil {
		return "the copy is not run again if the platform shows its inject finished or its complete was sent within the " +
			"ingestion window, as this process remembers (with --outbox none, another process knows only what the platform shows)"
	}
	return "the copy is not run again if the outbox holds its terminal callback or notes its complete sent within the " +
		"ingestion window (in this process or another sharing the outbox), or if the platform shows its inject finished"
}

var _ serve.AckLostTeller = (*Handler)(nil)

// now is the Handler's clock: its profile's, whose notes of the
// "complete" callbacks read it too (one clock, which tests set).
func (h *Handler) now() time.Time { return h.cfg.Processor.profile.notes.now() }

// endedUnfinished forgets the starts of inject id that ended unfinished:
// its run ended, or its message was settled without one.
func (h *Handler) endedUnfinished(id string) {
	k := &h.known
	k.mu.Lock()
	delete(k.unfinished, id)
	k.mu.Unlock()
}

// knowsComplete reports whether the profile's memory holds a "complete"
// of inject id within the ingestion window. Only a profile with a window
// of its own answers from memory (see lastComplete); one without says no,
// reading no file. err is a read of the store's notes that met another
// process's lock (outbox.ErrLocked), made again at the next question.
func (p *Profile) knowsComplete(id string) (bool, error) {
	if !p.notes.windowSet {
		return false, nil
	}
	_, ok, err := p.readComplete(id)
	if errors.Is(err, outbox.ErrLocked) {
		return false, err
	}
	return ok, nil
}
