// Command benchserve is the daemon benchmark behind `make bench-serve`: it
// measures how many noop injects a second one `injectkit serve` process
// runs end to end, with its outbox on and with --outbox none.
//
// Each run starts the strict OpenAEV stand-in (openaevtest) in this
// process on 127.0.0.1, declares a fresh durable queue on the real RabbitMQ
// broker and names it in the stand-in's registration reply, creates N noop
// injects on the stand-in, and starts the serve binary as a subprocess
// (--injectors noop, --workers W, --outbox FILE in a temporary directory or
// none, no HTTP listener; with -delivery-slots N above 0, the outbox runs
// add --delivery-slots N, which serve refuses with --outbox none). Once the daemon consumes the queue, the clock
// starts and the N messages are published (persistent, confirmed) while
// the daemon consumes them; the clock stops when the stand-in has processed
// the N-th inject's "complete" callback (publish= says when the last
// confirmation came: a figure whose publish is close to its wall is bound
// by the publisher, not the daemon; cpu= is the daemon's CPU time, user
// and system, from its start to its exit, start-up and registration
// included, and cpu/inject that shared over the N injects: on a loaded
// machine a steadier measure of the daemon's own cost than its rate
// (sys/inject, its system part: the kernel's work for the daemon's
// system calls, against the user part, the daemon's own code);
// then what the load hardly moves, shared over the N injects: syscw/inject,
// the daemon's write-class system calls (write, pwrite64, writev…) and
// wKiB/inject, the KiB it sent to the storage layer (the outbox's pages,
// the files beside it, its log), from its start to the N-th completion
// (/proc/<pid>/io, n/a elsewhere than Linux), and faults/inject and
// ctxsw/inject, its minor page faults and context switches from its start
// to its exit (rusage)).
// Each inject makes three calls:
// reception, an INFO trace and the "complete" (its one manual target has
// no asset, so no per-target trace).
//
// A run fails, with the reason, unless every inject was completed exactly
// once, no call was refused or dropped, and the queue is empty after the
// daemon stopped. The queue is deleted after each run. Its name is
// -queue-prefix (default injectkit_bench_serve_) and 12 hex digits.
//
// With -profile-dir DIR, a daemon built with -tags benchprofile (make
// bench-serve PROFILE_DIR=DIR) writes its CPU profile and, at its exit,
// its allocation, block and mutex profiles there, named by its pid. With
// -cpuprofile FILE, the harness writes its own CPU profile (the stand-in's
// handling of the calls, the publisher, the wait) to FILE.
//
//	benchserve -bin bin/injectkit -n 2000 -workers 16 -outbox both -runs 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// config is one invocation's settings.
type config struct {
	bin     string
	amqpURL string
	// queuePrefix begins the name of each run's queue.
	queuePrefix string
	n           int
	workers     int
	// deliverySlots is serve's --delivery-slots of the outbox runs, not
	// passed when 0 (a binary older than the flag runs as before).
	deliverySlots int
	timeout       time.Duration
	keep          bool // keep the daemon's log on success
	// profileDir, when set, is where a daemon built with -tags
	// benchprofile writes its CPU, allocation, block and mutex profiles.
	profileDir string
	// messageSize, when above 0, is about how many bytes each message
	// weighs, its targets assets (largeAssets).
	messageSize int
	// memLimit, when set, is the daemon's GOMEMLIMIT (the harness's own
	// environment is not changed: its stand-in holds every call).
	memLimit string
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/injectkit", "the injectkit binary to run as `serve`")
	flag.StringVar(&c.amqpURL, "amqp", "amqp://guest:guest@127.0.0.1:5672/", "the RabbitMQ broker (loopback)")
	flag.StringVar(&c.queuePrefix, "queue-prefix", defaultQueuePrefix, "the start of each run's queue name (12 hex digits follow)")
	flag.IntVar(&c.n, "n", 2000, "noop injects per run")
	flag.IntVar(&c.workers, "workers", 16, "serve --workers")
	flag.IntVar(&c.deliverySlots, "delivery-slots", 0, "serve --delivery-slots of the outbox runs, 0 to 1024 (0: not passed)")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Minute, "longest a run may take")
	flag.BoolVar(&c.keep, "keep-log", false, "print where the daemon's log is and keep it")
	flag.StringVar(&c.profileDir, "profile-dir", "", "directory the daemon (built with -tags benchprofile) writes cpu-, allocs-, block- and mutex-<pid>.pprof to")
	flag.IntVar(&c.messageSize, "message-size", 0, "about how many bytes each inject's message weighs, its targets assets (0: one manual target)")
	flag.StringVar(&c.memLimit, "gomemlimit", "", "the daemon's GOMEMLIMIT (e.g. 400MiB; empty: the harness's environment's)")
	outboxes := flag.String("outbox", "both", "on, none or both (on first)")
	runs := flag.Int("runs", 1, "runs per outbox setting; the median is printed when more than 1")
	cpuProfile := flag.String("cpuprofile", "", "write the harness's own CPU profile (the stand-in's, the publisher's) to `file`")
	flag.Parse()

	modes, err := outboxModes(*outboxes)
	if err == nil && (c.n < 1 || c.workers < 1 || *runs < 1) {
		err = errors.New("-n, -workers and -runs must be at least 1")
	}
	if err == nil && (c.deliverySlots < 0 || c.deliverySlots > 1024) {
		err = fmt.Errorf("-delivery-slots %d: must be between 0 and 1024", c.deliverySlots)
	}
	if err == nil {
		err = checkQueuePrefix(c.queuePrefix)
	}
	if err == nil && c.profileDir != "" {
		c.profileDir, err = profileDir(c.profileDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := profiled(*cpuProfile, func() error { return bench(ctx, c, modes, *runs) }); err != nil {
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		stop()
		os.Exit(1)
	}
}

// profileDir returns dir made absolute (the daemon runs elsewhere), after
// creating it when missing: the daemon only says in its log, removed
// after a run that succeeds, that it cannot create its profiles there.
func profileDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		return "", fmt.Errorf("-profile-dir: %w", err)
	}
	return abs, nil
}

// profiled runs f, writing the harness's CPU profile to file meanwhile
// when file is not empty.
func profiled(file string, f func() error) error {
	if file == "" {
		return f()
	}
	out, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	ferr := f()
	pprof.StopCPUProfile()
	if err := out.Close(); err != nil && ferr == nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	return ferr
}

// median is the median of sorted: its middle value, or the mean of its two
// middle values when their count is even.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// perInject says the counts shared over n injects: syscw/inject (write-class
// system calls), wKiB/inject (KiB sent to the storage layer: the outbox's
// pages, its files beside it, the log), faults/inject, ctxsw/inject; n/a
// for a count the system does not give.
func (c counts) perInject(n int) string {
	per := func(v int64, unit float64) string {
		if v < 0 {
			return "n/a"
		}
		return strconv.FormatFloat(float64(v)/unit/float64(n), 'f', 2, 64)
	}
	return fmt.Sprintf("syscw/inject=%s wKiB/inject=%s faults/inject=%s ctxsw/inject=%s",
		per(c.syscw, 1), per(c.wbytes, 1024), per(c.minflt, 1), per(c.ctxsw, 1))
}

// perInject is the daemon's CPU time cpu shared over n injects, in ms.
func perInject(cpu time.Duration, n int) float64 {
	return cpu.Seconds() * 1000 / float64(n)
}

func outboxModes(s string) ([]bool, error) {
	switch s {
	case "on":
		return []bool{true}, nil
	case "none":
		return []bool{false}, nil
	case "both":
		return []bool{true, false}, nil
	}
	return nil, fmt.Errorf("-outbox %q: want on, none or both", s)
}

func label(outbox bool) string {
	if outbox {
		return "on"
	}
	return "none"
}

// bench runs each outbox setting runs times, the settings taking turns run
// by run (so that a machine whose speed drifts weighs on each alike), and
// prints one line a run and, for several runs, each setting's median.
func bench(ctx context.Context, c config, modes []bool, runs int) error {
	results := make([][]result, len(modes))
	for i := range runs {
		for m, outbox := range modes {
			r, err := runOnce(ctx, c, outbox)
			if err != nil {
				return fmt.Errorf("outbox=%s run %d: %w", label(outbox), i+1, err)
			}
			results[m] = append(results[m], r)
			fmt.Printf("outbox=%-4s workers=%d slots=%d N=%d run=%d/%d injects/s=%.0f wall=%.3fs publish=%.3fs peak_rss=%dMB calls=%d cpu=%.2fs cpu/inject=%.3fms sys/inject=%.3fms %s\n",
				label(outbox), c.workers, c.slots(outbox), c.n, i+1, runs, float64(c.n)/r.wall.Seconds(), r.wall.Seconds(),
				r.pub.Seconds(), r.peakKB/1024, r.calls, r.cpu.Seconds(), perInject(r.cpu, c.n), perInject(r.sys, c.n), r.counts.perInject(c.n))
		}
	}
	if runs == 1 {
		return nil
	}
	for m, outbox := range modes {
		walls := make([]time.Duration, len(results[m]))
		cpus := make([]time.Duration, len(results[m]))
		syss := make([]time.Duration, len(results[m]))
		peak := int64(0)
		for i, r := range results[m] {
			walls[i], cpus[i], syss[i] = r.wall, r.cpu, r.sys
			peak = max(peak, r.peakKB)
		}
		slices.Sort(walls)
		slices.Sort(cpus)
		slices.Sort(syss)
		med := median(walls)
		fmt.Printf("outbox=%-4s workers=%d slots=%d N=%d runs=%d median injects/s=%.0f (min %.0f, max %.0f) wall median=%.3fs min=%.3fs max=%.3fs peak_rss=%dMB cpu/inject median=%.3fms (min %.3f, max %.3f) sys/inject median=%.3fms\n",
			label(outbox), c.workers, c.slots(outbox), c.n, runs, float64(c.n)/med.Seconds(),
			float64(c.n)/walls[len(walls)-1].Seconds(), float64(c.n)/walls[0].Seconds(),
			med.Seconds(), walls[0].Seconds(), walls[len(walls)-1].Seconds(), peak/1024,
			perInject(median(cpus), c.n), perInject(cpus[0], c.n), perInject(cpus[len(cpus)-1], c.n), perInject(median(syss), c.n))
	}
	return nil
}

// slots is the --delivery-slots of a run with the outbox or without: none
// without, as serve requires.
func (c config) slots(outbox bool) int {
	if !outbox {
		return 0
	}
	return c.deliverySlots
}
