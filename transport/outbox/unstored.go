package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/injectkit/injectkit/transport"
)

// sendOrUnstored stores and sends b (see send), or, when the outbox fails
// to store it (no room for it, a process of an earlier version sends from
// it, its lock held by another process past Options.Timeout, a full disk:
// see unstorable) and there is an Unstored hook, posts unstored the bodies
// the backend did not accept before the failure. The abort is held
// throughout: once it fires, no more body is posted unstored (the POST in
// flight is cut short), and the error is an *UnstoredError that Is
// ErrAborted, naming the bodies the backend accepted; so is a failed
// POST's.
func (d *Deliverer) sendOrUnstored(ctx context.Context, b Bodies) error {
	pctx, aborted, release := HoldAbort(ctx, d.Abort)
	defer release()
	var stored func()
	if d.Sized != nil {
		stored = d.Sized(ctx, b.Size)
	}
	err := d.send(ctx, b, stored)
	var ue *UnstoredError
	if d.Unstored == nil || !errors.As(err, &ue) {
		return err
	}
	why, state := unstorable(d.Store.Path(), ue.Err)
	sent, i := len(ue.Delivered), 0 // chunks 0 to sent-1 were stored and delivered
	for e := range b.Seq {
		if i++; i <= len(ue.Delivered) {
			continue
		}
		if i == len(ue.Delivered)+1 {
			d.Unstored(e.InjectID, why)
			if b.Before != nil && sent == 0 && !aborted() {
				b.Before(pctx)
			}
		}
		if aborted() {
			break
		}
		err := d.Profile.PostBody(pctx, e.InjectID, e.ChunkIndex, e.Body)
		if err != nil && aborted() {
			break // cut short by the abort: neither sent nor kept
		}
		if err != nil {
			return unstored(b, sent, fmt.Errorf("%s, and sent without storing: %w", state, unstoredChunk(failedChunk(err, e.ChunkIndex, b.N))))
		}
		sent++
	}
	if sent == b.N {
		return nil
	}
	return unstored(b, sent, fmt.Errorf("%w; sent without storing until %w", why, ErrAborted))
}

// unstorable returns why, the error of a put that failed after storing
// nothing of its bodies but those the backend accepted, and the outbox's
// state in a few words: full (a *FullError), held by an earlier version
// (a *HeldByOlderError, which a check before the run, see Stats.Older,
// did not see as the earlier version's process claimed a body since),
// locked (a *LockedError: held by another process past Options.Timeout),
// or not writable (a full disk, say).
func unstorable(path string, why error) (error, string) {
	var (
		fe *FullError
		he *HeldByOlderError
		le *LockedError
	)
	switch {
	case errors.As(why, &fe):
		return why, fmt.Sprintf("outbox %s full", fe.Path)
	case errors.As(why, &he):
		return why, fmt.Sprintf("outbox %s not writable while pid %d, a process of an earlier injectkit, sends from it", he.Path, he.Owner)
	case errors.As(why, &le):
		return why, fmt.Sprintf("outbox %s locked by another process", le.Path)
	}
	return why, fmt.Sprintf("outbox %s not writable", path)
}

// unstored is the *UnstoredError of b, its bodies 0 to accepted-1
// accepted by the backend, none stored.
func unstored(b Bodies, accepted int, err error) *UnstoredError {
	ue := &UnstoredError{Total: b.N, Err: err, Delivered: make([]int, accepted), Bodies: b}
	for i := range ue.Delivered {
		ue.Delivered[i] = i
	}
	if b.Unsent != nil {
		ue.Unsent = b.Unsent(accepted)
	}
	return ue
}

// unstoredChunk returns the error of a chunk posted unstored: a
// *transport.TransmissionError placed in its send (errors.As finds it, its
// Chunk and Delivered set) is said without the chunks it names, which the
// *UnstoredError says once ("delivered chunks 0-10 of 31; chunks 11-30
// neither sent nor kept").
func unstoredChunk(err error) error {
	var te *transport.TransmissionError
	if !errors.As(err, &te) || te.Total <= 1 {
		return err
	}
	return &chunkError{te: te}
}

// chunkError is a chunk's *transport.TransmissionError said as the
// error of a single body.
type chunkError struct{ te *transport.TransmissionError }

func (e *chunkError) Error() string {
	one := *e.te
	one.Total = 1
	return one.Error()
}

// Unwrap returns the chunk's error, its place in the send included.
func (e *chunkError) Unwrap() error { return e.te }
