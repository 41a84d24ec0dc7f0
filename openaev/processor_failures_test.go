package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
)

func TestProcessFailures(t *testing.T) {
	oneTarget := map[string]any{"targets": "192.0.2.1"}
	tests := []struct {
		name  string
		setup func(e *env)
		// The message: raw as is, else one for inj-f naming injector with
		// content.
		raw      string
		injector string
		content  map[string]any
		// rejected: inj-f's reception, then a terminal INVALID_USAGE whose
		// message holds rejected, and a *MessageError; nothing runs.
		rejected  string
		wantCalls string
		// wantStatus/wantMessage check the terminal callback, if any.
		wantStatus, wantMessage string
		check                   func(t *testing.T, err error)
		ran                     bool
		// warn is a WARN line logged once, its error holding warnErr.
		warn, warnErr string
	}{
		{name: "malformed JSON: rejected, nothing sent", raw: `{"injection": {`, check: wantMessageError("")},
		{name: "no inject id: rejected, nothing sent", raw: `{"injection":{"inject_content":{}}}`, check: wantMessageError("")},
		// A dot segment would turn /api/injects/execution/reception/..
		// into another route: nothing is sent for it, and the error names
		// no inject (InjectID empty: nothing sent).
		{name: "inject id a dot segment: rejected, nothing sent", raw: `{"injection":{"inject_id":"..","inject_content":{"targets":"192.0.2.1"}}}`,
			check: wantMessageError("")},
		{name: "malformed asset with an inject id: reception and INVALID_USAGE", setup: func(e *env) { e.platform.AddInject("inj-f", "") },
			raw:      `{"injection":{"inject_id":"inj-f"},"assets":[{"asset_ips":"nope"}]}`,
			rejected: "Inject rejected: malformed message: asset_ips: not a list of strings"},
		{name: "hostile manual target: reception and INVALID_USAGE, no run", injector: "nmap",
			content:  map[string]any{"target_selector": "manual", "targets": "192.0.2.1,-oN/x"},
			rejected: `Inject rejected: invalid inject_content.targets "-oN/x": item 2 of 2: host name label starts or ends with '-'`},
		{name: "no targets: reception and INVALID_USAGE", injector: "nmap", content: map[string]any{"target_selector": "assets"},
			rejected: "Inject rejected: no targets: no targets for selector assets"},
		{name: "unknown contract: reception and INVALID_USAGE", injector: "nuclei", content: oneTarget, rejected: "unknown contract"},
		{name: "params the injector refuses: INVALID_USAGE after reception", injector: "noop",
			content: map[string]any{"targets": "192.0.2.1", "delay": "soon"}, rejected: "Inject rejected: invalid inject_content.delay \"soon\""},
		{name: "tool failure: delivered as ERROR, not an error", setup: func(e *env) { e.nmap.fail = "nmap: boom" },
			injector: "nmap", content: oneTarget, ran: true,
			wantCalls: "reception 200, trace 200, complete 200", wantStatus: "ERROR",
			wantMessage: "nmap on 1 target: failed (exit code 1): nmap: boom"},
		{name: "timeout: TIMEOUT with the partial results",
			setup:    func(e *env) { e.nmap.block = true; e.build(testManifests(), runtime.WithTimeout(20*time.Millisecond)) },
			injector: "nmap", content: oneTarget, ran: true,
			wantCalls: "reception 200, trace 200, complete 200", wantStatus: "TIMEOUT",
			wantMessage: "nmap on 1 target: timed out with 1 partial result: first host done"},
		{name: "409 on complete is retried", setup: func(e *env) { e.platform.FailComplete("inj-f", http.StatusConflict, 2) },
			injector: "noop", content: oneTarget, wantStatus: "SUCCESS", wantMessage: "noop on 1 target: succeeded",
			wantCalls: "reception 200, trace 200, complete 409, inject 200, complete 409, inject 200, complete 200"},
		{name: "a gateway's 504 on complete: retried, its findings read first", setup: func(e *env) { e.platform.FailComplete("inj-f", http.StatusGatewayTimeout, 1) },
			injector: "noop", content: oneTarget, wantStatus: "SUCCESS", wantMessage: "noop on 1 target: succeeded",
			wantCalls: "reception 200, trace 200, complete 504, inject 200, findings 200, complete 200"},
		{name: "5xx on reception and trace is retried",
			setup:    func(e *env) { e.platform.FailReception("inj-f", 502, 1); e.platform.FailTrace("inj-f", 500, 1) },
			injector: "noop", content: oneTarget, wantStatus: "SUCCESS", wantMessage: "noop on 1 target: succeeded",
			wantCalls: "reception 502, reception 200, trace 500, trace 200, complete 200"},
		{name: "a lost trace does not stop the run", setup: func(e *env) { e.platform.FailTrace("inj-f", 400, 1) },
			injector: "noop", content: oneTarget, wantStatus: "SUCCESS", wantMessage: "noop on 1 target: succeeded",
			wantCalls: "reception 200, trace 400, complete 200", warn: "trace not delivered", warnErr: "trace rejected: status 400"},
		// The run waits for every attempt of its trace (the README's
		// serve section gives the bound), then goes on.
		{name: "a trace failing every attempt: retried, then the run goes on",
			setup:    func(e *env) { e.platform.FailTrace("inj-f", http.StatusServiceUnavailable, 4) },
			injector: "noop", content: oneTarget, wantStatus: "SUCCESS", wantMessage: "noop on 1 target: succeeded",
			wantCalls: "reception 200, trace 503, trace 503, trace 503, trace 503, complete 200",
			warn:      "trace not delivered", warnErr: "trace failed after 4 attempts: status 503"},
		{name: "complete refused for good", setup: func(e *env) { e.platform.FailComplete("inj-f", http.StatusBadRequest, 5) },
			injector: "noop", content: oneTarget, wantCalls: "reception 200, trace 200, complete 400",
			check: func(t *testing.T, err error) {
				var me *openaev.MessageError
				if !errors.Is(err, openaev.ErrPermanent) || errors.As(err, &me) {
					t.Errorf("err = %v, want ErrPermanent and no MessageError", err)
				}
			}},
		{name: "complete undeliverable: error for requeue", setup: func(e *env) { e.platform.FailComplete("inj-f", http.StatusServiceUnavailable, 99) },
			injector: "noop", content: oneTarget,
			wantCalls: "reception 200, trace 200, complete 503, inject 200, complete 503, inject 200, complete 503, inject 200, complete 503",
			check: func(t *testing.T, err error) {
				if !errors.Is(err, openaev.ErrRetriesExhausted) || !strings.Contains(err.Error(), "inj-f") {
					t.Errorf("err = %v, want ErrRetriesExhausted naming the inject", err)
				}
			}},
		// A 404 is read back: the platform answers so for an inject it
		// holds without a status too (MessageError.Statusless).
		{name: "reception refused: rejected, nothing runs", setup: func(e *env) { e.platform.FailReception("inj-f", http.StatusNotFound, 1) },
			injector: "nmap", content: oneTarget, wantCalls: "reception 404, inject 200", check: wantMessageError("inj-f")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rejected != "" {
				tt.wantCalls, tt.wantStatus, tt.wantMessage = "reception 200, complete 200", "INVALID_USAGE", tt.rejected
				tt.check = wantMessageError("inj-f")
			}
			e := newEnv(t)
			e.nmap.open = map[string][]int{"192.0.2.1": {22}}
			if tt.setup != nil {
				tt.setup(e)
			}
			body := []byte(tt.raw)
			if tt.raw == "" {
				body = e.message(t, "inj-f", tt.injector, tt.content, nil, nil)
			}
			err := e.proc.Process(context.Background(), body)
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			calls := withoutSettings(e.platform.AllCalls())
			if got := strings.Join(kinds(calls), ", "); got != tt.wantCalls {
				t.Errorf("calls = %q, want %q", got, tt.wantCalls)
			}
			if ran := e.nmap.calls.Load() > 0; ran != tt.ran {
				t.Errorf("nmap ran: %v, want %v", ran, tt.ran)
			}
			if tt.wantStatus != "" {
				last := calls[len(calls)-1].Body
				if last["execution_status"] != tt.wantStatus || !strings.Contains(last["execution_message"].(string), tt.wantMessage) {
					t.Errorf("terminal = %v %q, want %s %q", last["execution_status"], last["execution_message"], tt.wantStatus, tt.wantMessage)
				}
				if last["execution_action"] != "complete" {
					t.Errorf("terminal action = %v", last["execution_action"])
				}
			}
			if tt.warn != "" {
				w := e.logs.FilterMessage(tt.warn).All()
				if len(w) != 1 || w[0].Level != zapcore.WarnLevel || !strings.Contains(fmt.Sprint(w[0].ContextMap()["error"]), tt.warnErr) {
					t.Errorf("%q lines %v, want one WARN whose error holds %q", tt.warn, w, tt.warnErr)
				}
			}
			assertNoSecret(t, e.logs, testToken)
		})
	}
}

func wantMessageError(injectID string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var me *openaev.MessageError
		if !errors.As(err, &me) {
			t.Fatalf("err = %v, want a *MessageError", err)
		}
		if me.InjectID != injectID {
			t.Errorf("MessageError.InjectID = %q, want %q", me.InjectID, injectID)
		}
		if strings.TrimSpace(me.Reason) == "" {
			t.Error("MessageError without a reason")
		}
	}
}

func TestProcessCancelledWhilePaging(t *testing.T) {
	e := newEnv(t, openaev.WithRetry(10, 50*time.Millisecond))
	e.platform.SetAssetGroup("g", asset("asset", "a1", "", "192.0.2.1", nil, "ag"))
	e.platform.FailTargets(http.StatusServiceUnavailable, 99)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	body := e.message(t, "inj-c", "noop", map[string]any{"target_selector": "asset-groups"}, nil,
		[]map[string]any{{"asset_group_id": "g"}})
	err := e.proc.Process(ctx, body)
	var me *openaev.MessageError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &me) {
		t.Fatalf("err = %v, want the context's error, not a MessageError", err)
	}
	if _, done := e.platform.Terminal("inj-c"); done {
		t.Error("a terminal callback was sent for an inject that did not run")
	}
}

// Asset-group paging the platform refuses for good (403: no right, 404:
// the group is gone) is the inject's ERROR, its message rejected (a
// *MessageError); paging the platform fails after every attempt (a 5xx, a
// 429) is no fault of the message: the platform is told nothing (no
// reception, no ERROR) and Process returns a *TargetsUnavailableError
// saying the platform failed, worth handling again, not a *MessageError.
func TestProcessAssetGroupPagingFailures(t *testing.T) {
	tests := []struct {
		status  int
		refused bool // for good: reception and ERROR, *MessageError
	}{
		{http.StatusForbidden, true},
		{http.StatusNotFound, true},
		{http.StatusInternalServerError, false},
		{http.StatusServiceUnavailable, false},
		{http.StatusTooManyRequests, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := newEnv(t)
			e.platform.AddInject("inj-p", openaev.ContractID("noop"))
			e.platform.SetAssetGroup("g", asset("asset", "a1", "", "192.0.2.1", nil, "ag"))
			e.platform.FailTargets(tt.status, openaev.DefaultAttempts)
			body := e.message(t, "inj-p", "noop", map[string]any{"target_selector": "asset-groups"}, nil,
				[]map[string]any{{"asset_group_id": "g", "asset_group_name": "Servers"}})
			err := e.proc.Process(context.Background(), body)
			var me *openaev.MessageError
			var tu *openaev.TargetsUnavailableError
			c, sent := e.platform.Terminal("inj-p")
			if tt.refused {
				if !errors.As(err, &me) || errors.As(err, &tu) {
					t.Fatalf("err = %v, want a MessageError", err)
				}
				want := fmt.Sprintf("asset group Servers: endpoint targets rejected: status %d", tt.status)
				if !sent || c.Body["execution_status"] != "ERROR" || !strings.Contains(c.Body["execution_message"].(string), want) {
					t.Errorf("terminal %v, want ERROR saying %q", c.Body, want)
				}
				return
			}
			if !errors.As(err, &tu) || errors.As(err, &me) || tu.InjectID != "inj-p" {
				t.Fatalf("err = %v, want a TargetsUnavailableError of inj-p, no MessageError", err)
			}
			want := fmt.Sprintf("inject inj-p not run: the platform failed to list its targets: asset group Servers: endpoint targets failed after %d attempts: status %d",
				openaev.DefaultAttempts, tt.status)
			if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "invalid message") {
				t.Errorf("err = %q, want it to start %q", err, want)
			}
			if calls := e.platform.Calls("inj-p"); len(calls) != 0 || sent {
				t.Errorf("the platform was told %v (terminal %v): want nothing for a failure a later try may not meet", calls, c.Body)
			}
			if st := e.platform.InjectStatus("inj-p"); st != "QUEUING" {
				t.Errorf("inject %s, want it left QUEUING", st)
			}
		})
	}
}

// panickyNmap is the fake nmap with a Configure or a Close that panics.
type panickyNmap struct {
	*fakeNmap
	panics string
}

func (p *panickyNmap) Configure(map[string]string) error {
	if p.panics == "Configure" {
		panic("bad settings")
	}
	return nil
}

func (p *panickyNmap) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	if p.panics == "Execute" {
		panic("bad run")
	}
	return p.fakeNmap.Execute(ctx, in)
}

func (p *panickyNmap) Close() error {
	if p.panics == "Close" {
		panic("bad close")
	}
	return nil
}

// A panic of an injector's Configure or Execute is reported to the platform as a
// failed inject (ERROR, naming the injector and the method), never left
// queued; a panic of its Close, once the inject was reported, settles the
// message, logged.
func TestProcessPanickingInjector(t *testing.T) {
	tests := []struct {
		panics, status, message string
		ran                     bool
	}{
		{"Configure", "ERROR", "injector nmap: Configure panicked: bad settings", false},
		{"Execute", "ERROR", "injector nmap: Execute panicked: bad run", false},
		{"Close", "SUCCESS", "nmap on 1 target", true},
	}
	for _, tt := range tests {
		t.Run(tt.panics, func(t *testing.T) {
			e := newEnv(t)
			e.nmap.open = map[string][]int{"192.0.2.1": {22}}
			e.registry = framework.NewRegistry()
			e.registry.Register("nmap", func() framework.Executor { return &panickyNmap{fakeNmap: e.nmap, panics: tt.panics} })
			e.build(testManifests())
			body := e.message(t, "inj-p", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatalf("Process: %v", err)
			}
			c, ok := e.platform.Terminal("inj-p")
			if !ok || c.Body["execution_status"] != tt.status || !strings.Contains(c.Body["execution_message"].(string), tt.message) {
				t.Errorf("terminal %v, want %s %q", c.Body, tt.status, tt.message)
			}
			if ran := e.nmap.calls.Load() > 0; ran != tt.ran {
				t.Errorf("nmap ran: %v, want %v", ran, tt.ran)
			}
			if tt.panics == "Close" && e.logs.FilterMessage("injector panicked; its inject is settled").Len() != 1 {
				t.Errorf("the Close panic is not logged once: %v", e.logs.All())
			}
		})
	}
}
