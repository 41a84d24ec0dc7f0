package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// serve runs each inject under --timeout, set as run's is (the flag, a
// bare number of seconds, INJECTKIT_TIMEOUT, the config file's timeout):
// an executor that overruns it is cancelled and the platform gets the
// TIMEOUT outcome with its partial result. Unset, the deadline is the
// runtime's 10m.
func TestIntegrationServeTimeout(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	tests := []struct {
		name string
		args []string
		env  map[string]string
		max  time.Duration // the deadline the executor sees, at most
		min  time.Duration // … and more than
	}{
		{"flag, bare seconds", []string{"--timeout", "1"}, nil, time.Second, 0},
		{"environment", nil, map[string]string{"INJECTKIT_TIMEOUT": "1s"}, time.Second, 0},
		{"config file", []string{"--config", writeFile(t, "serve.yaml", "timeout: 1500ms\n")}, nil, 1500 * time.Millisecond, 0},
		{"default", nil, nil, 10 * time.Minute, 9 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := make(chan time.Duration, 1)
			release := make(chan struct{}) // ends a run its deadline does not
			reg := registry(func(r *framework.Registry) {
				r.Register("hang", func() framework.Executor {
					return &frameworktest.Executor{Run: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
						d, _ := ctx.Deadline()
						started <- time.Until(d)
						in.Partial("127.0.0.1: half done")
						select {
						case <-ctx.Done():
						case <-release:
						}
						return framework.ToolOutput{}
					}}
				})
			})
			p := openaevtest.NewPlatform(t, serveToken)
			queue := servetest.PlatformQueue(t, p)
			p.AddInject("i-hang", openaev.ContractID("hang"))
			d := serveWith(t, reg, tt.env, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", "127.0.0.1:0", "--log-format", "json",
				"--injectors", "hang", "--outbox", "none"}, tt.args...)...)
			defer func() {
				if t.Failed() {
					t.Logf("stderr:\n%s", d.stderr)
				}
			}()
			servetest.Publish(t, queue, openaevtest.Message(openaevtest.QueuedInject{ID: "i-hang",
				ContractID: openaev.ContractID("hang"), Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}}))
			timeout, stopTimer := context.WithTimeout(context.Background(), 60*time.Second)
			defer stopTimer()
			ctx, cancel := d.Context(timeout) // ends early if serve returns
			defer cancel()

			var deadline time.Duration
			select {
			case deadline = <-started:
			case <-ctx.Done():
				t.Fatalf("the inject did not run: %v", context.Cause(ctx))
			}
			if deadline > tt.max || deadline <= tt.min {
				close(release)
				t.Fatalf("the executor's deadline is in %s, want in (%s, %s]", deadline, tt.min, tt.max)
			}
			wantStatus, wantMsg := openaev.StatusTimeout, "timed out with 1 partial result: 127.0.0.1: half done"
			if tt.min > 0 {
				close(release) // within the deadline: a success
				wantStatus, wantMsg = openaev.StatusSuccess, ""
			}
			done, err := p.WaitTerminal(ctx, "i-hang")
			if err != nil {
				t.Fatalf("no terminal callback: %v", err)
			}
			if got := done.Body["execution_status"]; got != wantStatus {
				t.Errorf("terminal execution_status %v, want %s (%v)", got, wantStatus, done.Body["execution_message"])
			}
			if msg, _ := done.Body["execution_message"].(string); !strings.Contains(msg, wantMsg) {
				t.Errorf("terminal execution_message %q, want it to say %q", msg, wantMsg)
			}
			if !done.Processed() {
				t.Errorf("terminal callback %s: %s", done.Outcome, done.Reason)
			}
			if code := d.Stop(t); code != 0 {
				t.Errorf("exit %d after cancellation, want 0", code)
			}
		})
	}
}

// TestIntegrationServeWarnsOfTheBrokerConsumerTimeout checks that serve
// warns at start, naming consumer_timeout and how to raise it, when an
// inject's message may stay unacknowledged longer than RabbitMQ's default
// consumer_timeout (30m): --timeout and 5 minutes for its callbacks. The
// broker would close its channel and deliver the message again to another
// daemon, which would run the inject a second time.
func TestIntegrationServeWarnsOfTheBrokerConsumerTimeout(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	const warning = "an inject may stay unacknowledged longer than RabbitMQ's default consumer_timeout"
	tests := []struct {
		name string
		args []string
		want time.Duration // handle_time logged, 0 for no warning
	}{
		{"default 10m", nil, 0},
		{"25m: 30m with its callbacks", []string{"--timeout", "25m"}, 0},
		{"26m", []string{"--timeout", "26m"}, 31 * time.Minute},
		{"2h", []string{"--timeout", "2h"}, 2*time.Hour + 5*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			servetest.PlatformQueue(t, p)
			d := serveWith(t, serveRegistry(), nil, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", "127.0.0.1:0", "--log-format", "json",
				"--outbox", "none"}, tt.args...)...)
			d.stderr.AwaitText(t, 30*time.Second, `"msg":"consuming"`)
			if code := d.Stop(t); code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			var warned []map[string]any
			for _, line := range strings.Split(d.stderr.String(), "\n") {
				var m map[string]any
				if strings.Contains(line, warning) && json.Unmarshal([]byte(line), &m) == nil {
					warned = append(warned, m)
				}
			}
			switch {
			case tt.want == 0 && len(warned) != 0:
				t.Errorf("warned of consumer_timeout: %v", warned)
			case tt.want == 0:
			case len(warned) != 1:
				t.Errorf("%d warnings of consumer_timeout, want 1:\n%s", len(warned), d.stderr)
			default:
				w := warned[0]
				msg, _ := w["msg"].(string)
				// JSON logs give durations in seconds.
				if w["level"] != "warn" || w["handle_time"] != tt.want.Seconds() || w["consumer_timeout"] != (30*time.Minute).Seconds() ||
					w["consumer_timeout_ms"] != float64(tt.want.Milliseconds()) ||
					!strings.Contains(msg, "rabbitmq.conf") || !strings.Contains(msg, "x-consumer-timeout") {
					t.Errorf("warning %v, want WARN with handle_time %s, consumer_timeout 30m, consumer_timeout_ms, how to raise it", w, tt.want)
				}
			}
		})
	}
}
