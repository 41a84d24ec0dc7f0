package cloudscan

import (
	"context"
	"testing"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// What the AWS SDK logs goes to the inject's logger, at its level, never
// to stderr on its own.
func TestSDKLogsThroughTheInjectLogger(t *testing.T) {
	setAWSEnv(t)
	core, logs := observer.New(zapcore.DebugLevel)
	sess, err := awsProvider{}.open(context.Background(), zap.New(core).With(zap.String("inject_id", "i-1")), &Params{}, hostSettings{}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	sdk := sess.(*awsSession).cfg.Logger
	sdk.Logf(logging.Warn, "falling back to %s", "IMDSv1")
	sdk.Logf(logging.Debug, "request %d", 7)
	got := logs.AllUntimed()
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2: %+v", len(got), got)
	}
	for i, want := range []struct {
		level zapcore.Level
		msg   string
	}{{zapcore.WarnLevel, "aws sdk: falling back to IMDSv1"}, {zapcore.DebugLevel, "aws sdk: request 7"}} {
		if got[i].Level != want.level || got[i].Message != want.msg || got[i].ContextMap()["inject_id"] != "i-1" {
			t.Errorf("line %d: %s %q %v, want %s %q with the inject id", i, got[i].Level, got[i].Message, got[i].ContextMap(), want.level, want.msg)
		}
	}
}
