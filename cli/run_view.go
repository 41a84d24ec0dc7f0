package cli

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Output formats of `run`.
const (
	runOutputText = "text" // the summary
	runOutputJSON = "json" // the wire bodies, one a line
)

// runView is how `run` shows a run to a person: the summary on stdout
// (--output text, the default on a terminal) and the progress on stderr
// (a terminal). It observes the runtime to get the report.
type runView struct {
	o        Options
	cfg      runConfig
	text     bool
	progress *progressLine // nil unless stderr is a terminal
	// out is stdout; with a backend URL, a report of the delivery whose
	// failure is left to Run (see stdoutReports).
	out io.Writer

	// redact removes the secrets the log writer redacts from an
	// executor's message before its log lines cut it (nil: none).
	redact func(string) string
	// checked: the inject passed the run's check pass (checkedRun.refused):
	// its runtime does not warn again of what that pass did.
	checked bool

	mu       sync.Mutex
	report   *runtime.Report
	platform *openaev.PlatformVersion // the openaev profile's platform, once read
	// delivers names what the profile delivers, undelivered says what
	// it did not (see dump).
	delivers    string
	undelivered undeliveredOf
}

// setPlatform records the version of the platform the openaev profile
// reports to, given or read from it.
func (v *runView) setPlatform(pv openaev.PlatformVersion) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.platform = &pv
}

func newRunView(o Options, cfg runConfig) *runView {
	v := &runView{o: o, cfg: cfg, out: o.Stdout}
	if cfg.Backend.URL != "" {
		// The run delivers to the backend: its stdout only reports it.
		v.out = stdoutReports(o.Stdout)
	} else {
		// A dry run's stdout is all it makes.
		stdoutProduct(o.Stdout)
	}
	switch cfg.Output {
	case runOutputText:
		v.text = true
	case runOutputJSON:
	default:
		v.text = isTerminal(o.Stdout)
	}
	// A dumb terminal (TERM=dumb: an editor's shell, a CI log viewer)
	// cannot redraw a line in place: the log lines alone.
	if isTerminal(o.Stderr) && o.Getenv("TERM") != "dumb" {
		v.progress = newProgressLine(o.Stderr, terminalWidth(o.Getenv))
	}
	return v
}

// stderr is where the logger writes: through the progress line, when
// there is one.
func (v *runView) stderr() io.Writer {
	if v.progress != nil {
		return v.progress
	}
	return v.o.Stderr
}

// stdout is where the wire bodies are printed without a backend: stdout
// for the json output, nowhere for the summary.
func (v *runView) stdout() io.Writer {
	if v.text {
		return io.Discard
	}
	return v.o.Stdout
}

// echo is where the requests sent to a backend are printed as well: stdout
// when --output json was given with a backend URL (the JSON the run prints
// without one), nil otherwise; the default output of a pipe prints
// nothing then, as it always has.
func (v *runView) echo() io.Writer {
	if v.cfg.Output != runOutputJSON || v.cfg.Backend.URL == "" {
		return nil
	}
	return v.out
}

// OnExecuted keeps the report; not one the runtime could not build
// (err): Run returns err, and the run ends as a refused one.
func (v *runView) OnExecuted(r *runtime.Report, _ time.Duration, err error) {
	if err != nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.report = r
}

// OnDelivered does nothing: Run returns the delivery's outcome.
func (v *runView) OnDelivered(*runtime.Report, time.Duration, error) {}

// runtimeOptions are the options of the runtime the view observes.
func (v *runView) runtimeOptions() []runtime.Option {
	opts := []runtime.Option{runtime.WithObserver(v), runtime.WithLogRedaction(v.redact)}
	if v.checked {
		opts = append(opts, runtime.WithCheckPass())
	}
	if v.progress != nil {
		opts = append(opts, runtime.WithProgress(v.progress.update, 0))
	}
	return opts
}

func (v *runView) executed() *runtime.Report {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.report
}

// finish ends a run: err is what the run returned and exit maps a failed
// delivery (or a refusal) to its exit error. With the text output the
// summary is printed once the inject ran. A delivered (or printed) run
// whose outcome is failed or timeout logs a WARN line and exits
// ExitFailed.
func (v *runView) finish(log *zap.Logger, err error, exit func(error) error) error {
	r := v.executed()
	var de *runtime.DeliveryError
	if r == nil && errors.As(err, &de) {
		r = de.Report
	}
	var pe *hook.PanicError
	if errors.As(err, &pe) && !errors.As(err, &de) {
		// A bug of the injector (its factory, Manifest or Close panicked):
		// exit as when Execute panics, whatever was delivered.
		err = nil
	}
	if r == nil {
		if pe != nil {
			return &ExitError{Code: ExitFailed, Err: pe}
		}
		return exit(err) // nothing ran
	}
	if v.text {
		_ = writeSummary(v.out, r, v.where(r, err)) // a failure is stdout's, said by Run
	}
	if err == nil && v.cfg.Backend.URL == "" && stdoutFailed(v.o.Stdout) {
		// Without a backend the bodies or the summary are all the run
		// leaves: its signatures go to stderr, as those of a delivery
		// that failed; Run says once that stdout was not written and
		// exits 1 (see stdoutExit).
		v.dump(r, nil)
	}
	if err != nil {
		return exit(err)
	}
	switch r.Status {
	case framework.StatusFailed, framework.StatusTimeout:
		fields := []zap.Field{zap.String("inject_id", r.InjectID), zap.String("injector", r.Injector),
			zap.String("status", string(r.Status)), zap.Int("exit_status", ExitFailed)}
		if ei := r.Output.ErrorInfo; ei != nil && ei.Message != "" {
			fields = append(fields, zap.String("error", runtime.LoggedMessage(ei.Message, v.redact)))
		}
		msg := "inject failed; " + v.reportedBy(r.Status)
		if r.Status == framework.StatusTimeout {
			msg = "inject timed out or was interrupted; " + v.reportedBy(r.Status)
			fields = append(fields, zap.Int("partial_results", len(r.Partial)))
		}
		log.Warn(msg, fields...)
	}
	if pe != nil {
		return &ExitError{Code: ExitFailed, Err: pe}
	}
	if r.Status == framework.StatusFailed || r.Status == framework.StatusTimeout {
		return &ExitError{Code: ExitFailed}
	}
	return nil
}

// reportedBy says what carried a failed or timed-out outcome (s) to the
// backend: the signatures of the callback profile (or, without a
// backend, those printed) hold it as their execution_status; the openaev
// profile's complete callback says it (ERROR, TIMEOUT), its signatures
// never (2.4.x gets none).
func (v *runView) reportedBy(s framework.ExecutionStatus) string {
	if !v.cfg.openAEV() {
		if s == framework.StatusTimeout {
			return "its signatures report the timeout"
		}
		return "its signatures report the failure"
	}
	if s == framework.StatusTimeout {
		return "its complete callback reports the timeout (execution_status " + openaev.StatusTimeout + ")"
	}
	return "its complete callback reports the failure (execution_status " + openaev.StatusError + ")"
}

// where is the summary's last line: where the signatures went.
func (v *runView) where(r *runtime.Report, err error) string {
	if v.cfg.Backend.URL == "" {
		return "signatures not sent: no --backend-url (-o json prints them)"
	}
	var de *runtime.DeliveryError
	what := "signatures"
	if v.cfg.openAEV() {
		what = "result" // its complete may carry none
	}
	switch {
	case errors.As(err, &de) && de.Stored+de.Dead > 0:
		return what + " not delivered: " + strings.TrimPrefix(storedMessage(v.o, de, &v.cfg).Error(), "delivery failed; ")
	case err != nil:
		return what + " NOT delivered: " + oneLine(err.Error())
	}
	base := strings.TrimSuffix(httpx.StripCredentials(v.cfg.Backend.URL), "/")
	if v.cfg.openAEV() {
		line := "result delivered to the OpenAEV platform at " + base
		v.mu.Lock()
		pv := v.platform
		v.mu.Unlock()
		switch {
		case pv != nil && !pv.Current:
			line += "; no expectation signatures: the platform's " + pv.Raw + " predates them"
		case !slices.ContainsFunc(r.Targets, func(t framework.Target) bool { return t.Attribution != (signatures.Attribution{}) }):
			line += "; no expectation signatures: no target names an asset, agent or asset group"
		}
		return line
	}
	return fmt.Sprintf("signatures delivered to %s/api/injects/%s/callback", base, url.PathEscape(r.InjectID))
}

// warnNoToken logs a WARN line when a backend URL is set without a token
// or credentials of its own (user:password@, sent as Basic): the requests
// carry no Authorization header; and one when they go in clear to
// another host (warnClearToken).
func warnNoToken(log *zap.Logger, bc backendConfig) {
	warnClearToken(log, bc.URL, bc.Token)
	if bc.URL == "" || bc.Token != "" {
		return
	}
	if u, err := url.Parse(bc.URL); err == nil && u.User != nil {
		return
	}
	log.Warn("no token: requests to the backend carry no Authorization header "+
		"(set "+tokenSources+")",
		zap.String("backend_url", httpx.StripCredentials(bc.URL)))
}
