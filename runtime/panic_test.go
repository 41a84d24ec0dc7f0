package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// hooked is an executor whose every optional method panics when its name
// is the one in panics.
type hooked struct {
	frameworktest.Executor
	panics string
}

type hookedParams struct {
	Port   int `json:"port"`
	panics string
}

func (p *hookedParams) Validate() error {
	if p.panics == "Validate" {
		panic("bad validate")
	}
	return nil
}

func (h *hooked) hit(method string) {
	if h.panics == method {
		panic("bad " + strings.ToLower(method))
	}
}

func (h *hooked) NewParams() any { h.hit("NewParams"); return &hookedParams{panics: h.panics} }
func (h *hooked) ValidateTargets([]framework.Target) error {
	h.hit("ValidateTargets")
	return nil
}
func (h *hooked) ValidateParams(any) error          { h.hit("ValidateParams"); return nil }
func (h *hooked) Configure(map[string]string) error { h.hit("Configure"); return nil }
func (h *hooked) Close() error                      { h.hit("Close"); return nil }
func (h *hooked) SendsToTargets() bool              { h.hit("SendsToTargets"); return true }

// A panic of an executor's checks is recovered as a panic of Execute: the
// executor does not run, and the inject's signatures report a failure that
// names the injector and the method.
func TestRunRecoversPanicOfChecks(t *testing.T) {
	for _, method := range []string{"ValidateTargets", "NewParams", "Validate", "ValidateParams", "Configure", "SendsToTargets"} {
		t.Run(method, func(t *testing.T) {
			ex := &hooked{panics: method}
			rec := &recorder{}
			rt, _ := newRuntime(t, ex, rec)
			rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(ex.Calls()) != 0 {
				t.Error("the executor ran after its check panicked")
			}
			if len(rec.reports) != 1 {
				t.Fatalf("delivered %d reports, want 1", len(rec.reports))
			}
			msg := rep.Output.ErrorInfo.Message
			if rep.Status != signatures.StatusFailed || !strings.Contains(msg, "injector fake") || !strings.Contains(msg, method+" panicked") {
				t.Errorf("status %q message %q: want failed, naming the injector and %s", rep.Status, msg, method)
			}
			if got := values(t, rep, 0)["execution_status"]; got != "failed" {
				t.Errorf("signature execution_status = %v", got)
			}
		})
	}
}

// A panic of Close, once the report is delivered, is Run's error, naming
// the injector and the method.
func TestRunRecoversPanicOfClose(t *testing.T) {
	rec := &recorder{}
	rt, _ := newRuntime(t, &hooked{panics: "Close"}, rec)
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
	var pe *framework.PanicError
	if !errors.As(err, &pe) || pe.Injector != "fake" || pe.Method != "Close" {
		t.Fatalf("err = %v, want a PanicError of fake's Close", err)
	}
	if rep == nil || len(rec.reports) != 1 {
		t.Fatalf("report %v, %d delivered: want it delivered", rep, len(rec.reports))
	}
}

func TestValidateRecoversPanic(t *testing.T) {
	for _, method := range []string{"ValidateTargets", "Validate", "Configure", "SendsToTargets", "Close"} {
		t.Run(method, func(t *testing.T) {
			rt, _ := newRuntime(t, &hooked{panics: method}, nil)
			_, err := rt.Validate(context.Background(), runtime.Request{Injector: "fake", Targets: loopback()})
			var pe *framework.PanicError
			if !errors.As(err, &pe) || pe.Method != method || !strings.Contains(err.Error(), "injector fake: "+method+" panicked") {
				t.Fatalf("err = %v, want a PanicError of fake's %s", err, method)
			}
		})
	}
}
