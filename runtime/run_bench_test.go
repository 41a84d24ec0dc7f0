package runtime_test

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/runtime"
)

// BenchmarkRunNoop runs one noop inject (one target, its params struct's
// defaults) through the runtime, delivered nowhere: the runtime's own cost
// per inject, which serve pays for every message.
func BenchmarkRunNoop(b *testing.B) {
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return &noop.Executor{} })
	rt := runtime.New(reg, runtime.WithLogger(zap.NewNop()), runtime.WithSignatures(pinnedManager()))
	req := runtime.Request{InjectID: "i-1", Injector: "noop", Targets: loopback()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.Run(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
