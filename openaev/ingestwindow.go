package openaev

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The ingestion window. By default OpenAEV 2.4.0 answers a callback 200
// once it has queued it, and processes its queue in batches every 10 s
// (openaevtest's rule 3): until then GET /api/injects/{id} shows the
// inject PENDING without the callback's trace, and the findings search
// shows none of its findings. A state read from the platform less than
// the ingestion window W after this injectkit's last "complete" of an
// inject (answered 200, or sent and never answered) proves nothing about
// that "complete":
//
//   - a "complete" whose attempt got no answer is not sent again while
//     the platform shows the inject unfinished within W of that attempt:
//     its next attempts are not made (httpx.NotYetError), each counted,
//     until W has passed; past its attempts it stays pending in the
//     outbox, due again when W has passed (NotYetError.Until), and a
//     flush applies the same rule from the time noted (an attempt whose
//     process was killed during it, counted when the outbox is next
//     opened, from the time its last request started, a retry's
//     included: outbox.InterruptedAt). W runs from the
//     last such attempt, not the first: one is made only once the W of
//     the one before it has passed with the inject unfinished (the
//     platform did not take that one), and the later one, which it may
//     have taken, is processed up to a batch after it;
//   - `injectkit run` of an inject whose "complete" it sent within W
//     exits 2, as for an inject already finished (cli), and serve settles
//     a second message, or a redelivery, of such an inject as one of an
//     inject it handled already (Handler.HandleDelivery).
//
// The profile notes each "complete" delivered or attempted without an
// answer (per platform URL and inject) in memory, and in its
// CompleteStore (the outbox) when it has one, so that another process
// sees it; a note lasts the window it was made with, and the requeue span
// after it for a reader that knows the inject finalized without a result
// (see requeueSpan, recentComplete and tooEarly).

// DefaultIngestWindow is the ingestion window the CLI assumes by default
// (openaev_ingest_window): three turns of 2.4.0's batch worker.
const DefaultIngestWindow = 30 * time.Second

// The requeues. OpenAEV 2.4.0 does not save at once a "complete" it
// processes for an inject that is not PENDING (one its pending sweep
// finalized meanwhile, InjectState.Unreported): it puts it aside, its
// requeue job publishes it back to the queue every 15 s, the batch worker
// takes it at its next turn, and only the sixth processing saves it
// (BatchingInjectStatusService.java:36, :130-143, MAX_RETRIES 5;
// PlatformTriggers.java:119-123, repeatSecondlyForever(15)). Until then
// GET /api/injects/{id} shows the inject finalized without a result, as
// if the "complete" never arrived. That holds for a "complete" answered
// 200 as for one whose answer was lost: 2.4.0's 200 says it was queued,
// and a sweep before the worker's turn has it requeued. So a "complete"
// sent (delivered, or attempted without an answer) holds a run of an
// inject so finalized, and a resend of one that got no answer is held
// back, for the window W and the requeue span after it,
// requeueSpan(W): each of the five requeues
// waits up to the job's 15 s, then up to a turn of the worker (W/3, W
// being three turns by default). With the default window, 155 s in all.
const (
	platformRequeues     = 5
	platformRequeueEvery = 15 * time.Second
)

// requeueSpan is how long after its first processing 2.4.0 may still hold
// a "complete" for an inject that is not PENDING, with an ingestion
// window w (see above).
func requeueSpan(w time.Duration) time.Duration {
	return platformRequeues * (platformRequeueEvery + w/3)
}

// CompleteStore keeps, across processes, when a "complete" of an inject
// was last delivered or attempted without an answer, and the stored
// "complete" an attempt of which a killed process left unended
// (InterruptedOf, Record.Interrupted: read through the outbox's index of
// such bodies, not a walk of every pending one): *outbox.Store.
type CompleteStore interface {
	NoteComplete(baseURL, injectID string, note outbox.CompleteNote) error
	LastComplete(baseURL, injectID string) (outbox.CompleteNote, bool, error)
	Completes(baseURL string) (map[string]outbox.CompleteNote, error)
	InterruptedOf(injectID string, match func(outbox.Record) bool) (outbox.Record, bool, error)
}

var _ CompleteStore = (*outbox.Store)(nil)

// WithIngestWindow sets the platform's ingestion window (see above): 0,
// the default, for a platform that processes each callback before its
// answer (the legacy ingestion), where nothing is noted or waited for.
// w is the window of the notes the profile makes; it reads each note with
// the window that note was made with, whatever w is (a note of a run
// given a longer window lasts it). A profile without it reads the notes
// of its CompleteStore so, and notes an attempt of an inject only over an
// earlier note, with its window. An outbox flush's has it (the CLI's
// openaev_ingest_window), so that a complete it delivers is noted.
func WithIngestWindow(w time.Duration) ProfileOption {
	return func(p *Profile) { p.notes.window, p.notes.windowSet = max(w, 0), true }
}

// WithCompleteStore keeps the profile's notes in s too (see CompleteStore).
func WithCompleteStore(s CompleteStore) ProfileOption {
	return func(p *Profile) {
		if s != nil {
			p.notes.store = s
		}
	}
}

// WithClock sets the profile's clock (default time.Now): when each
// "complete" was delivered or attempted, and whether a note's ingestion
// window has passed; a Handler of the profile reads it too, for its memory
// of the injects it handled. Give the outbox of WithCompleteStore the
// same clock (outbox.Options.Now): the store drops a note whose window its
// own clock says has passed. A nil now keeps time.Now. As
// runtime.WithClock, it lets a caller move the window's time by hand (a
// test, instead of waiting for the window or racing it).
func WithClock(now func() time.Time) ProfileOption {
	return func(p *Profile) {
		if now != nil {
			p.notes.now = now
		}
	}
}

// completeNotes is a profile's memory of the "complete" callbacks it
// delivered or attempted without an answer.
type completeNotes struct {
	window    time.Duration
	windowSet bool
	store     CompleteStore
	now       func() time.Time
	loaded    readOnce // the store's notes read into notes (see notesLoaded)

	mu    sync.Mutex
	notes map[string]outbox.CompleteNote // by platform URL and inject id
	// pruneAt is when the notes are next looked over for those whose
	// window passed: once every half window, not at every note, so that
	// a daemon's note costs no walk of all the others (a passed note
	// still held reads as none: see lastComplete).
	pruneAt time.Time
}

func newCompleteNotes() *completeNotes {
	return &completeNotes{now: time.Now, notes: map[string]outbox.CompleteNote{}}
}

// noteKey is the key of inject id's notes on the platform of c.
func noteKey(c *Client) string { return httpx.StripCredentials(c.platformURL()) }

// noteComplete notes that a "complete" of inject id was delivered, or
// attempted without an answer, now. The note lasts the requeue span
// beyond the window: 2.4.0 answers 200 once it has queued a callback, so
// a "complete" delivered to an inject its pending sweep finalized before
// the worker's turn is requeued as one whose answer was lost is (see
// requeueSpan). A reader that knows the inject is not so finalized keeps
// the window alone (recentComplete). sent is when the attempt started
// (zero: now): how long ago the "complete" was sent is told from it, the
// window from now.
func (p *Profile) noteComplete(ctx context.Context, id string, sent time.Time) {
	p.noteCompleteAt(ctx, id, p.notes.now(), sent)
}

// noteInterrupted notes the attempt of inject id's "complete" that
// started at at, its process killed before the attempt's outcome was
// recorded (outbox.InterruptedAt), as one attempted without an answer
// then, unless a note as late stands: the platform may hold that
// "complete", and its next attempt is held as after any attempt without
// an answer (tooEarly), from the time it started.
func (p *Profile) noteInterrupted(ctx context.Context, id string, at time.Time) {
	if last, ok := p.lastComplete(id); ok && !last.At.Before(at) {
		return
	}
	p.noteCompleteAt(ctx, id, at, at)
}

// noteCompleteAt is noteComplete of a "complete" delivered or attempted
// at at, its attempt started at sent.
func (p *Profile) noteCompleteAt(ctx context.Context, id string, at, sent time.Time) {
	n := p.notes
	window := n.window
	if !n.windowSet {
		// No setting of its own: the ingestion window of the inject's
		// earlier note, if any.
		last, ok := p.lastComplete(id)
		if !ok {
			return
		}
		window = last.Ingest()
	}
	if window <= 0 {
		return
	}
	now, base := n.now(), noteKey(p.client)
	note := outbox.CompleteNote{At: at, Window: window + requeueSpan(window), IngestWindow: window, Sent: sent}
	if !now.Before(note.Until()) {
		return // its window has passed already
	}
	n.mu.Lock()
	if !now.Before(n.pruneAt) {
		for k, v := range n.notes {
			if !now.Before(v.Until()) {
				delete(n.notes, k)
			}
		}
		n.pruneAt = now.Add(window / 2)
	}
	n.notes[base+"\x00"+id] = note
	n.mu.Unlock()
	if n.store != nil {
		if err := n.store.NoteComplete(base, id, note); err != nil {
			p.log.Warn("the time of the inject's complete not kept in the outbox: another process will not know the platform may "+
				"not show it yet", injectField(ctx, id), zap.Error(err))
		}
	}
}

// RecentComplete reports whether a "complete" of inject id was delivered,
// or attempted without an answer, less than its ingestion window ago (by
// this process, or by another the outbox noted it for), and when: what
// the platform shows of the inject may not show that "complete" yet, and
// running the inject again would send a second one. `injectkit run`
// refuses such an inject; serve settles its message without running it.
// For an inject the platform finalized without a result, or whose state
// could not be read (unreported), a "complete" sent (delivered, or
// attempted without an answer) is held for the requeue span after the
// window too, as the resend of one that got no answer is (tooEarly):
// 2.4.0 may be requeuing it until then, and saves it once it reopens the
// inject (a rerun's reception), the rerun's "complete" then a second one,
// whose findings are lost with its batch's. A stored "complete" whose
// attempt a killed process left unended counts as attempted without an
// answer when that attempt started (see storedInterrupted).
func (p *Processor) RecentComplete(id string, unreported bool) (*RecentCompleteError, bool) {
	recent, ok, err := p.recentCompleteRead(id, unreported)
	if err != nil {
		p.profile.log.Warn("the outbox cannot be read for the completes of the inject sent", zap.String("inject_id", id), zap.Error(err))
	}
	return recent, ok
}

// recentCompleteRead is RecentComplete, a read of the outbox that met
// another process's lock past the lock timeout returned (outbox.ErrLocked),
// unsaid: its caller pauses rather than take the inject as one no
// complete of which was sent. It is read again at the next question.
func (p *Processor) recentCompleteRead(id string, unreported bool) (*RecentCompleteError, bool, error) {
	if err := p.profile.storedInterrupted(id); err != nil {
		return nil, false, err
	}
	last, ok, err := p.profile.readComplete(id)
	if err != nil && !errors.Is(err, outbox.ErrLocked) {
		p.profile.log.Warn("the time of the inject's last complete cannot be read from the outbox", zap.String("inject_id", id), zap.Error(err))
		err = nil
	}
	if err != nil || !ok {
		return nil, false, err
	}
	recent, ok := p.profile.recentOf(id, last, unreported)
	return recent, ok, nil
}

// recentComplete is RecentComplete of the notes alone.
func (p *Profile) recentComplete(id string, unreported bool) (*RecentCompleteError, bool) {
	last, ok := p.lastComplete(id)
	if !ok {
		return nil, false
	}
	return p.recentOf(id, last, unreported)
}

// recentOf is recentComplete of inject id's latest note, last.
func (p *Profile) recentOf(id string, last outbox.CompleteNote, unreported bool) (*RecentCompleteError, bool) {
	// The window the note was made with, whatever the reader's: a run's
	// with --openaev-ingest-window 1m holds a flush with the default for
	// a minute.
	now, w := p.notes.now(), last.Ingest()
	// How long ago it was sent runs from its attempt's start; the window
	// from its end (the platform may have queued it until then).
	e := &RecentCompleteError{InjectID: id, At: last.SentAt(), Ago: max(now.Sub(last.SentAt()), 0), Window: w, Until: last.At.Add(w)}
	if unreported && last.Window > w {
		// The note lasts the requeue span after the window
		// (noteComplete).
		e.Requeue, e.Until = last.Window-w, last.Until()
	}
	if !now.Before(e.Until) {
		return nil, false // past the window, within an attempt's requeue span
	}
	return e, true
}

// tooEarly returns a *httpx.NotYetError when a "complete" of inject id,
// which the platform shows unfinished, was attempted without an answer
// (or delivered) within its ingestion window: the next attempt waits,
// and one kept for later (an outbox's) is due when the window ends. It
// is asked only once an attempt of the "complete" sent got no answer.
// An inject the platform finalized without a result (unreported) holds
// it for the requeue span after the window too, when the attempt got no
// answer: the platform may requeue that one until then (see
// requeueSpan), and would drop a second with its batch.
func (p *Profile) tooEarly(id string, unreported bool) error {
	if !unreported {
		recent, ok := p.recentComplete(id, false)
		if !ok {
			return nil
		}
		return &httpx.NotYetError{Err: fmt.Errorf("not sent again: %w", recent), Until: recent.Until}
	}
	last, ok := p.lastComplete(id)
	if !ok {
		return nil
	}
	w := last.Ingest()
	return &httpx.NotYetError{Until: last.Until(), Err: fmt.Errorf("not sent again: inject %s: the platform finalized it "+
		"without a result, and its complete attempted %s ago without an answer may be in its queue still: 2.4.0 requeues such "+
		"a complete %d times, up to %s apart, before it saves it (%s after the ingestion window, %s)", id,
		max(p.notes.now().Sub(last.SentAt()), 0).Round(time.Millisecond), platformRequeues, platformRequeueEvery+w/3, requeueSpan(w), w)}
}
