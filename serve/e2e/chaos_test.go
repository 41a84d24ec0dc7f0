package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// Chaos run parameters.
const (
	chaosInjectCount = 2000
	chaosDaemons     = 3
	chaosKills       = 7 // each daemon twice, one of them three times
	// chaosWorkers per daemon: after a fault the platform client waits 1 s,
	// 2 s, 4 s before its retries, so a worker gets through about one
	// inject a second; 3×16 keep the run near a minute, where the default
	// 4 would take about three.
	chaosWorkers = 16
	// chaosStall bounds the chaos phase by its progress, not by its
	// length, which is the machine's speed (a fixed 3m30s from the first
	// publish failed a run on a loaded machine, 1812 of the 2000 injects
	// completed, still completing): it fails once no inject has completed
	// at the platform for this long, the broker's restart aside (bounded
	// by its own rabbitmqctl timeouts). A kill and its restart (2 s at
	// most) and the platform client's 1+2+4 s waits stall it for seconds.
	chaosStall = 90 * time.Second
	// flushDeadline bounds the final phase: the daemons restarted without
	// faults empty their outboxes.
	flushDeadline = 60 * time.Second
)

// TestIntegrationChaos is the chaos run of issue 16: 2 000 noop injects
// (0–50 ms each) through a RabbitMQ node of the test's own to 3 `injectkit
// serve` processes, each on its own outbox file, each killed with SIGKILL
// and restarted at random moments (7 kills), the broker restarted once
// (rabbitmqctl stop_app, start_app), and the platform failing a random 20 %
// of the callbacks with 503 and cutting another 5 % mid-body. Then every
// daemon is stopped with SIGTERM and started once more without faults, to
// resend what its outbox holds, and stopped again.
//
// It shows, in one summary line: no inject lost (each completed at the
// platform), the duplicate completions, reopenings and runs, and every
// outbox empty. It fails on a lost inject, an outbox left non-empty, more
// duplicate completions than kills (issue 16's bound), and a duplicate no
// injected failure explains. Each duplicate is put down, from the daemons'
// logs, to a kill, to the broker restart, to one process sending the same
// body twice, or to nothing known ("other"). The chaos is drawn from a
// seed, logged; INJECTKIT_CHAOS_SEED=<seed> replays the same schedule
// (kills, broker restart, inject delays; the faults hit the same sequence
// of callback attempts, whose order the scheduler decides).
// INJECTKIT_CHAOS_LOGS=<dir> keeps every daemon's log there.
//
// The broker is a node of the test's own (servetest.StartNode): restarting
// the shared one at 127.0.0.1:5672 would cut the tests of the packages that
// run at the same time.
func TestIntegrationChaos(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ, and the built binary
	begin := time.Now()
	seed := chaosSeed(t)
	t.Logf("chaos seed %d (replay with INJECTKIT_CHAOS_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0xc4a05))

	node := servetest.StartNode(t, "chaos")
	queue := node.Queue(t)
	p := openaevtest.NewPlatform(t, token)
	p.SetBroker(servetest.PlatformBroker(node.Broker(), queue))
	proxy := newFaultProxy(t, p.URL, seed)

	ids, bodies := chaosInjects(t, p, rng, chaosInjectCount)
	node.Publish(t, queue, bodies...)
	t.Logf("%d injects published to %s after %s", len(ids), queue, time.Since(begin).Round(time.Millisecond))

	dir := t.TempDir()
	var slots []*slot
	for i := range chaosDaemons {
		slots = append(slots, &slot{name: fmt.Sprintf("serve-%d", i), outbox: filepath.Join(dir, fmt.Sprintf("outbox-%d.db", i))})
	}
	proxy.setFaults(true)
	for _, s := range slots {
		s.start(t, proxy.URL)
	}

	// The schedule: the kills and the broker restart happen when the
	// platform has completed a drawn share of the injects, so that they fall
	// mid-run however fast the host is; each killed daemon comes back after
	// a drawn delay.
	type kill struct {
		at    int // completed injects
		slot  int
		after time.Duration // before the restart
	}
	var kills []kill
	var victims []int
	for i := range chaosKills {
		victims = append(victims, i%chaosDaemons)
	}
	victims[chaosKills-1] = rng.IntN(chaosDaemons)
	rng.Shuffle(len(victims), func(i, j int) { victims[i], victims[j] = victims[j], victims[i] })
	var marks []int
	for range chaosKills {
		marks = append(marks, chaosInjectCount*4/100+rng.IntN(chaosInjectCount*76/100))
	}
	sort.Ints(marks)
	for i := range chaosKills {
		kills = append(kills, kill{at: marks[i], slot: victims[i], after: time.Duration(100+rng.IntN(1900)) * time.Millisecond})
	}
	brokerAt := chaosInjectCount*30/100 + rng.IntN(chaosInjectCount*30/100)
	brokerDown := time.Duration(rng.IntN(2000)) * time.Millisecond
	var plan []string
	for _, k := range kills {
		plan = append(plan, fmt.Sprintf("kill serve-%d at %d (back %s later)", k.slot, k.at, k.after))
	}
	t.Logf("plan: %s; broker restart at %d (down %s + rabbitmqctl)", strings.Join(plan, ", "), brokerAt, brokerDown)

	var (
		brokerMu      sync.Mutex
		brokerStarted bool
		brokerDone    bool
		brokerErr     error
		brokerEvents  []string
		brokerAway    window
	)
	restarts := map[int]time.Time{} // slot → when it comes back
	killed := 0
	var events []string
	progress, progressAt := 0, time.Now() // the completions, and when they last grew
	restarting := false                   // the broker's restart under way at the last turn
	for {
		if n := len(completions(p)); n > progress || restarting {
			progress, progressAt = n, time.Now()
		}
		if stalled := time.Since(progressAt); stalled > chaosStall {
			chaosFailure(t, begin, p, ids, slots, node, queue, fmt.Sprintf("the chaos phase stalled: no inject completed for %s: %d/%d injects completed, %d/%d kills",
				stalled.Round(time.Second), progress, len(ids), killed, len(kills)))
		}
		for _, s := range slots {
			if c := s.died(); c != nil {
				t.Fatalf("%s exited on its own (%v):\n%s", c.Name, c.Err(), testkit.Tail(c.Stderr.String(), 20))
			}
		}
		now := time.Now()
		for i := range slots {
			if at, ok := restarts[i]; ok && !now.Before(at) {
				slots[i].start(t, proxy.URL)
				delete(restarts, i)
				events = append(events, fmt.Sprintf("%s restarted at %d", slots[i].cur().Name, progress))
			}
		}
		if killed < len(kills) {
			k := kills[killed]
			s := slots[k.slot]
			if progress >= k.at && s.up() && time.Since(s.cur().started) > time.Second {
				s.kill(t)
				killed++
				restarts[k.slot] = time.Now().Add(k.after)
				events = append(events, fmt.Sprintf("kill -9 %s at %d", s.cur().Name, progress))
			}
		}
		brokerMu.Lock()
		if !brokerStarted && progress >= brokerAt {
			brokerStarted = true
			go func(at int) {
				start := time.Now()
				err := node.StopApp()
				stopped := time.Now()
				if err == nil {
					time.Sleep(brokerDown)
					err = node.StartApp()
				}
				brokerMu.Lock()
				defer brokerMu.Unlock()
				brokerDone, brokerErr, brokerAway = true, err, window{from: start, to: time.Now()}
				brokerEvents = append(brokerEvents, fmt.Sprintf("broker stop_app at %d (%s), accepting clients again after %s",
					at, stopped.Sub(start).Round(time.Millisecond), time.Since(stopped).Round(time.Millisecond)))
			}(progress)
		}
		bdone, berr := brokerDone, brokerErr
		restarting = brokerStarted && !brokerDone
		brokerMu.Unlock()
		if berr != nil {
			t.Fatalf("broker restart: %v\nnode console: %s", berr, node.ConsoleTail(20))
		}
		if bdone && killed == len(kills) && len(restarts) == 0 && progress >= len(ids) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	chaosEnd := time.Now()
	t.Logf("chaos: %s; %s", strings.Join(events, ", "), strings.Join(brokerEvents, ", "))
	t.Logf("all %d injects completed %s after the first publish", len(ids), chaosEnd.Sub(begin).Round(time.Millisecond))

	// Stop every daemon gracefully, then start each once more without
	// faults: whatever its outbox still holds is resent.
	for _, s := range slots {
		s.waitConsuming(t, 60*time.Second) // a process restarted last is up
	}
	termAll(t, slots)
	leftAfterChaos := 0
	for _, s := range slots {
		pending, dead, _ := outboxList(t, s.outbox)
		leftAfterChaos += pending + dead
	}
	proxy.setFaults(false)
	for _, s := range slots {
		s.start(t, proxy.URL)
	}
	for _, s := range slots {
		s.waitConsuming(t, 60*time.Second)
	}
	flushBy := time.Now().Add(flushDeadline)
	for {
		left := 0
		for _, s := range slots {
			pending, dead, _ := outboxList(t, s.outbox)
			left += pending + dead
		}
		if left == 0 {
			break
		}
		if time.Now().After(flushBy) {
			chaosFailure(t, begin, p, ids, slots, node, queue, fmt.Sprintf("%d bodies still in the outboxes %s after the restart without faults", left, flushDeadline))
		}
		time.Sleep(500 * time.Millisecond)
	}
	termAll(t, slots)
	t.Logf("outboxes flushed and daemons stopped %s after the chaos", time.Since(chaosEnd).Round(time.Millisecond))

	// The accounting.
	done := completions(p)
	j := journal(slots)
	brokerAway.connectionsLost(j)
	var lost, dups []string
	extra, reopenings := 0, 0
	causes := map[string]int{}
	for _, id := range ids {
		switch n := done[id]; {
		case n == 0:
			lost = append(lost, id)
		case n > 1:
			dups = append(dups, id)
			extra += n - 1
			c, ds := cause(j[id], brokerAway), 0
			if c != "kill" { // a kill's successor resends its predecessor's bodies
				ds = min(doubleSends(j[id]), n-1)
			}
			causes["double-send"] += ds
			if n-1 > ds {
				causes[c] += n - 1 - ds
			}
		}
		reopenings += p.Reopenings(id)
	}
	emptyOutboxes := 0
	var outboxReport []string
	for _, s := range slots {
		pending, dead, listing := outboxList(t, s.outbox)
		if pending == 0 && dead == 0 {
			emptyOutboxes++
		} else {
			outboxReport = append(outboxReport, listing)
		}
	}
	ready, consumers, qerr := node.Counts(queue)
	n503, nDrop, nPass := proxy.counts()
	processes := 0
	for _, s := range slots {
		processes += len(s.procs)
	}
	runs := count(j, msgReceived)
	conflicts, drops := splitDrops(p, j, done)
	t.Logf("CHAOS SUMMARY seed=%d injects=%d lost=%d completions=%d duplicate_completions=%d "+
		"(kill=%d broker=%d double-send=%d other=%d; injects completed more than once: %d) reopenings=%d runs=%d (re-runs %d, "+
		"redeliveries answered from the outbox %d, by the run in flight %d) superseded_callbacks=%d finding_conflict_drops=%d kills=%d broker_restarts=1 processes=%d workers=%d×%d "+
		"callbacks: 503=%d cut_mid_body=%d passed=%d; outbox: kept_after_retries=%d resent=%d; acks_lost=%d; "+
		"outbox_left_after_chaos=%d outboxes_empty=%d/%d queue_left=%d; chaos=%s total=%s",
		seed, len(ids), len(lost), total(done), extra, causes["kill"], causes["broker"], causes["double-send"], causes["other"], len(dups),
		reopenings, runs, runs-len(ids), count(j, msgSkipped), count(j, msgWaited), count(j, msgSuperseded), len(conflicts), killed, processes, len(slots), chaosWorkers,
		n503, nDrop, nPass, count(j, msgKept), count(j, msgResent), countPrefix(j, msgAckLost),
		leftAfterChaos, emptyOutboxes, len(slots), ready, chaosEnd.Sub(begin).Round(time.Second), time.Since(begin).Round(time.Second))
	saveLogs(t, slots)

	if len(lost) > 0 {
		t.Errorf("%d injects lost (never completed at the platform): %s", len(lost), firstN(lost, 30))
		for _, id := range lost[:min(len(lost), 10)] {
			t.Logf("lost %s: %s; platform calls %s", id, history(j[id], begin), callSummary(p, id))
		}
	}
	// Every duplicate must come from a failure the run injected: a kill, or
	// the broker restart. One process sending a body twice, or a duplicate
	// nothing explains, is a defect of injectkit's own.
	if causes["double-send"] > 0 || causes["other"] > 0 {
		t.Errorf("%d duplicate completions not caused by a kill or the broker restart (sent twice by one process %d, other %d)",
			causes["double-send"]+causes["other"], causes["double-send"], causes["other"])
	}
	// Issue 16's bound: no more duplicates than kills. A run that may have
	// a twin (its message redelivered, or its channel closed before its
	// acknowledgement) and every resend ask the platform before each
	// attempt of their "complete", so only twins sending within one round
	// trip of each other can both complete.
	if extra > killed {
		t.Errorf("%d duplicate completions, more than the %d kills (after a kill %d, after the broker restart %d)",
			extra, killed, causes["kill"], causes["broker"])
	}
	if len(dups) > 0 {
		t.Logf("kills at %s; broker away %.1fs–%.1fs", killTimes(slots, begin),
			brokerAway.from.Sub(begin).Seconds(), brokerAway.to.Sub(begin).Seconds())
		shown := map[string]int{}
		for _, id := range dups {
			c := cause(j[id], brokerAway)
			if c != "kill" && doubleSends(j[id]) > 0 {
				c = "double-send"
			}
			if shown[c]++; shown[c] > 4 {
				continue
			}
			t.Logf("%s completed %d times (%s): %s; platform calls %s", id, done[id], c,
				history(j[id], begin), callSummary(p, id))
		}
	}
	if killed < 6 {
		t.Errorf("%d kills, want at least 6", killed)
	}
	if emptyOutboxes != len(slots) {
		t.Errorf("%d of %d outboxes not empty at the end:\n%s", len(slots)-emptyOutboxes, len(slots), strings.Join(outboxReport, "\n"))
	}
	if qerr != nil || ready != 0 || consumers != 0 {
		t.Errorf("queue at the end: %d ready, %d consumers (%v); want 0, 0", ready, consumers, qerr)
	}
	// Two runs of one inject racing can still have the later "complete"
	// dropped as a repeated finding (see splitDrops): allowed, and logged,
	// only when another copy completed the inject once. Any other drop
	// fails.
	for _, c := range conflicts {
		t.Logf("finding conflict drop (two runs racing; completed once by another copy): complete %s: %s; platform calls %s",
			c.InjectID, c.Reason, callSummary(p, c.InjectID))
	}
	if len(drops) > 0 {
		t.Errorf("the platform dropped %d accepted callbacks, the first: %s %s: %s", len(drops), drops[0].Kind, drops[0].InjectID, drops[0].Reason)
	}
}
