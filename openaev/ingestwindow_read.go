package openaev

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/transport/outbox"
)

// The reads of the notes of the completes sent that a CompleteStore
// keeps (see ingestwindow.go): a daemon's, which meets another process's
// lock, never takes the notes it could not read as none.

// lastComplete returns the latest note of inject id's "complete" whose
// window has not passed, in memory or in the store; ok is false when
// there is none, or the profile's window is 0 (the platform processes
// each callback before its answer). A read of the store that fails is
// said, and what memory holds returned.
func (p *Profile) lastComplete(id string) (last outbox.CompleteNote, ok bool) {
	last, ok, err := p.readComplete(id)
	if err != nil {
		p.log.Warn("the times of the injects' last completes cannot be read from the outbox", zap.String("inject_id", id), zap.Error(err))
	}
	return last, ok
}

// readComplete is lastComplete, the store's failure to be read returned,
// unsaid: one that met another process's lock past the lock timeout
// (outbox.ErrLocked) leaves the notes unread, read again at the next
// question (see notesLoaded).
func (p *Profile) readComplete(id string) (last outbox.CompleteNote, ok bool, err error) {
	n := p.notes
	if n.windowSet && n.window <= 0 {
		return last, false, nil
	}
	now, base := n.now(), noteKey(p.client)
	n.mu.Lock()
	if v, found := n.notes[base+"\x00"+id]; found && now.Before(v.Until()) {
		last, ok = v, true
	}
	n.mu.Unlock()
	// A profile with a window of its own (run's, a daemon's, a flush's)
	// reads the notes the store holds once, at its first question, and
	// its memory afterwards: a daemon does not open the file for each
	// message. A note another process makes later (an outbox flush
	// resending a complete meanwhile) is not seen. One without a window
	// reads the store.
	if n.store != nil && n.windowSet {
		err = p.notesLoaded(base)
		n.mu.Lock()
		if v, found := n.notes[base+"\x00"+id]; found && now.Before(v.Until()) {
			last, ok = v, true
		}
		n.mu.Unlock()
		return last, ok, err
	}
	if n.store != nil {
		v, found, serr := n.store.LastComplete(base, id)
		if found && (!ok || v.At.After(last.At)) {
			last, ok = v, true
		}
		err = serr
	}
	return last, ok, err
}

// notesLoaded reads the store's notes of the platform at base once (see
// loadNotes). A read that met another process's lock past the lock
// timeout is not the one: its error is returned, to the questions that
// waited for that read too (none waits for the lock twice), and the next
// question reads them again: a daemon's message is paused rather than
// run without them (a second complete). Any other failure is said once,
// and the notes are not read again.
func (p *Profile) notesLoaded(base string) error {
	return p.notes.loaded.Do(func() error { return p.loadNotes(base) })
}

// loadNotes adds the store's live notes of the platform at base to the
// profile's memory, keeping the later of two. It returns the lock of
// another process that kept the store past the lock timeout, saying
// nothing; another failure is said.
func (p *Profile) loadNotes(base string) error {
	n := p.notes
	stored, err := n.store.Completes(base)
	if errors.Is(err, outbox.ErrLocked) {
		return err
	}
	if err != nil {
		p.log.Warn("the times of the injects' last completes cannot be read from the outbox", zap.Error(err))
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for id, v := range stored {
		k := base + "\x00" + id
		if old, found := n.notes[k]; !found || v.At.After(old.At) {
			n.notes[k] = v
		}
	}
	return nil
}

// storedInterrupted notes the attempt of inject id's stored "complete"
// that a process killed during it left unended (outbox.Record.Interrupted,
// counted when the outbox was opened) as attempted without an answer when
// it started (noteInterrupted): that process made no note of it, and the
// platform may hold that "complete" since then. It returns the lock of
// another process that kept the outbox past the lock timeout, saying
// nothing; another failure is said.
func (p *Profile) storedInterrupted(id string) error {
	n := p.notes
	if n.store == nil || n.windowSet && n.window <= 0 {
		return nil
	}
	r, found, err := n.store.InterruptedOf(id, func(r outbox.Record) bool {
		return r.Phase == ActionComplete && p.Owns(r)
	})
	if errors.Is(err, outbox.ErrLocked) {
		return err
	}
	if err != nil {
		p.log.Warn("the outbox cannot be read for a complete of the inject a killed process attempted", zap.String("inject_id", id), zap.Error(err))
		return nil
	}
	if found {
		p.noteInterrupted(context.Background(), id, r.Interrupted)
	}
	return nil
}
