package nmap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
)

// Execute validates the parameters and targets, scans the targets with nmap
// (two scans when IPv4 or host name targets and IPv6 targets are mixed, and
// one more for each zone of IPv6 targets given with one) and
// reports what it found. When ctx ends first, nmap is killed and every host
// it finished is reported: the outcome is a timeout, with those hosts as
// partial results (reported through in.Partial as each one finished). An
// nmap killed by a signal it was not sent for ctx (the operator's kill)
// stops the inject: the scans after it are not run, and the failure names
// the scan killed and those. Each failure names its scan (scanGroup).
// The targets no packet went to are named in Unreached (see unreached).
func (e *Executor) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	ctx = withEnviron(ctx, in.ChildEnv(os.Environ()))
	p, err := paramsOf(in.Params)
	if err == nil {
		err = e.validate(p)
	}
	var targets []scanTarget
	if err == nil {
		targets, err = scanTargets(in.Targets)
	}
	if err != nil {
		out := e.failed(ExitInvalidInput, err)
		out.Unreached = allUnreached(in.Targets, whyRefused)
		return out
	}

	var (
		hosts    []host
		raw      = rawOutput{max: maxRawOutput}
		complete = true
		reported bool // some scan produced an nmap report
		timedOut bool
		runErr   error
		said     []string                      // what nmap said of each scan (errormsg, or its standard error)
		okSaid   [][2]string                   // each scan nmap ended on its own, and what it said of it
		cutShort []string                      // why each report that nmap ended normally ends early
		started  int                           // the scans started, in groups' order
		finished = map[int]map[string]string{} // the scans nmap ended normally, its report whole: the targets it failed to resolve
		quit     = map[int]bool{}              // the scans nmap quit before starting (quitBeforeScan)
	)
	zoneIndexes(targets, e.ifIndex)
	groups := groupTargets(targets)
	for gi, g := range groups {
		if ctx.Err() != nil {
			timedOut = true
			break
		}
		started = gi + 1
		o := e.scan(ctx, in, p, g, raw.room())
		raw.add(o.raw)
		if m := o.said(); m != "" {
			said = append(said, m)
			if o.err == nil {
				okSaid = append(okSaid, [2]string{g.String(), m})
			}
		}
		if o.err == nil && o.parseErr == nil && o.run != nil && o.run.Complete {
			finished[gi] = o.unresolved
		}
		quit[gi] = o.quitBeforeScan()
		if o.run != nil {
			reported = true
			for _, h := range o.run.Hosts {
				h.scan = gi
				hosts = append(hosts, h)
			}
			complete = complete && o.run.Complete
		}
		switch {
		case errors.Is(o.err, ErrNotInstalled):
			return e.failedFrom(groups[gi:], in.Targets, ExitNotInstalled, o.err, whyNotInstalled)
		case errors.Is(o.err, errStart):
			return e.failedFrom(groups[gi:], in.Targets, ExitCannotRun, o.err, whyCannotRun)
		case errors.Is(o.err, context.Canceled), errors.Is(o.err, context.DeadlineExceeded):
			timedOut = true
		case o.err != nil && runErr == nil:
			runErr = fmt.Errorf("%s: %w", g, o.err)
		case o.err != nil:
			// A later scan failed too, for its own reason (its own
			// stderr): named after the first, whose code the run keeps.
			runErr = fmt.Errorf("%w; %s: %w", runErr, g, o.err)
		case o.err == nil && o.parseErr != nil && runErr == nil:
			runErr = fmt.Errorf("%s: %w", g, o.parseErr)
		case o.err == nil && o.run != nil && !o.run.Complete && len(o.run.Hosts) == 0 && runErr == nil:
			runErr = fmt.Errorf("%s: %w: unreadable before its first host: %w", g, ErrNotNmapXML, o.run.Err)
		case o.err == nil && o.run != nil && !o.run.Complete:
			cutShort = append(cutShort, fmt.Sprintf("%s: nmap's report breaks off after %d host%s: %v",
				g, len(o.run.Hosts), plural(len(o.run.Hosts)), o.run.Err))
		}
		if timedOut {
			break
		}
		// nmap killed by a signal (a kill, a crash): the inject is
		// stopped, its other scans not run.
		var ee *ExitError
		if errors.As(o.err, &ee) && ee.Signal != nil {
			if !errors.Is(runErr, o.err) { // an earlier scan's failure came first
				runErr = fmt.Errorf("%w; %s: %w", runErr, g, o.err)
			}
			if rest := groups[gi+1:]; len(rest) > 0 {
				runErr = fmt.Errorf("%w; not run: %s", runErr, scanNames(rest))
			}
			break
		}
	}

	hosts, none := splitNoRoute(hosts)
	r := buildReport(targets, hosts)
	for _, h := range r.unmatched {
		in.Logger().Warn("nmap reported a host that matches no target", zap.String("host", h))
	}
	rawText, rawKept, rawCut := raw.text()
	if rawCut != nil {
		in.Logger().Warn("nmap output cut: action_output keeps its start only (scan_results and the signatures hold the whole report)",
			zap.Strings("scans", rawCut), zap.Int64("kept", rawKept), zap.Int64("bytes", raw.bytes()), zap.Int("max_raw_output", maxRawOutput))
	}
	out := framework.ToolOutput{
		Status:   framework.StatusSuccess,
		Findings: r.findings(rawText, reported),
	}
	if ns := notStarted(groups[started:]); len(ns) > 0 {
		out.Findings[FieldUnstartedTargets] = ns
	}
	if reported {
		out.TargetExtras = r.targetExtras(in.Targets)
	}
	out.Unreached = noRouteUnreached(unreached(in.Targets, targets, r, groups, started, timedOut, finished, quit), in.Targets, targets, r, none)
	e.explainSkipped(ctx, out.Unreached, in.Targets, targets)
	e.explainUnanswered(out.Unreached, in.Targets, targets)
	out.TargetStatus = r.targetStatus(in.Targets)
	out.TargetAddresses = r.targetAddresses(in.Targets)
	var ee *ExitError
	switch {
	case timedOut:
		out.Status = framework.StatusTimeout
	case errors.As(runErr, &ee):
		out.Status = framework.StatusFailed
		out.ErrorInfo = e.errorInfo(ee.Code, runErr)
	case runErr != nil:
		out.Status = framework.StatusFailed
		out.ErrorInfo = e.errorInfo(ExitBadOutput, runErr)
	case len(hosts) == 0:
		out.Status = framework.StatusFailed
		msg := fmt.Sprintf("nmap reported no host for any target (%s)", nameSome(r.unscanned))
		if len(none) > 0 {
			msg = noRouteMessage(none)
		}
		if len(said) > 0 {
			msg += "; nmap said: " + strings.Join(said, "; ")
		}
		out.ErrorInfo = e.errorInfo(0, errors.New(msg))
		return out // what nmap said is in the error
	case len(r.unscanned) > 0 || !complete:
		out.Status = framework.StatusPartial
		if len(cutShort) > 0 {
			out.ErrorInfo = e.errorInfo(ExitBadOutput, errors.New(strings.Join(cutShort, "; ")))
		}
	}
	// nmap's warnings on a scan it ended on its own (a port given up
	// on, "retransmission cap hit"), which no error quotes.
	for _, s := range okSaid {
		in.Logger().Warn("nmap wrote to its standard error", zap.String("scan", s[0]), zap.String("said", s[1]))
	}
	return out
}

// notStarted returns the targets of groups, scans never started (the
// deadline or a kill came first), in the inject's order: nmap was never
// given them.
func notStarted(groups []scanGroup) []string {
	var ts []scanTarget
	for _, g := range groups {
		ts = append(ts, g.targets...)
	}
	slices.SortFunc(ts, func(a, b scanTarget) int { return a.index - b.index })
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.value)
	}
	return out
}

// scanOutcome is the result of one nmap run.
type scanOutcome struct {
	run      *nmapRun // nil when the output is not an nmap report
	raw      rawScan  // nmap's standard output, its start kept within the room it was given
	err      error    // the runner's error
	parseErr error
	stderr   string // the end of nmap's standard error
	// unresolved are the targets nmap said it failed to resolve, as it
	// was given them (unresolvedNames), from the whole of its standard
	// error.
	unresolved map[string]string
}

// quitBeforeScan reports whether nmap quit before its scan started, so
// that no packet went to any target: it exited on its own with an error
// code having written no report (it refused its arguments: "nmap:
// unrecognized option", "You requested a scan type which requires root
// privileges. QUITTING!"), or a report whose root is bare, as nmap's
// fatal() writes it when it quits before it writes the root's attributes
// ("Found no matches for the service mask", "I cannot figure out what
// source address to use for device"): nmap writes them as its scan
// starts, before it resolves or probes any target. An nmap killed by a
// signal, or one that quit once its scan had started, may have sent
// packets: it did not quit before.
func (o scanOutcome) quitBeforeScan() bool {
	var ee *ExitError
	if !errors.As(o.err, &ee) || ee.Signal != nil {
		return false
	}
	if o.run != nil {
		return !o.run.Started && len(o.run.Hosts) == 0
	}
	return o.raw.bytes == 0
}

// maxSaid bounds, in bytes, what an error quotes of nmap's standard error.
const maxSaid = 512

// said is nmap's own word on the run, on one line: the errormsg of its
// report, else the end of its standard error (at most maxSaid bytes).
func (o scanOutcome) said() string {
	if o.run != nil && o.run.ErrorMsg != "" {
		return o.run.ErrorMsg
	}
	msg := strings.Join(strings.Fields(o.stderr), " ")
	if len(msg) > maxSaid {
		msg = "…" + strings.ToValidUTF8(msg[len(msg)-maxSaid:], "")
	}
	return msg
}

// scan runs nmap once over group, parsing its report as it streams in: each
// finished host is reported through in.Partial and each progress line is
// logged. Of nmap's output, the first rawRoom bytes are kept (capBuffer).
func (e *Executor) scan(ctx context.Context, in *framework.Inject, p Params, g scanGroup, rawRoom int) scanOutcome {
	log := in.Logger()
	args := buildArgs(p, g.ipv6)
	log.Debug("nmap scan started", zap.Strings("args", args), zap.Int("targets", len(g.targets)))

	check := e.newNoRouteCheck() // the parser's goroutine, then this one once it is done
	pr, pw := io.Pipe()
	type parsed struct {
		run *nmapRun
		err error
	}
	done := make(chan parsed, 1)
	go func() {
		run, err := parse(pr, parseHooks{
			host: func(h host) {
				markGuesses(&h, p.ServiceDetection)
				if check.mark(&h); h.unsent != "" {
					return // no packet went to it: nothing found there
				}
				for _, line := range partialLines(h) {
					in.Partial(line)
				}
			},
			progress: func(tp taskProgress) { log.Info("nmap progress", tp.fields()...) },
		})
		_, _ = io.Copy(io.Discard, pr) // never leave nmap's writer blocked
		done <- parsed{run, err}
	}()

	raw := &capBuffer{max: rawRoom}
	stderr, unresolved := &tailBuffer{max: maxSaid}, newUnresolvedNames(g)
	err := e.run(ctx, args, strings.NewReader(g.input()), io.MultiWriter(raw, pw), io.MultiWriter(stderr, unresolved))
	pw.Close()
	res := <-done
	if res.run != nil {
		for i := range res.run.Hosts {
			markGuesses(&res.run.Hosts[i], p.ServiceDetection)
			check.mark(&res.run.Hosts[i])
		}
	}
	return scanOutcome{run: res.run, raw: rawScan{name: g.String(), kept: string(raw.buf), bytes: raw.total}, err: err,
		parseErr: res.err, stderr: stderr.String(), unresolved: unresolved.names()}
}

// fields are a progress line's log fields: the task, and each number nmap
// wrote (a missing one is left out, never logged as 0 or 1970).
func (tp taskProgress) fields() []zap.Field {
	fs := []zap.Field{zap.String("task", tp.Task)}
	if tp.Percent != nil {
		fs = append(fs, zap.Float64("percent", *tp.Percent))
	}
	if tp.Remaining != nil {
		fs = append(fs, zap.Duration("remaining", time.Duration(*tp.Remaining)*time.Second))
	}
	if tp.ETC != nil {
		fs = append(fs, zap.Time("etc", time.Unix(*tp.ETC, 0).UTC()))
	}
	return fs
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// failed is the output of a run that found nothing.
func (e *Executor) failed(code int, err error) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: e.errorInfo(code, err)}
}

// failedFrom is the output of a run that stopped at the first of groups,
// nmap never run for it: code and err are the failure, and the targets of
// groups (of in) are not reached, each with why.
func (e *Executor) failedFrom(groups []scanGroup, in []framework.Target, code int, err error, why string) framework.ToolOutput {
	out := e.failed(code, err)
	out.Unreached = map[framework.Target]string{}
	for _, g := range groups {
		for _, t := range g.targets {
			out.Unreached[in[t.index]] = why
		}
	}
	return out
}

func (e *Executor) errorInfo(code int, err error) *framework.ErrorInfo {
	return &framework.ErrorInfo{
		ExitCode:       code,
		CrashTimestamp: e.now().UTC().Format(time.RFC3339Nano), // to the nanosecond: the end is rounded up from it
		Message:        err.Error(),
	}
}
