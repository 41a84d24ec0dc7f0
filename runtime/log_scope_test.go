package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
)

// The runtime scopes its logger to an inject once a run (its fields
// encoded once), and every line of the run, its delivery's included,
// carries the inject's id and injector.
func TestRunScopesItsLoggerOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *recorder
		last string
	}{
		{"delivered", &recorder{}, "delivered"},
		{"delivery failed", &recorder{err: errors.New("down")}, "delivery failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.InfoLevel)
			n := new(atomic.Int32)
			rt, _ := newRuntime(t, &frameworktest.Executor{}, tc.d, runtime.WithLogger(zap.New(testkit.ScopeCounting{Core: core, N: n})))
			_, _ = rt.Run(context.Background(), runtime.Request{InjectID: "i-1", Injector: "fake", Targets: loopback()})
			if got := n.Load(); got != 1 {
				t.Errorf("logger scoped %d times in a run, want once", got)
			}
			all := logs.All()
			if len(all) == 0 || all[len(all)-1].Message != tc.last {
				t.Fatalf("lines %v, want the last one %q", all, tc.last)
			}
			for _, e := range all {
				if m := e.ContextMap(); m["inject_id"] != "i-1" || m["injector"] != "fake" {
					t.Errorf("%q carries %v, want inject_id i-1 and injector fake", e.Message, m)
				}
			}
		})
	}
}
