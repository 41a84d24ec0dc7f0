package e2e_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// event is one JSON log line of a daemon about an inject.
type event struct {
	at   time.Time
	proc *daemonProc
	msg  string
	err  string // the error field of a "kept in the outbox" or "delivery failed" line
}

// The log lines the accounting reads.
const (
	msgReceived  = "message received"
	msgDelivered = "terminal callback delivered"
	msgResent    = "outbox body delivered"
	msgKept      = "terminal callback not delivered; kept in the outbox and acknowledged"
	msgSkipped   = "terminal callback already in the outbox; message acknowledged without running the inject again"
	// The start of the WARN of an acknowledgement lost with its channel
	// (serve's lostLine: what follows depends on the Handler).
	msgAckLost   = "ack lost with the channel: "
	msgFailed    = "delivery failed" // the runtime's, with the error; serve leaves it to msgKept's line
	msgConnLost  = "broker connection lost: registering again and reconnecting; the injects in flight run on, their acknowledgement lost with the connection"
	msgConsuming = "consuming"
	// A terminal callback not sent: the platform showed the inject
	// finished (by the run's twin) before an attempt.
	msgSuperseded = "terminal callback superseded: the inject already finished on the platform"
	// A redelivery of an inject the process was still running, settled by
	// that run.
	msgWaited = "redelivered message of an inject this process is running: waiting for that run, whose outcome settles it"
)

// journal reads every process's JSON log: the events about each inject
// (by inject id; "" for lines without one), in time order.
func journal(slots []*slot) map[string][]event {
	out := map[string][]event{}
	for _, s := range slots {
		for _, c := range s.procs {
			for _, line := range strings.Split(c.Stderr.String(), "\n") {
				var l struct {
					TS       string `json:"ts"`
					Msg      string `json:"msg"`
					InjectID string `json:"inject_id"`
					Error    string `json:"error"`
				}
				if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &l) != nil {
					continue
				}
				at, _ := time.Parse(time.RFC3339Nano, l.TS)
				out[l.InjectID] = append(out[l.InjectID], event{at: at, proc: c, msg: l.Msg, err: l.Error})
			}
		}
	}
	for _, evs := range out {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	}
	return out
}

// count counts the events whose msg is msg, over every inject.
func count(j map[string][]event, msg string) int {
	n := 0
	for _, evs := range j {
		for _, e := range evs {
			if e.msg == msg {
				n++
			}
		}
	}
	return n
}

// countPrefix counts the events whose message starts with prefix.
func countPrefix(j map[string][]event, prefix string) int {
	n := 0
	for _, evs := range j {
		for _, e := range evs {
			if strings.HasPrefix(e.msg, prefix) {
				n++
			}
		}
	}
	return n
}

// history describes an inject's events for a report.
func history(evs []event, begin time.Time) string {
	short := map[string]string{msgReceived: "run", msgDelivered: "delivered", msgResent: "resent-from-outbox",
		msgKept: "kept-in-outbox", msgSkipped: "answered-from-outbox"}
	var out []string
	for _, e := range evs {
		if m, ok := short[e.msg]; ok && e.msg != msgKept {
			out = append(out, fmt.Sprintf("%s %s@%.2fs", e.proc.Name, m, e.at.Sub(begin).Seconds()))
		} else if ok {
			out = append(out, fmt.Sprintf("%s %s@%.2fs (%s)", e.proc.Name, m, e.at.Sub(begin).Seconds(), e.err))
		} else if e.msg == msgFailed {
			out = append(out, fmt.Sprintf("%s delivery-failed@%.2fs (%s)", e.proc.Name, e.at.Sub(begin).Seconds(), e.err))
		}
	}
	return strings.Join(out, ", ")
}

// window is the span of the run during which the broker was away, and
// for each process, when it lost its connection to the stopping broker and
// when it consumed again.
type window struct {
	from, to   time.Time
	lost, back map[*daemonProc]time.Time
}

// connectionsLost fills w.lost and w.back from the processes' logs.
func (w *window) connectionsLost(j map[string][]event) {
	w.lost, w.back = map[*daemonProc]time.Time{}, map[*daemonProc]time.Time{}
	for _, e := range j[""] {
		_, lost := w.lost[e.proc]
		_, back := w.back[e.proc]
		switch {
		case e.msg == msgConnLost && !lost && !e.at.Before(w.from.Add(-time.Second)) && !e.at.After(w.to.Add(time.Second)):
			w.lost[e.proc] = e.at
		case e.msg == msgConsuming && lost && !back:
			w.back[e.proc] = e.at
		}
	}
}

// cause says why an inject completed more than once:
//   - "kill": a process was killed while the inject was unsettled in it (its
//     run in flight, or its terminal callback delivered or resent less than
//     a second before, maybe not yet acknowledged or removed from the
//     outbox): the broker redelivered the message to another process, which
//     ran it again, and the killed process's successor resent the body its
//     outbox still held;
//   - "broker": a run of a delivery of the session its process lost when
//     the broker stopped (in flight at the loss, dispatched just after it,
//     or ended just before it) delivered its callback, but the
//     acknowledgement was lost with the channel or dropped by the stopping
//     broker, and the redelivered message ran again;
//   - "other".
func cause(evs []event, broker window) string {
	seen := map[*daemonProc]bool{}
	for _, e := range evs {
		p := e.proc
		if seen[p] || p.killedAt.IsZero() {
			continue
		}
		seen[p] = true
		inFlight := false
		var lastEnd time.Time
		for _, f := range evs {
			if f.proc != p {
				continue
			}
			switch f.msg {
			case msgReceived:
				inFlight = true
			case msgDelivered, msgKept, msgResent:
				inFlight, lastEnd = false, f.at
			}
		}
		if inFlight || !lastEnd.IsZero() && p.killedAt.Sub(lastEnd) < time.Second {
			return "kill"
		}
	}
	for _, e := range evs {
		// A run dispatched before the process consumed again was one of
		// the lost session's deliveries (some are dispatched just after
		// the loss), and one that ended a moment before the loss may have
		// had its acknowledgement dropped by the stopping broker.
		lost, ok := broker.lost[e.proc]
		back, reconnected := broker.back[e.proc]
		if e.msg != msgReceived || !ok || reconnected && !e.at.Before(back) {
			continue
		}
		for _, f := range evs {
			if f.proc == e.proc && (f.msg == msgDelivered || f.msg == msgKept) && f.at.After(e.at) && f.at.After(lost.Add(-time.Second)) {
				return "broker"
			}
		}
	}
	return "other"
}

// doubleSends counts the terminal callbacks one process posted twice in
// one run: its own resender took the body the run had just stored, before
// the run had settled it, and sent it too. The sign: the process's resend
// of the inject's body ("outbox body delivered") follows its own run of the
// inject with no "kept in the outbox" in between (a body kept after its
// retries and resent later is no duplicate). The daemon then often logs
// "kept in the outbox" with the error "delivered, but not removed from
// the outbox" (the resender removed the record first).
func doubleSends(evs []event) int {
	n := 0
	for i, e := range evs {
		if e.msg != msgResent {
			continue
		}
		for k := i - 1; k >= 0; k-- {
			f := evs[k]
			if f.proc != e.proc {
				continue
			}
			if f.msg == msgKept || f.msg == msgSkipped || f.msg == msgResent {
				break
			}
			if f.msg == msgReceived {
				n++
				break
			}
		}
	}
	return n
}

var outboxListRE = regexp.MustCompile(`: (\d+) pending, (\d+) dead,`)

// outboxList runs `injectkit outbox list` on file and returns its pending
// and dead counts and the whole listing.
func outboxList(t *testing.T, file string) (pending, dead int, listing string) {
	t.Helper()
	cmd := exec.Command(bin, "outbox", "list", "--outbox", file)
	out, err := cmd.CombinedOutput()
	listing = string(out)
	if err != nil {
		t.Fatalf("injectkit outbox list --outbox %s: %v\n%s", file, err, listing)
	}
	m := outboxListRE.FindStringSubmatch(listing)
	if m == nil {
		t.Fatalf("injectkit outbox list --outbox %s: no pending/dead counts in:\n%s", file, listing)
	}
	pending, _ = strconv.Atoi(m[1])
	dead, _ = strconv.Atoi(m[2])
	return pending, dead, listing
}

// firstN returns at most n items of s, with a count of the rest.
func firstN(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, " ")
	}
	return strings.Join(s[:n], " ") + fmt.Sprintf(" … (+%d)", len(s)-n)
}

// findingConflict is the reason rule 14 of openaevtest gives a callback it
// drops for repeating a finding the inject already stores.
const findingConflict = "its insert violates the findings table's unique constraint"

// splitDrops sorts the callbacks the platform dropped: conflicts are the
// inherent race of two runs of one inject (a redelivery while the first
// run's "complete" was in flight), a "complete" dropped for repeating a
// finding, of an inject run more than once (j) that another copy
// completed (its status final, its "complete" processed once: done); any
// other drop is in others. The platform has no idempotent callback: a
// window remains between the findings read and the POST that no injector
// can close.
func splitDrops(p *openaevtest.Platform, j map[string][]event, done map[string]int) (conflicts, others []openaevtest.Call) {
	runs := func(id string) int {
		n := 0
		for _, e := range j[id] {
			if e.msg == msgReceived {
				n++
			}
		}
		return n
	}
	for _, c := range p.Dropped() {
		if c.Kind == openaevtest.KindComplete && strings.Contains(c.Reason, findingConflict) && runs(c.InjectID) > 1 &&
			done[c.InjectID] == 1 && openaev.Finished(p.InjectStatus(c.InjectID)) {
			conflicts = append(conflicts, c)
			continue
		}
		others = append(others, c)
	}
	return conflicts, others
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// callSummary lists the calls the platform received about one inject.
func callSummary(p *openaevtest.Platform, id string) string {
	var out []string
	for _, c := range p.Calls(id) {
		s := fmt.Sprintf("%s:%d", c.Kind, c.Status)
		if c.Outcome == openaevtest.Dropped {
			s += "(dropped)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// chaosFailure reports what is missing and where, then stops the test.
func chaosFailure(t *testing.T, begin time.Time, p *openaevtest.Platform, ids []string, slots []*slot, node *servetest.Node, queue, why string) {
	t.Helper()
	done := completions(p)
	var missing []string
	for _, id := range ids {
		if done[id] == 0 {
			missing = append(missing, id)
		}
	}
	j := journal(slots)
	for _, id := range missing[:min(len(missing), 10)] {
		t.Logf("not completed %s: %s; platform calls %s", id, history(j[id], begin), callSummary(p, id))
	}
	saveLogs(t, slots)
	for _, s := range slots {
		if _, _, listing := outboxList(t, s.outbox); !strings.Contains(listing, ": 0 pending, 0 dead") {
			t.Logf("%s:\n%s", s.name, listing)
		}
	}
	ready, consumers, err := node.Counts(queue)
	t.Logf("queue: %d ready, %d consumers (%v)", ready, consumers, err)
	t.Fatalf("%s; not completed: %s", why, firstN(missing, 30))
}
