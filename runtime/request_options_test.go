package runtime_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// linesAt returns the lines logged at a level keep holds, each as
// "LEVEL message".
func linesAt(logs *observer.ObservedLogs, keep func(zapcore.Level) bool) []string {
	var out []string
	for _, e := range logs.All() {
		if keep(e.Level) {
			out = append(out, e.Level.CapitalString()+" "+e.Message)
		}
	}
	return out
}

func TestRequestCallerLogs(t *testing.T) {
	refused := errors.New("reception refused")
	down := errors.New("platform down")
	valid := runtime.Request{InjectID: "i-1", Injector: "fake", Targets: loopback()}
	invalid := runtime.Request{InjectID: "i-2", Injector: "fake"} // no target
	run := func(req runtime.Request) func(*runtime.Runtime, bool) error {
		return func(rt *runtime.Runtime, callerLogs bool) error {
			req.CallerLogs = callerLogs
			_, err := rt.Run(context.Background(), req)
			return err
		}
	}
	reject := func(rt *runtime.Runtime, callerLogs bool) error {
		return rt.Reject(context.Background(), runtime.Request{InjectID: "i-3", CallerLogs: callerLogs}, errors.New("unknown contract"))
	}
	isRequestError := func(err error) bool { var re *runtime.RequestError; return errors.As(err, &re) }
	isDeliveryError := func(err error) bool { var de *runtime.DeliveryError; return errors.As(err, &de) }
	tests := []struct {
		name      string
		setup     func(p *profile)
		call      func(rt *runtime.Runtime, callerLogs bool) error
		wantLines []string // WARN and ERROR lines the runtime logs itself
		wantErr   func(error) bool
	}{
		{name: "Run: an invalid request", call: run(invalid),
			wantLines: []string{"WARN inject rejected"}, wantErr: isRequestError},
		{name: "Run: an invalid request whose rejection is not delivered", call: run(invalid),
			setup:     func(p *profile) { p.rejectErr = down },
			wantLines: []string{"WARN inject rejected", "ERROR rejection not delivered"}, wantErr: isDeliveryError},
		{name: "Run: a reception refused", call: run(valid),
			setup:     func(p *profile) { p.receiveErr = refused },
			wantLines: []string{"ERROR inject not received; not run"}, wantErr: func(err error) bool { return err == refused }},
		{name: "Run: a report not delivered", call: run(valid),
			setup:     func(p *profile) { p.recorder.err = down },
			wantLines: []string{"ERROR delivery failed"}, wantErr: isDeliveryError},
		{name: "Reject: delivered", call: reject,
			wantLines: []string{"WARN inject rejected"}, wantErr: func(err error) bool { return err == nil }},
		{name: "Reject: not delivered", call: reject,
			setup:     func(p *profile) { p.rejectErr = down },
			wantLines: []string{"WARN inject rejected", "ERROR rejection not delivered"}, wantErr: isDeliveryError},
	}
	failures := func(l zapcore.Level) bool { return l >= zapcore.WarnLevel }
	steps := func(l zapcore.Level) bool { return l < zapcore.WarnLevel }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info [2][]string
			for i, callerLogs := range []bool{false, true} {
				ex := &frameworktest.Executor{}
				p := &profile{executorRan: func() bool { return len(ex.Calls()) > 0 }}
				if tt.setup != nil {
					tt.setup(p)
				}
				rt, logs := newRuntime(t, ex, p)
				err := tt.call(rt, callerLogs)
				if !tt.wantErr(err) {
					t.Errorf("CallerLogs %v: err = %v (%T)", callerLogs, err, err)
				}
				want := tt.wantLines
				if callerLogs {
					want = nil // the caller logs each failure returned
				}
				if got := linesAt(logs, failures); !slices.Equal(got, want) {
					t.Errorf("CallerLogs %v: failures logged %q, want %q", callerLogs, got, want)
				}
				info[i] = linesAt(logs, steps)
			}
			if !slices.Equal(info[0], info[1]) {
				t.Errorf("the steps' lines differ: %q without CallerLogs, %q with it", info[0], info[1])
			}
		})
	}
}

func TestRequestNameRejection(t *testing.T) {
	const named = "inject_content.call_timeout"
	// rename names the request's timeout as a platform message would, as
	// an intake's NameRejection does: a *RequestError kept one.
	rename := func(err error) error {
		var ve *signatures.ValidationError
		if !errors.As(err, &ve) || ve.Field != "timeout" {
			return err
		}
		n := *ve
		n.Field = named
		if re := (*runtime.RequestError)(nil); errors.As(err, &re) {
			return &runtime.RequestError{Err: &n}
		}
		return &n
	}
	tests := []struct {
		name string
		call func(rt *runtime.Runtime, name func(error) error) error
		// wantErr checks the error returned, whose text starts with want
		// when it names the field.
		wantErr func(t *testing.T, err error, want string)
	}{
		{name: "Run: an invalid request",
			call: func(rt *runtime.Runtime, name func(error) error) error {
				_, err := rt.Run(context.Background(), runtime.Request{InjectID: "i-1", Injector: "fake", Targets: loopback(),
					Timeout: -1, NameRejection: name})
				return err
			},
			wantErr: func(t *testing.T, err error, want string) {
				var re *runtime.RequestError
				if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("error returned %v, want a *RequestError starting %q", err, want)
				}
			}},
		{name: "Reject",
			call: func(rt *runtime.Runtime, name func(error) error) error {
				cause := &signatures.ValidationError{Field: "timeout", Value: "-1s", Reason: "must not be negative"}
				return rt.Reject(context.Background(), runtime.Request{InjectID: "i-2", NameRejection: name}, cause)
			},
			wantErr: func(t *testing.T, err error, _ string) {
				if err != nil {
					t.Errorf("error returned %v, want nil: the rejection was delivered", err)
				}
			}},
	}
	for _, tt := range tests {
		for _, name := range []func(error) error{nil, rename} {
			want := "invalid timeout "
			if name != nil {
				want = "invalid " + named + " "
			}
			t.Run(tt.name+"/"+want, func(t *testing.T) {
				p := &profile{executorRan: func() bool { return false }}
				rt, logs := newRuntime(t, &frameworktest.Executor{}, p)
				tt.wantErr(t, tt.call(rt, name), want)
				if len(p.rejections) != 1 || !strings.HasPrefix(p.rejections[0].Err.Error(), want) {
					t.Errorf("rejections delivered %v, want one starting %q", p.rejections, want)
				}
				warn := logs.FilterMessage("inject rejected").All()
				if len(warn) != 1 || !strings.HasPrefix(warn[0].ContextMap()["error"].(string), want) {
					t.Errorf("WARN lines %v, want one whose error starts %q", warn, want)
				}
			})
		}
	}
}
