package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/injectkit/injectkit/transport/outbox"
)

// Incomplete sends: a send of several bodies whose process ended (was
// killed, interrupted a third time, or could not write the outbox) before
// it stored them all (see
// outbox.Incomplete). list shows them, flush reports them (exit 1 for
// those of its backend), and
// drop forgets them once the loss is known.

// outboxIncompleteJSON is an incomplete send as `outbox list -o json`
// prints it: state "storing" while its process stores the bodies,
// "incomplete" once it ended first.
type outboxIncompleteJSON struct {
	outbox.Incomplete
	State string `json:"state"`
}

// incompleteJSON returns the incomplete sends of list's JSON.
func incompleteJSON(s *outbox.Store, sends []outbox.Incomplete) []outboxIncompleteJSON {
	out := make([]outboxIncompleteJSON, len(sends))
	for i, in := range sends {
		in.Created = in.Created.UTC() // as utcRecord
		out[i] = outboxIncompleteJSON{Incomplete: in, State: "incomplete"}
		if s.Storing(in) {
			out[i].State = "storing"
		}
	}
	return out
}

// writeIncomplete writes one line per incomplete send; with lostOnly, the
// sends still being stored are left out.
func writeIncomplete(w io.Writer, o Options, s *outbox.Store, sends []outbox.Incomplete, lostOnly bool) {
	for _, in := range sends {
		what := fmt.Sprintf("send %d (inject %s, phase %s, %s)", in.ID, in.InjectID, in.Phase, in.BaseURL)
		if s.Storing(in) {
			if !lostOnly {
				fmt.Fprintf(w, "%s: %d of %d chunks stored so far, being stored by pid %d\n", what, in.Stored, in.TotalChunks, in.Owner)
			}
			continue
		}
		fmt.Fprintf(w, "%s incomplete: %s of %d never stored: the process (pid %d) ended before storing them (killed, a third interrupt, "+
			"or a write to the outbox that failed), their signatures are lost unless the inject runs again; %s stored: "+
			"those not delivered yet are pending, and flush sends them (forget this record with: %s outbox drop %d)\n",
			what, chunkRange(in.Stored, in.TotalChunks), in.TotalChunks, in.Owner, storedRange(in.Stored), o.name(), in.ID)
	}
}

// chunkRange names chunks from to total-1: "chunk 30", "chunks 11-30".
func chunkRange(from, total int) string {
	if from >= total-1 {
		return "chunk " + strconv.Itoa(total-1)
	}
	return "chunks " + strconv.Itoa(from) + "-" + strconv.Itoa(total-1)
}

// storedRange names chunks 0 to stored-1 and says they were stored: "chunk
// 0 was", "chunks 0-10 were".
func storedRange(stored int) string {
	if stored <= 1 {
		return "chunk 0 was"
	}
	return "chunks 0-" + strconv.Itoa(stored-1) + " were"
}

// reportIncomplete follows a flush (its error err): the sends that lost
// bodies are reported, and a flush that succeeded otherwise exits 1 for
// those whose bodies it would have sent (its backend's, of the records
// flushes selects); the others (another backend's, or the openaev
// callbacks of a platform with a tenant, which serve resends) are
// reported, as their pending bodies are, without failing the flush (but
// one given no backend URL, which sent nothing).
func (e *outboxEnv) reportIncomplete(o Options, err error) error {
	sends, ierr := e.store.Incomplete()
	switch {
	case err != nil && ierr != nil:
		return err
	case ierr != nil:
		return &ExitError{Code: ExitUsage, Err: ierr}
	}
	writeIncomplete(o.Stdout, o, e.store, sends, true)
	configured := e.cfg.backend().URL
	lost := 0
	for _, in := range sends {
		if !e.store.Storing(in) && flushes(in.Record()) && (configured == "" || sameBackend(in.BaseURL, configured)) {
			lost++
		}
	}
	if err != nil || lost == 0 {
		return err
	}
	sendsWord := "1 send"
	if lost > 1 {
		sendsWord = strconv.Itoa(lost) + " sends"
	}
	return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("flush incomplete: %s lost chunks never stored (see the lines above)", sendsWord)}
}

// dropSend drops the record of an incomplete send (drop's id when it
// names no body).
func dropSend(o Options, e *outboxEnv, id outboxID) error {
	in, err := e.store.DropSend(id.n)
	if errors.Is(err, outbox.ErrNotFound) {
		return notFoundID(e, id, err)
	}
	if err != nil {
		return idError(id, e.store, err)
	}
	fmt.Fprintf(o.Stdout, "dropped %d (incomplete send of inject %s: %s of %d never stored)\n",
		id.n, in.InjectID, chunkRange(in.Stored, in.TotalChunks), in.TotalChunks)
	return nil
}
