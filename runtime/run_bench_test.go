package runtime_test

import (
	"context"
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/runtime"
)

// accepting is a Deliverer that takes every report.
type accepting struct{}

func (accepting) Deliver(context.Context, *runtime.Report) error { return nil }

// BenchmarkRunNoop runs one noop inject (one target, its params struct's
// defaults) through the runtime: the runtime's own cost per inject, which
// serve pays for every message. "quiet" logs nothing and delivers
// nowhere; "logged" writes its INFO lines as JSON (to io.Discard) and
// hands the report to a Deliverer that takes it.
func BenchmarkRunNoop(b *testing.B) {
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return &noop.Executor{} })
	jsonLog := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	for _, bc := range []struct {
		name string
		opts []runtime.Option
	}{
		{"quiet", []runtime.Option{runtime.WithLogger(zap.NewNop())}},
		{"logged", []runtime.Option{runtime.WithLogger(jsonLog), runtime.WithDeliverer(accepting{})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rt := runtime.New(reg, append(bc.opts, runtime.WithSignatures(pinnedManager()))...)
			req := runtime.Request{InjectID: "i-1", Injector: "noop", Targets: loopback()}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rt.Run(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
