package query

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestExecuteNeverSentIsUnreached checks that a configuration whose query
// was never sent to the engine (the deadline or an interrupt came before
// its turn, or while it waited for the key's pace) is named in Unreached,
// with why: its signature then holds the run's status and that reason
// alone, no address, query or time a collector could match, while a
// configuration that was queried keeps its signatures
// (docs/wire-format.md, "Targets not reached").
func TestExecuteNeverSentIsUnreached(t *testing.T) {
	const (
		deadline    = "not queried: the deadline came before its query was sent"
		interrupted = "not queried: the run was interrupted before its query was sent"
	)
	two := []signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache", TargetIPv4: "192.0.2.50"}}
	tests := []struct {
		name string
		// run executes e's inject in its own way and returns the output.
		run  func(t *testing.T, in func(*Executor) *framework.Inject) (framework.ToolOutput, *framework.Inject)
		want []string // each target's reason, "" when reached
	}{
		{"interrupted while the first query waits for its answer", func(t *testing.T, inject func(*Executor) *framework.Inject) (framework.ToolOutput, *framework.Inject) {
			srv := newStandIn(t)
			srv.Enqueue(shodantest.Reply{Delay: time.Minute})
			e, _ := newTestExecutor(t, srv, map[string]string{SettingRequestTimeout: "1m"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-srv.Requested(1)
				cancel()
			}()
			in := inject(e)
			return e.Execute(ctx, in), in
		}, []string{"", interrupted}},
		{"deadline while the second query waits for the key's pace", func(t *testing.T, inject func(*Executor) *framework.Inject) (framework.ToolOutput, *framework.Inject) {
			var out framework.ToolOutput
			var in *framework.Inject
			synctest.Test(t, func(t *testing.T) {
				srv := shodantest.NewHandler(testKey) // one request a second
				e := New()
				if err := e.Configure(map[string]string{SettingShodanBaseURL: "http://127.0.0.1:1", SettingShodanAPIKey: testKey}); err != nil {
					t.Fatal(err)
				}
				e.client = &http.Client{Transport: handlerTransport{srv}}
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer cancel()
				in = inject(e)
				out = e.Execute(ctx, in)
				if n := len(srv.Requests()); n != 1 {
					t.Errorf("requests = %d, want 1 (the second query never sent)", n)
				}
			})
			return out, in
		}, []string{"", deadline}},
		{"deadline before the run", func(t *testing.T, inject func(*Executor) *framework.Inject) (framework.ToolOutput, *framework.Inject) {
			srv := newStandIn(t)
			e, _ := newTestExecutor(t, srv, nil)
			ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
			defer cancel()
			in := inject(e)
			out := e.Execute(ctx, in)
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("requests = %d, want none", n)
			}
			return out, in
		}, []string{deadline, deadline}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, in := tt.run(t, func(e *Executor) *framework.Inject {
				return newInject(t, zap.NewNop(), nil, two...)
			})
			if out.ExecutionStatus() != framework.StatusTimeout {
				t.Errorf("status %q, want timeout", out.ExecutionStatus())
			}
			want := map[framework.Target]string{}
			for i, why := range tt.want {
				if why != "" {
					want[in.Targets[i]] = why
				}
			}
			if !reflect.DeepEqual(out.Unreached, want) {
				t.Errorf("Unreached = %v, want %v", out.Unreached, want)
			}
			p, err := runtime.PayloadOf(signatures.NewManager(), in, out)
			if err != nil {
				t.Fatal(err)
			}
			for i, why := range tt.want {
				got := map[string]any{}
				for _, v := range p.Targets[i].SignatureValues[0].Values {
					got[v.SignatureType] = v.SignatureValue
				}
				if why == "" {
					if got["query"] == nil || got["start_time"] == nil {
						t.Errorf("targets[%d] (queried) = %v, want its query and times", i, got)
					}
					continue
				}
				if w := map[string]any{"execution_status": string(out.ExecutionStatus()), "not_reached": why}; !reflect.DeepEqual(got, w) {
					t.Errorf("targets[%d] (never queried) = %v, want %v alone", i, got, w)
				}
			}
		})
	}
}

// TestExecuteQueryThatNeverLeftIsUnreached: a query that never reached
// the engine is no fact a defence could have seen: an inject that could
// not run (no API key), an engine that refuses the connection or whose
// TLS handshake fails (no request went out) names every such target in
// Unreached, why in its not_reached, and its signature holds nothing a
// collector could match (no query, no time, no query_error); the run,
// none reached, is failed. A key the engine answers 401 to reached it:
// that configuration's signatures, query and query_error, are kept.
func TestExecuteQueryThatNeverLeftIsUnreached(t *testing.T) {
	two := []signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache", TargetIPv4: "192.0.2.50"}}
	tests := []struct {
		name string
		// settings returns the executor's settings over the stand-in's.
		settings func(t *testing.T, srv *shodantest.Server) map[string]string
		want     string // the not_reached reason; "" when reached
	}{
		{"no API key", func(*testing.T, *shodantest.Server) map[string]string {
			return map[string]string{SettingShodanAPIKey: ""}
		}, "not queried: missing API key (set env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)"},
		{"connection refused", func(t *testing.T, _ *shodantest.Server) map[string]string {
			return map[string]string{SettingShodanBaseURL: "http://127.0.0.1:" + strconv.Itoa(testkit.ClosedPort(t, "tcp4", "127.0.0.1:0"))}
		}, "not queried: its request never reached the engine (connect: connection refused)"},
		{"TLS handshake failed", func(t *testing.T, srv *shodantest.Server) map[string]string {
			return map[string]string{SettingShodanBaseURL: strings.Replace(srv.URL, "http://", "https://", 1)}
		}, "not queried: its request never reached the engine (http: server gave HTTP response to HTTPS client)"},
		{"key refused by the engine", func(*testing.T, *shodantest.Server) map[string]string {
			return map[string]string{SettingShodanAPIKey: "not-the-key-1234"}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			e, _ := newTestExecutor(t, srv, tt.settings(t, srv))
			in := newInject(t, zap.NewNop(), nil, two...)
			out := e.Execute(context.Background(), in)
			if out.ExecutionStatus() != framework.StatusFailed {
				t.Errorf("status %q, want failed", out.ExecutionStatus())
			}
			p, err := runtime.PayloadOf(signatures.NewManager(), in, out)
			if err != nil {
				t.Fatal(err)
			}
			for i := range two {
				got := map[string]any{}
				for _, v := range p.Targets[i].SignatureValues[0].Values {
					got[v.SignatureType] = v.SignatureValue
				}
				if tt.want == "" {
					if i > 0 {
						continue // no query follows a refused key: TestRefusedKeyStopsTheRun
					}
					if got["query"] == nil || got["start_time"] == nil || got[ExtraQueryError] == nil {
						t.Errorf("targets[%d] (queried, refused) = %v, want its query, times and query_error", i, got)
					}
					if out.Unreached[in.Targets[i]] != "" {
						t.Errorf("targets[%d] named not reached: %q", i, out.Unreached[in.Targets[i]])
					}
					continue
				}
				if w := map[string]any{"execution_status": "failed", "not_reached": tt.want}; !reflect.DeepEqual(got, w) {
					t.Errorf("targets[%d] (never queried) = %v, want %v alone", i, got, w)
				}
			}
			if n := len(srv.Requests()); tt.want != "" && n != 0 {
				t.Errorf("the engine got %d requests", n)
			}
		})
	}
}
