package frameworktest_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// TestConformanceStatusAndErrorInfoDisagree: an ErrorInfo its Status
// contradicts passed Conformance when it was no malformed output
// (ToolOutput.Validate's exit code on a success): a failure with no
// message reached the platform as "failed" and nothing else, and a
// CrashTimestamp on a run that did not fail was dropped without a word
// (helper t219, writing an injector from the guide). Conformance now
// reports both, as it reports a success with a message; the outcomes the
// guide shows pass. A partial run with no message, shown as "partially
// succeeded" and nothing else (SUCCESS with the openaev profile), still
// passed (fifty-fourth session): it is reported too.
func TestConformanceStatusAndErrorInfoDisagree(t *testing.T) {
	const at = "2026-12-07T00:00:00.5Z"
	for _, tt := range []struct {
		name string
		out  framework.ToolOutput
		want string // "" when nothing is reported
	}{
		{"failed, no info", framework.ToolOutput{Status: framework.StatusFailed}, "StatusFailed with no ErrorInfo.Message"},
		{"failed, exit code alone", framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 2}},
			"StatusFailed with no ErrorInfo.Message"},
		{"failed, blank message", framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{Message: "  "}},
			"StatusFailed with no ErrorInfo.Message"},
		{"partial, no info", framework.ToolOutput{Status: framework.StatusPartial}, "StatusPartial with no ErrorInfo.Message"},
		{"partial, exit code alone", framework.ToolOutput{Status: framework.StatusPartial, ErrorInfo: &framework.ErrorInfo{ExitCode: 1}},
			"StatusPartial with no ErrorInfo.Message"},
		{"partial, blank message", framework.ToolOutput{Status: framework.StatusPartial, ErrorInfo: &framework.ErrorInfo{Message: "\n"}},
			"StatusPartial with no ErrorInfo.Message"},
		{"success, crash time", framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{CrashTimestamp: at}},
			"status success with an ErrorInfo.CrashTimestamp"},
		{"partial, crash time", framework.ToolOutput{Status: framework.StatusPartial,
			ErrorInfo: &framework.ErrorInfo{Message: "1 of 2 refused", CrashTimestamp: at}}, "status partial with an ErrorInfo.CrashTimestamp"},
		{"failed, message and crash time", framework.ToolOutput{Status: framework.StatusFailed,
			ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "segfault", CrashTimestamp: at}}, ""},
		{"partial with a message", framework.ToolOutput{Status: framework.StatusPartial, ErrorInfo: &framework.ErrorInfo{Message: "1 of 2 refused"}}, ""},
		{"success", framework.ToolOutput{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ex := &probe{exec: func(context.Context, *framework.Inject) framework.ToolOutput { return tt.out }}
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, fast) })
			if tt.want == "" {
				if len(msgs) > 0 {
					t.Errorf("Conformance reported %q; want nothing", msgs)
				}
				return
			}
			if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.want) }) {
				t.Errorf("Conformance reported %q; want %q", msgs, tt.want)
			}
		})
	}
}

// TestConformanceParamWithoutDoc: a param without a `doc` tag, or a
// setting without a Doc, passed Conformance, and "injectors NAME" showed
// it as a name and a type alone (a duration's help being how to write a
// duration, not what it is for) (helper t219). Conformance now reports
// it, naming it.
func TestConformanceParamWithoutDoc(t *testing.T) {
	type undocumented struct {
		Port int           `json:"port" doc:"port to probe"`
		Mode string        `json:"mode" param:"enum=fast|slow"`
		Wait time.Duration `json:"wait" doc:" "`
	}
	for _, tt := range []struct {
		name string
		ex   *probe
		want []string
	}{
		{"params", &probe{
			newParams: func() any { return &undocumented{Port: 8080, Mode: "fast"} },
			manifest: func(m *framework.Manifest) {
				m.Params = framework.MustParamsSpec(&undocumented{Port: 8080, Mode: "fast"})
			},
			exec: func(context.Context, *framework.Inject) framework.ToolOutput { return framework.ToolOutput{} },
		}, []string{"param mode has no doc", "param wait has no doc"}},
		{"setting", &probe{manifest: func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "region", Default: "eu-west-1"}}
		}}, []string{"setting region has no doc"}},
		{"documented", &probe{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, tt.ex, fast) })
			for _, want := range tt.want {
				if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, want) }) {
					t.Errorf("Conformance reported %q; want %q", msgs, want)
				}
			}
			if slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "port has no doc") }) {
				t.Errorf("Conformance reported %q of a documented param", msgs)
			}
			if tt.want == nil && len(msgs) > 0 {
				t.Errorf("Conformance reported %q; want nothing", msgs)
			}
		})
	}
}
