package runtime_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// An executor whose extras JSON cannot encode for each of 10 000 targets
// fails the run with a message, and an ERROR line, that name the first
// few and count the rest: both named every one (10 000: about 900 KB
// each), lines log pipelines cut or drop.
func TestUnencodableExtrasOfManyTargetsBounded(t *testing.T) {
	const n, bound, named = 10000, 4096, 10
	specs := make([]runtime.TargetSpec, n)
	extras := make(map[framework.Target]framework.TypeExtras, n)
	for i := range n {
		ip := fmt.Sprintf("127.0.%d.%d", i/250, i%250+1)
		specs[i] = runtime.TargetSpec{Value: ip}
		extras[framework.Target{Config: signatures.NetworkConfig{TargetIPv4: ip}}] = framework.TypeExtras{
			framework.Detection: {"score": math.NaN()}}
	}
	out := framework.ToolOutput{Status: framework.StatusSuccess, TargetExtras: extras}
	rt, logs := newRuntime(t, &frameworktest.Executor{Output: out}, &recorder{})
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: specs})
	if err != nil {
		t.Fatal(err)
	}
	more := fmt.Sprintf("%d more", n-named)
	if rep.Output.ErrorInfo == nil {
		t.Fatalf("status %q without an error, want failed", rep.Status)
	}
	if msg := rep.Output.ErrorInfo.Message; len(msg) > bound || !strings.Contains(msg, more) {
		t.Errorf("message of %d bytes (want at most %d, saying %s): %.400s…", len(msg), bound, more, msg)
	}
	lines := logs.FilterMessage("executor extras or findings JSON cannot encode left out").All()
	if len(lines) != 1 {
		t.Fatalf("%d ERROR lines that extras were left out, want 1", len(lines))
	}
	for name, enc := range map[string]zapcore.Encoder{
		"json":    zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		"console": zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
	} {
		buf, err := enc.EncodeEntry(zapcore.Entry{Level: zapcore.ErrorLevel, Time: time.Unix(0, 0), Message: lines[0].Message},
			lines[0].Context)
		if err != nil {
			t.Fatal(err)
		}
		if line := buf.String(); len(line) > bound || !strings.Contains(line, fmt.Sprint(n-named)) {
			t.Errorf("%s: ERROR line of %d bytes (want at most %d, counting %d more): %.400s…", name, len(line), bound, n-named, line)
		}
	}
}
