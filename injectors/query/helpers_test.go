package query

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// testKey is the API key the stand-in accepts; tests grep outputs for it.
const testKey = "SHODAN-TEST-KEY-9f3b71c2e8"

// recordTimer records each retry wait and fires at once.
type recordTimer = httpxtest.Timer

// newStandIn starts a Shodan stand-in accepting testKey, with no rate:
// the executors of newTestExecutor do not pace their requests (the tests
// of pacing run both with the real rule, under synctest).
func newStandIn(t *testing.T) *shodantest.Server {
	t.Helper()
	srv := shodantest.NewServer(testKey)
	srv.SetMinInterval(0)
	t.Cleanup(srv.Close)
	return srv
}

// newTestExecutor returns an Executor configured against srv, whose retries
// wait on the returned timer instead of real time, and whose requests are
// not paced.
func newTestExecutor(t *testing.T, srv *shodantest.Server, settings map[string]string) (*Executor, *recordTimer) {
	t.Helper()
	e := New()
	s := map[string]string{SettingShodanBaseURL: srv.URL, SettingShodanAPIKey: testKey, SettingRequestTimeout: "30s"}
	for k, v := range settings {
		s[k] = v
	}
	if err := e.Configure(s); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	timer := &recordTimer{}
	e.retry.timer = timer
	e.minGap = time.Nanosecond
	t.Cleanup(func() { _ = e.Close() })
	return e, timer
}

// observedLogger returns a debug-level logger whose entries are recorded.
// redacted replaces the API key in a URL shown (httpx.StripCredentials);
// in a message, the key becomes httpx.Redacted.
const redacted = "REDACTED"

func observedLogger() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core), logs
}

// logText renders every recorded entry, message and fields, as text.
func logText(logs *observer.ObservedLogs) string {
	var b []byte
	enc := zapcore.NewJSONEncoder(zap.NewDevelopmentEncoderConfig())
	for _, e := range logs.All() {
		buf, err := enc.EncodeEntry(e.Entry, e.Context)
		if err != nil {
			panic(err)
		}
		b = append(b, buf.Bytes()...)
		buf.Free()
	}
	return string(b)
}
