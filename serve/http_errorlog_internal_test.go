package serve

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// flakyListener fails its first Accept with a temporary error (EMFILE:
// the process out of file descriptors), as net/http retries, then accepts.
type flakyListener struct {
	net.Listener
	once sync.Once
}

type temporaryError struct{}

func (temporaryError) Error() string   { return "accept4: too many open files" }
func (temporaryError) Timeout() bool   { return false }
func (temporaryError) Temporary() bool { return true }

func (l *flakyListener) Accept() (net.Conn, error) {
	var err error
	l.once.Do(func() { err = temporaryError{} })
	if err != nil {
		return nil, err
	}
	return l.Listener.Accept()
}

// What the health and metrics server itself reports (an Accept that
// failed, a handler's panic) goes to the daemon's log, in its format (a
// JSON line with --log-format json), never as a plain-text line of Go's
// standard logger on stderr, which a log shipper reading JSON cannot parse.
func TestHTTPServerErrorsInTheDaemonsLog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	r := newRunner(&Daemon{Listener: &flakyListener{Listener: ln}, Log: zap.New(core)})
	stop, err := r.serveHTTP()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// Served once the failed Accept was retried: its line was written
	// before the retry.
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var lines []observer.LoggedEntry
	for _, e := range logs.All() {
		if strings.Contains(e.Message+fmt.Sprint(e.ContextMap()), "too many open files") {
			lines = append(lines, e)
		}
	}
	if len(lines) != 1 || lines[0].Level != zap.WarnLevel {
		t.Fatalf("the server's failed Accept logged as %v, want one WARN line of the daemon's log; all: %v", lines, logs.All())
	}
}
