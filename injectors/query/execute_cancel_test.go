package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
)

func TestExecuteCancelled(t *testing.T) {
	srv := newStandIn(t)
	srv.Enqueue(shodantest.Reply{Status: 200, Body: string(shodantest.Fixture("nginx-page-1.json"))}, shodantest.Reply{Delay: time.Minute})
	e, _ := newTestExecutor(t, srv, map[string]string{SettingRequestTimeout: "1m"})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-srv.Requested(2)
		cancel()
	}()
	in := newInject(t, zap.NewNop(), nil,
		signatures.ExternalConfig{Query: "nginx"},
		signatures.ExternalConfig{Query: "apache"},
		signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"})
	out := e.Execute(ctx, in)
	if out.ExecutionStatus() != framework.StatusTimeout {
		t.Fatalf("status %q; want timeout", out.ExecutionStatus())
	}
	if got := in.PartialResults(); len(got) != 1 || !strings.HasPrefix(got[0], "nginx: 13 of 13") {
		t.Errorf("partial results = %q", got)
	}
	rs := results(t, out)
	want := []string{ResultSuccess, ResultCancelled, ResultCancelled}
	for i := range want {
		if rs[i].Status != want[i] {
			t.Errorf("results[%d].status = %s, want %s", i, rs[i].Status, want[i])
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("requests = %d, want 2 (the third query never sent)", n)
	}
}

// TestExecuteCutOffMidPaging checks that a configuration cut off while it
// pages (deadline or signal) sends the matches of the pages it received
// as its partial_results, as the run's other configurations do.
func TestExecuteCutOffMidPaging(t *testing.T) {
	nginx := shodantest.Reply{Body: string(shodantest.Fixture("nginx-page-1.json"))}
	apache := func(n int) shodantest.Reply {
		return shodantest.Reply{Body: string(shodantest.Fixture(fmt.Sprintf("apache-page-%d.json", n)))}
	}
	tests := []struct {
		name    string
		replies []shodantest.Reply // then a reply that never comes
		cfgs    []signatures.ExternalConfig
		want    []string // each target's partial results
	}{
		{"second configuration on page 2", []shodantest.Reply{nginx, apache(1)},
			[]signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache"}},
			[]string{"nginx: 13 of 13 matches", "apache: 100 of 250 matches"}},
		{"only configuration on page 3", []shodantest.Reply{apache(1), apache(2)},
			[]signatures.ExternalConfig{{Query: "apache"}},
			[]string{"apache: 200 of 250 matches"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(append(tt.replies, shodantest.Reply{Delay: time.Minute})...)
			e, _ := newTestExecutor(t, srv, map[string]string{SettingRequestTimeout: "1m"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-srv.Requested(len(tt.replies) + 1)
				cancel()
			}()
			in := newInject(t, zap.NewNop(), &Params{MaxResults: 300, Provider: ProviderShodan}, tt.cfgs...)
			out := e.Execute(ctx, in)
			if out.ExecutionStatus() != framework.StatusTimeout {
				t.Fatalf("status %q, want timeout", out.ExecutionStatus())
			}
			p, err := runtime.PayloadOf(signatures.NewManager(), in, out)
			if err != nil {
				t.Fatal(err)
			}
			for i, pt := range p.Targets {
				var got []string
				for _, g := range pt.SignatureValues {
					for _, v := range g.Values {
						if v.SignatureType == "partial_results" {
							got, _ = v.SignatureValue.([]string)
						}
					}
				}
				if !slices.Equal(got, tt.want[i:i+1]) {
					t.Errorf("targets[%d] partial_results = %q, want %q", i, got, tt.want[i:i+1])
				}
			}
		})
	}
}

func TestExecuteCancelledBeforeAnyResult(t *testing.T) {
	srv := newStandIn(t)
	srv.Enqueue(shodantest.Reply{Delay: time.Minute})
	e, _ := newTestExecutor(t, srv, map[string]string{SettingRequestTimeout: "1m"})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-srv.Requested(1)
		cancel()
	}()
	out := e.Execute(ctx, newInject(t, zap.NewNop(), nil, signatures.ExternalConfig{Query: "nginx"}, signatures.ExternalConfig{Query: "apache"}))
	if out.ExecutionStatus() != framework.StatusTimeout || out.ErrorInfo != nil {
		t.Fatalf("status %q, error %+v; want timeout and no error info", out.ExecutionStatus(), out.ErrorInfo)
	}
	for i, r := range results(t, out) {
		if r.Status != ResultCancelled {
			t.Errorf("results[%d].status = %s, want cancelled", i, r.Status)
		}
	}
}
