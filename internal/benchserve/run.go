package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

const (
	token      = "bench-serve-token"
	injectorID = "6f1c2b9e-8d3a-4f57-9c1e-2a7b5d0e4c31"
)

// result is one run's measure.
type result struct {
	wall   time.Duration // first publish to the N-th processed completion
	pub    time.Duration // first publish to the last confirmation
	peakKB int64         // the daemon's peak RSS
	cpu    time.Duration // the daemon's CPU time (user and system), start to exit
	sys    time.Duration // the system part of cpu
	calls  int           // calls the stand-in received
	counts counts        // what the daemon did, whatever the machine's load
}

// counts are what the daemon did that the machine's load hardly moves, to
// compare two builds on a busy machine (see bench's per-run line): its
// write-class system calls and the bytes it sent to the storage layer from
// its start to the N-th processed completion (syscw and write_bytes of
// /proc/<pid>/io, -1 where the system does not say), and its minor page
// faults and context switches from its start to its exit (rusage).
type counts struct {
	syscw, wbytes int64
	minflt, ctxsw int64
}

// runOnce runs one measured run: stand-in, queue, daemon, N injects.
func runOnce(ctx context.Context, c config, outbox bool) (res result, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	p, stopPlatform := openaevtest.Start(token)
	defer stopPlatform()
	b, err := openBroker(c.amqpURL, c.queuePrefix)
	if err != nil {
		return res, err
	}
	defer b.close()
	// The daemon's directory, made once the broker is reached.
	dir, err := os.MkdirTemp("", "benchserve-")
	if err != nil {
		return res, err
	}
	defer func() {
		if err == nil && !c.keep {
			os.RemoveAll(dir)
			return
		}
		fmt.Fprintf(os.Stderr, "benchserve: the daemon's log and outbox are in %s\n", dir)
	}()
	p.SetBroker(openaevtest.Broker{Host: b.host, Port: b.port, VHost: b.vhost, User: b.user, Pass: b.pass, Queue: b.queue})
	ids, bodies := injects(p, c.n, c.messageSize)

	d, err := startDaemon(c, p.URL, dir, outbox)
	if err != nil {
		return res, err
	}
	defer d.kill()
	if err := b.waitConsumer(ctx, d.alive); err != nil {
		return res, d.explain(err)
	}

	// A failed publish ends the wait at once.
	waitCtx, stopWait := context.WithCancel(ctx)
	defer stopWait()
	start := time.Now()
	published := make(chan error, 1)
	var pub time.Duration
	go func() {
		err := b.publish(ctx, bodies)
		pub = time.Since(start)
		if err != nil {
			stopWait()
		}
		published <- err
	}()
	if err := waitCompleted(waitCtx, p, ids, d.alive); err != nil {
		select {
		case perr := <-published:
			if perr != nil {
				err = perr
			}
		default:
		}
		return res, d.explain(err)
	}
	res.wall = time.Since(start)
	if err := <-published; err != nil {
		return res, err
	}
	res.pub = pub
	if res.peakKB, res.cpu, res.sys, res.counts, err = d.stop(); err != nil {
		return res, d.explain(err)
	}
	res.calls, err = verify(p, b, c.n, c.messageSize > 0)
	return res, d.explain(err)
}

// injects creates n noop injects on the platform and returns their ids and
// their queue messages, shaped as the platform's: one manual target, or,
// with size above 0, assets until the message weighs about size bytes
// (largeAssets), which the platform holds.
func injects(p *openaevtest.Platform, n, size int) (ids []string, bodies [][]byte) {
	var r [4]byte
	_, _ = rand.Read(r[:])
	prefix := "bench-" + hex.EncodeToString(r[:])
	contract := openaev.ContractID("noop")
	for i := range n {
		id := fmt.Sprintf("%s-%06d", prefix, i)
		p.AddInject(id, contract)
		ids = append(ids, id)
		if size > 0 {
			assets, body := largeAssets(id, "bench noop "+strconv.Itoa(i), contract, size)
			for _, a := range assets {
				p.AddAssets(a["asset_id"].(string))
			}
			bodies = append(bodies, body)
			continue
		}
		bodies = append(bodies, openaevtest.Message(openaevtest.QueuedInject{ID: id, Title: "bench noop " + strconv.Itoa(i),
			ContractID: contract, Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}}))
	}
	return ids, bodies
}

// waitCompleted reads the platform's calls as they come until every inject
// has a processed "complete"; a refused or dropped call fails at once.
func waitCompleted(ctx context.Context, p *openaevtest.Platform, ids []string, alive func() error) error {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	seen, done := 0, 0
	for done < len(ids) {
		calls, err := p.CallsFrom(ctx, seen)
		if err != nil {
			if aerr := alive(); aerr != nil {
				return aerr
			}
			return fmt.Errorf("%d of %d injects completed: %w", done, len(ids), err)
		}
		seen += len(calls)
		for _, c := range calls {
			switch {
			case c.Kind == openaevtest.KindInjectorContracts, c.Kind == openaevtest.KindInjectorContract:
				continue // see verify
			case !c.Accepted():
				return fmt.Errorf("the stand-in refused a %s of %s: status %d %s", c.Kind, c.InjectID, c.Status, c.Reason)
			case c.Outcome == openaevtest.Dropped:
				return fmt.Errorf("the stand-in dropped a %s of %s: %s", c.Kind, c.InjectID, c.Reason)
			case c.Kind == openaevtest.KindComplete && c.Processed():
				if !want[c.InjectID] {
					return fmt.Errorf("inject %s completed twice (or is unknown)", c.InjectID)
				}
				delete(want, c.InjectID)
				done++
			}
		}
	}
	return nil
}

// verify checks, after the daemon stopped, that each inject made its three
// calls once and was completed once, nothing was refused or dropped, and
// the queue is empty. With assets, each inject also sends one trace per
// asset (the platform's per-target view): at least n traces then. It
// returns the calls the stand-in received.
func verify(p *openaevtest.Platform, b *broker, n int, assets bool) (int, error) {
	s := p.Stats()
	var problems []string
	// serve's reads before its first registration, of the contracts it
	// will delete and of each contract it registers (another binary's
	// injector may hold it), are answered 404 for an injector and
	// contracts the platform does not hold yet, as here: not a refusal of
	// the daemon's work.
	newInjector := 0
	for _, kind := range []string{openaevtest.KindInjectorContracts, openaevtest.KindInjectorContract} {
		for _, c := range p.CallsOf(kind) {
			if c.Status == http.StatusNotFound {
				newInjector++
			}
		}
	}
	if refused := s.Refused - newInjector; refused > 0 {
		problems = append(problems, fmt.Sprintf("%d calls refused (first: %s)", refused, s.FirstRefusal))
	}
	if s.Dropped > 0 {
		problems = append(problems, fmt.Sprintf("%d callbacks dropped (first: %s)", s.Dropped, s.FirstDropReason))
	}
	if s.Completions != n || s.CompletedInjects != n {
		problems = append(problems, fmt.Sprintf("%d completions of %d injects, want %d of %d", s.Completions, s.CompletedInjects, n, n))
	}
	for _, k := range []string{openaevtest.KindReception, openaevtest.KindTrace, openaevtest.KindComplete} {
		if s.ByKind[k] != n && !(assets && k == openaevtest.KindTrace && s.ByKind[k] > n) {
			problems = append(problems, fmt.Sprintf("%d %s calls, want %d", s.ByKind[k], k, n))
		}
	}
	if ready, consumers, err := b.counts(); err != nil {
		problems = append(problems, err.Error())
	} else if ready != 0 || consumers != 0 {
		problems = append(problems, fmt.Sprintf("queue after stop: %d ready, %d consumers; want 0, 0", ready, consumers))
	}
	if len(problems) > 0 {
		return s.Calls, errors.New(strings.Join(problems, "; "))
	}
	return s.Calls, nil
}

// daemon is the `injectkit serve` subprocess.
type daemon struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed once the process was reaped
	err  error         // its exit, once done
}

// startDaemon starts `bin serve` against the platform at url, its log and
// outbox in dir, with no configuration from the environment but ours.
func startDaemon(c config, url, dir string, outbox bool) (*daemon, error) {
	ob := "none"
	if outbox {
		ob = filepath.Join(dir, "outbox.db")
	}
	d := &daemon{log: filepath.Join(dir, "serve.log"), done: make(chan struct{})}
	logf, err := os.Create(d.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	d.cmd = exec.Command(c.bin, "serve", "--openaev-url", url, "--injector-id", injectorID,
		"--injectors", "noop", "--workers", strconv.Itoa(c.workers), "--outbox", ob,
		"--listen-addr", "", "--log-format", "json")
	if n := c.slots(outbox); n > 0 {
		d.cmd.Args = append(d.cmd.Args, "--delivery-slots", strconv.Itoa(n))
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INJECTKIT_") && !strings.HasPrefix(kv, "XDG_STATE_HOME=") {
			d.cmd.Env = append(d.cmd.Env, kv)
		}
	}
	d.cmd.Env = append(d.cmd.Env, "INJECTKIT_TOKEN="+token, "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+dir)
	if c.profileDir != "" {
		d.cmd.Env = append(d.cmd.Env, "INJECTKIT_PROFILE_DIR="+c.profileDir)
	}
	if c.memLimit != "" {
		d.cmd.Env = append(d.cmd.Env, "GOMEMLIMIT="+c.memLimit)
	}
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", c.bin, err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// alive returns an error once the daemon has exited.
func (d *daemon) alive() error {
	select {
	case <-d.done:
		return fmt.Errorf("serve exited: %v", d.err)
	default:
		return nil
	}
}

// stop sends SIGTERM, waits for the exit and returns the peak RSS in KiB,
// the CPU time (user and system) the daemon used in its life, the system
// part of it, and its counts (the system calls and bytes written read
// before the SIGTERM: a system that does not say leaves them -1).
func (d *daemon) stop() (int64, time.Duration, time.Duration, counts, error) {
	var c counts
	c.syscw, c.wbytes, _ = readIO(d.cmd.Process.Pid)
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		return 0, 0, 0, c, errors.New("serve did not stop within 60s of SIGTERM")
	}
	if d.err != nil {
		return 0, 0, 0, c, fmt.Errorf("serve exited: %w", d.err)
	}
	st := d.cmd.ProcessState
	peak, minflt, ctxsw := usage(st)
	c.minflt, c.ctxsw = minflt, ctxsw
	return peak, st.UserTime() + st.SystemTime(), st.SystemTime(), c, nil
}

// kill ends a daemon still running (after a failure).
func (d *daemon) kill() {
	select {
	case <-d.done:
	default:
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// explain adds the tail of the daemon's log to err.
func (d *daemon) explain(err error) error {
	if err == nil {
		return nil
	}
	b, _ := os.ReadFile(d.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return fmt.Errorf("%w\nserve log (tail):\n%s", err, strings.Join(lines, "\n"))
}
