package frameworktest_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// attemptsParams are a newcomer's params whose int has a range.
type attemptsParams struct {
	Attempts int `json:"attempts" param:"min=1,max=5" doc:"tries"`
}

// retrier is a newcomer's executor: NewParams gives attempts, Execute
// runs exec (default: success at once).
type retrier struct {
	attempts int
	exec     func(ctx context.Context) framework.ToolOutput
}

func (retrier) Manifest() framework.Manifest {
	return framework.Manifest{Name: "retrier", Category: framework.Network}
}

func (r retrier) NewParams() any { return &attemptsParams{Attempts: r.attempts} }

func (r retrier) Execute(ctx context.Context, _ *framework.Inject) framework.ToolOutput {
	if r.exec != nil {
		return r.exec(ctx)
	}
	return framework.ToolOutput{}
}

// otherDefaults is a retrier whose NewParams gives params of another
// shape: an enum or a duration whose default ParamsSpec refuses.
type otherDefaults struct {
	retrier
	params func() any
}

func (o otherDefaults) NewParams() any { return o.params() }

// onceCases are the executors the child run of
// TestConformanceReportsEachCauseOnce checks, as a newcomer's test does,
// with a *testing.T: each group a subtest.
var onceCases = map[string]struct {
	ex   framework.Executor
	opts frameworktest.Options
}{
	"bad default":            {retrier{attempts: 9}, fast},
	"panics":                 {retrier{attempts: 3, exec: func(context.Context) framework.ToolOutput { panic("boom") }}, fast},
	"ValidateTargets panics": {&targetsPanic{}, fast},
	"enum default": {otherDefaults{params: func() any {
		return &struct {
			Mode string `json:"mode" param:"enum=fast|slow" doc:"how"`
		}{Mode: "medium"}
	}}, fast},
	"negative duration default": {otherDefaults{params: func() any {
		return &struct {
			Wait time.Duration `json:"wait" doc:"pause"`
		}{Wait: -time.Second}
	}}, fast},
	"map params refused": {&frameworktest.Executor{}, frameworktest.Options{Timeout: fast.Timeout, Wait: fast.Wait,
		Params: map[string]any{"n": json.Number("1e400")}}},
	"target of another category": {&probe{}, frameworktest.Options{Timeout: fast.Timeout, Wait: fast.Wait,
		Targets: []signatures.Config{signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1"}}}},
}

// TestConformanceReportsEachCauseOnce: a default out of its tag's range
// was reported five times (the params group twice, then "the default
// params rejected" by each group that runs Execute), and a panicking
// Execute's stack three times, and so were a target refused, a
// ValidateTargets panicking (with its stack) and a target of another
// category (tester t157); an enum default not among its values was
// reported twice, the spec's failure not being matched by its wording
// (forty-second session). Each is now reported once,
// in a *testing.T's subtests as a newcomer runs them: the test binary
// runs itself on each executor and its output is read.
func TestConformanceReportsEachCauseOnce(t *testing.T) {
	if name := os.Getenv("FRAMEWORKTEST_ONCE_CHILD"); name != "" {
		frameworktest.ConformanceWith(t, onceCases[name].ex, onceCases[name].opts)
		return
	}
	tests := []struct {
		name string
		once string // the one failure, or the one stack's first frame
		// more say the same failure again, without its stack or advice
		more string
		// failed are the groups failed, in order
		failed []string
		logged string
	}{
		{"bad default", "param attempts: default 9 is out of its range (1 to 5)", "", []string{"params"},
			"cancelled context, cancelled while running and live inject skipped: the default params are refused, see params above"},
		{"enum default", `field Mode: default "medium" is not one of fast, slow: set one of them in NewParams`, "", []string{"params"},
			"cancelled context, cancelled while running and live inject skipped: the default params are refused, see params above"},
		// The runtime decodes no default: the live groups run.
		{"negative duration default", "field Wait: default -1s is negative", "", []string{"params"}, ""},
		{"panics", "runtime/debug.Stack()", "Execute panicked on a live inject: boom: panics as above (on a cancelled context",
			[]string{"cancelled_context", "cancelled_while_running", "live_inject"}, ""},
		{"ValidateTargets panics", "ValidateTargets panicked: bad target", "", []string{"live_targets"},
			"cancelled context, cancelled while running and live inject skipped: the live targets are refused, see live targets above"},
		// No ParamsFactory: no params group says it; the live params'
		// refusal does, once.
		{"map params refused", `Options.Params (n) are rejected: invalid params.n "1e400"`, "", nil, ""},
		{"target of another category", "target 0 is a cloud target; the manifest declares network", "", []string{"live_targets"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConformanceReportsEachCauseOnce$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "FRAMEWORKTEST_ONCE_CHILD="+tt.name)
			b, err := cmd.CombinedOutput()
			out := string(b)
			if err == nil {
				t.Fatalf("the failing conformance run passed:\n%s", out)
			}
			if n := strings.Count(out, tt.once); n != 1 {
				t.Errorf("%q printed %d times; want once:\n%s", tt.once, n, out)
			}
			if tt.more != "" && !strings.Contains(out, tt.more) {
				t.Errorf("no %q in:\n%s", tt.more, out)
			}
			// The spec's failure says it, with what to change.
			if n := strings.Count(out, "the default params rejected") + strings.Count(out, "do not validate"); n != 0 {
				t.Errorf("the defaults' refusal reported %d more times:\n%s", n, out)
			}
			var failed []string
			for _, l := range strings.Split(out, "\n") {
				if _, group, ok := strings.Cut(strings.TrimSpace(l), "--- FAIL: TestConformanceReportsEachCauseOnce/"); ok {
					group, _, _ = strings.Cut(group, " ")
					failed = append(failed, group)
				}
			}
			if strings.Join(failed, " ") != strings.Join(tt.failed, " ") {
				t.Errorf("groups failed: %q; want %q:\n%s", failed, tt.failed, out)
			}
			if !strings.Contains(out, tt.logged) {
				t.Errorf("no line %q in:\n%s", tt.logged, out)
			}
		})
	}
}

// TestConformanceKeepsIndependentChecks: what is reported once hides no
// other defect. A default Validate refuses is one failure, the groups
// that run Execute skipped; with good defaults, an executor that ignores
// its context is still reported; two panics of Execute at two places
// print two stacks.
func TestConformanceKeepsIndependentChecks(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	tests := []struct {
		name string
		ex   framework.Executor
		opts frameworktest.Options
		want []string // each failure, in order, by a part of it
	}{
		{"default Validate refuses", &probe{newParams: func() any { return &probeParams{Port: 0, Mode: "fast", Wait: time.Second} },
			manifest: func(m *framework.Manifest) {
				m.Params = framework.MustParamsSpec(&probeParams{Port: 0, Mode: "fast", Wait: time.Second})
			}}, fast,
			[]string{`the default params do not validate: invalid params.port "0": out of range`}},
		{"good params, context ignored", retrier{attempts: 3, exec: func(context.Context) framework.ToolOutput {
			<-block
			return framework.ToolOutput{}
		}}, short, []string{"did not return within 100ms of its context being cancelled: it must honour ctx",
			"did not return within 100ms of its context being cancelled while it ran", "did not return within 100ms of its 300ms deadline"}},
		{"two panics at two places", retrier{attempts: 3, exec: func(ctx context.Context) framework.ToolOutput {
			if ctx.Err() != nil {
				panic("cancelled boom")
			}
			panic("live boom")
		}}, fast, []string{"Execute panicked on a cancelled context: cancelled boom (", "Execute panicked on a context cancelled while it ran: live boom (",
			"Execute panicked on a live inject: live boom: panics as above (on a context cancelled while it ran"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, tt.ex, tt.opts) })
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.Contains(got[i], tt.want[i])
			}
			if !ok {
				t.Errorf("Conformance reported:\n%s\nwant %d failures, saying in turn:\n%s", strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
		})
	}
}
