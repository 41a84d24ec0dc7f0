package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Unfinished runs: the starts of injects serve recorded in the outbox
// whose runs have not ended (see outbox.StartedRun): a run ended with its
// process counts toward the inject's terminal ERROR
// (openaev.MaxUnfinishedRuns). list shows them, drop forgets one whose
// process ended, by its id of the form run-57 (outbox.RunID).

// outboxStartsJSON is an inject's unfinished runs as `outbox list -o json`
// prints them: how many ended with their process (unfinished), and each
// run, state "unfinished" or "running".
type outboxStartsJSON struct {
	InjectID   string              `json:"inject_id"`
	Unfinished int                 `json:"unfinished"`
	Runs       []outboxStartedJSON `json:"runs"`
}

type outboxStartedJSON struct {
	outbox.StartedRun
	// ID is the run's id as drop takes it, "run-57" (outbox.RunID): apart
	// from the bodies' and sends' ids, which a run recorded by an earlier
	// version may share its number with.
	ID    string `json:"id"`
	State string `json:"state"`
}

// startsByInject groups runs, sorted by inject id, by inject.
func startsByInject(s *outbox.Store, runs []outbox.StartedRun) []outboxStartsJSON {
	var out []outboxStartsJSON
	for _, r := range runs {
		if len(out) == 0 || out[len(out)-1].InjectID != r.InjectID {
			out = append(out, outboxStartsJSON{InjectID: r.InjectID, Runs: []outboxStartedJSON{}})
		}
		g := &out[len(out)-1]
		state := "running"
		if !s.Running(r) {
			state = "unfinished"
			g.Unfinished++
		}
		r.Started = r.Started.UTC() // as utcRecord
		g.Runs = append(g.Runs, outboxStartedJSON{StartedRun: r, ID: outbox.RunID(r.ID), State: state})
	}
	return out
}

// writeStarts writes one line per inject whose runs ended unfinished, and
// one per run still running.
func writeStarts(w io.Writer, o Options, groups []outboxStartsJSON) {
	for _, g := range groups {
		var ended, ids []string
		for _, r := range g.Runs {
			if r.State == "running" {
				fmt.Fprintf(w, "inject %s: %s being run by pid %d since %s\n", g.InjectID, r.ID, r.Owner, r.Started.UTC().Format(time.RFC3339))
				continue
			}
			ended = append(ended, fmt.Sprintf("%s by pid %d at %s", r.ID, r.Owner, r.Started.UTC().Format(time.RFC3339)))
			ids = append(ids, r.ID)
		}
		if g.Unfinished == 0 {
			continue
		}
		runs, them := "1 run", "it"
		if g.Unfinished > 1 {
			runs, them = strconv.Itoa(g.Unfinished)+" runs", "them"
		}
		next := "a redelivery of its message to a daemon on this outbox is answered ERROR, not run"
		if left := openaev.MaxUnfinishedRuns - g.Unfinished; left == 1 {
			next = "one more and " + next
		} else if left > 1 {
			next = strconv.Itoa(left) + " more and " + next
		}
		// The file knows only its own runs: a daemon on another file may
		// have run the inject to its end since, its message settled there.
		fmt.Fprintf(w, "inject %s: %s ended unfinished here, the process ending while it ran (%s): %s; "+
			"whether another daemon has finished the inject since, this outbox cannot tell "+
			"(once the platform shows it finished, or its message is gone, forget %s with: %s outbox drop %s)\n",
			g.InjectID, runs, strings.Join(ended, ", "), next, them, o.name(), strings.Join(ids, ", drop "))
	}
}

// dropStart drops the start of a run that ended unfinished (drop's id of
// the form run-57).
func dropStart(o Options, e *outboxEnv, id outboxID) error {
	r, err := e.store.DropStart(id.n)
	if err != nil {
		return idError(id, e.store, err)
	}
	fmt.Fprintf(o.Stdout, "dropped %s (unfinished run of inject %s by pid %d at %s)\n", outbox.RunID(id.n), r.InjectID, r.Owner, r.Started.UTC().Format(time.RFC3339))
	return nil
}

// notFoundID is drop's error for an id that names no body nor incomplete
// send; when a run has that number, it says the run's id instead.
func notFoundID(e *outboxEnv, id outboxID, err error) error {
	runs, serr := e.store.Starts()
	if serr == nil {
		for _, r := range runs {
			if r.ID == id.n {
				return usageErr("invalid id %q: %v in outbox %s (the run of inject %s numbered %d is %s: drop it with that id)",
					id.given, err, e.store.Path(), r.InjectID, id.n, outbox.RunID(id.n))
			}
		}
	}
	return idError(id, e.store, err)
}
