package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestEveryAgentOfAnAssetGetsItsSignatures checks that the platform
// attaches a target's signatures to the expectations of every agent of
// its asset, each once, whether the asset comes from the message or from
// an asset group, in one body or split into data callbacks: the platform
// resolves a target naming an agent to that agent's expectations only
// (openaevtest, rule 5).
func TestEveryAgentOfAnAssetGetsItsSignatures(t *testing.T) {
	// a1 has three agents (one listed twice), a2 one, a3 none.
	inventory := []map[string]any{
		asset("asset", "a1", "", "192.0.2.1", nil, "ag1", "ag2", "ag1", "ag3"),
		asset("asset", "a2", "", "192.0.2.2", nil, "ag4"),
		asset("asset", "a3", "web.example.com", "", nil),
	}
	expectations := []openaevtest.Expectation{{Agent: "ag1", Asset: "a1"}, {Agent: "ag2", Asset: "a1"},
		{Agent: "ag3", Asset: "a1"}, {Agent: "ag4", Asset: "a2"}, {Asset: "a3"}}
	tests := []struct {
		name     string
		selector string
		limit    int64
		data     bool // data callbacks carry some of the signatures
	}{
		{"assets", "assets", openaev.MaxMaxPayloadSize, false},
		{"assets split into data callbacks", "assets", 2048, true},
		{"asset groups", "asset-groups", openaev.MaxMaxPayloadSize, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, tt.limit, false)
			content := map[string]any{"target_selector": tt.selector,
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
			assets, groups := inventory, []map[string]any(nil)
			group := ""
			if tt.selector == "asset-groups" {
				group = "grp-1"
				e.platform.SetAssetGroup(group, inventory...)
				assets, groups = nil, []map[string]any{{"asset_group_id": group, "asset_group_name": "Servers"}}
			}
			if err := e.proc.Process(context.Background(), e.message(t, "inj-agents", "noop", content, assets, groups)); err != nil {
				t.Fatal(err)
			}
			data := 0
			for _, c := range e.platform.Calls("inj-agents") {
				if c.Kind == openaevtest.KindData {
					data++
				}
				if (c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData) && !c.Processed() {
					t.Fatalf("%s callback %s: %s", c.Kind, c.Outcome, c.Reason)
				}
				if len(c.SignaturesRepeated) > 0 { // stored once all the same (openaevtest, rule 5)
					t.Errorf("%s callback sent %d signatures its expectations held already", c.Kind, len(c.SignaturesRepeated))
				}
			}
			if (data > 0) != tt.data {
				t.Errorf("%d data callbacks", data)
			}
			for _, x := range expectations {
				x.AssetGroup = group
				got := e.platform.ExpectationSignatures("inj-agents", x)
				for _, typ := range []string{"DETECTION", "PREVENTION"} {
					seen := map[string]bool{}
					for _, s := range got[typ] {
						k := s.Type + "=" + s.Value
						if seen[k] {
							t.Errorf("%+v: %s %s stored twice", x, typ, k)
						}
						seen[k] = true
					}
					if !seen["start_date="+testClock.Format("2006-01-02T15:04:05Z")] {
						t.Errorf("%+v: no %s signatures (got %v)", x, typ, fmt.Sprint(got[typ]))
					}
				}
			}
		})
	}
}

// TestEveryAgentOfAnAssetIsValidated checks that a blank agent id, or one
// holding a control or format character, is refused wherever it stands
// among an asset's agents, as the first one is: each goes out as a
// signature target's agent. The inject is rejected (INVALID_USAGE naming
// the agent's position and value) and nothing runs.
func TestEveryAgentOfAnAssetIsValidated(t *testing.T) {
	tests := []struct {
		name   string
		agents []string
		want   string
	}{
		{"blank first agent", []string{"  ", "good-1"}, `invalid targets[1].agent "  ": blank`},
		{"blank second agent", []string{"good-1", "  "}, `invalid targets[1].agents[1] "  ": blank`},
		{"control character in the second agent", []string{"good-1", "bad\actl"}, `invalid targets[1].agents[1] "bad\actl": holds the non-printable character U+0007`},
		{"format character in the third agent", []string{"good-1", "good-2", "\u200bzw"}, `invalid targets[1].agents[2] "\u200bzw": holds the non-printable character U+200B`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			content := map[string]any{"target_selector": "assets"}
			assets := []map[string]any{asset("asset", "a0", "", "192.0.2.1", nil, "ag0"),
				asset("asset", "a1", "", "192.0.2.2", nil, tt.agents...)}
			err := e.proc.Process(context.Background(), e.message(t, "inj-ag", "noop", content, assets, nil))
			wantMessageError("inj-ag")(t, err)
			calls := withoutSettings(e.platform.AllCalls())
			if got := strings.Join(kinds(calls), ", "); got != "reception 200, complete 200" {
				t.Errorf("calls = %q, want the reception and the terminal callback alone", got)
			}
			last := calls[len(calls)-1].Body
			if msg, _ := last["execution_message"].(string); last["execution_status"] != "INVALID_USAGE" || !strings.Contains(msg, tt.want) {
				t.Errorf("terminal = %v %q, want INVALID_USAGE %q", last["execution_status"], msg, tt.want)
			}
		})
	}
}

// Asset groups are paged once per distinct id; the Running trace names
// only the groups that gave a target, each once, and the trace and a WARN
// log say which gave none and why (no endpoints on the platform, which is
// also how the platform answers a group it does not know, or none usable).
// When none gives a target, the refusal names them.
func TestProcessAssetGroupsThatGiveNoTarget(t *testing.T) {
	servers := map[string]any{"asset_group_id": "g-ok", "asset_group_name": "Servers"}
	empty := map[string]any{"asset_group_id": "g-empty", "asset_group_name": "Empty"}
	unknown := map[string]any{"asset_group_id": "g-unknown", "asset_group_name": "NotOnPlatform"}
	skipped := map[string]any{"asset_group_id": "g-skip", "asset_group_name": "AllSkipped"}
	tests := []struct {
		name       string
		groups     []map[string]any
		wantNamed  []string // the groups of the Running trace
		wantBarren []string // the groups said to give no target
	}{
		{"a group twice, empty, unknown and unusable groups", []map[string]any{servers, empty, servers, unknown, skipped},
			[]string{"Servers"}, []string{"g-empty (Empty)", "g-unknown (NotOnPlatform)", "g-skip (AllSkipped)"}},
		{"no group gives a target", []map[string]any{empty, unknown, empty},
			nil, []string{"g-empty (Empty)", "g-unknown (NotOnPlatform)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.platform.SetAssetGroup("g-ok", asset("asset", "a1", "", "192.0.2.1", nil, "ag1"))
			e.platform.SetAssetGroup("g-empty")
			e.platform.SetAssetGroup("g-skip", asset("asset", "k1", "", "127.0.0.1", nil, "agk1"))
			body := e.message(t, "inj-g", "noop", map[string]any{"target_selector": "asset-groups"}, nil, tt.groups)
			err := e.proc.Process(context.Background(), body)

			distinct := map[string]bool{}
			for _, g := range tt.groups {
				distinct[g["asset_group_id"].(string)] = true
			}
			if n := len(e.platform.TargetQueries()); n != len(distinct) {
				t.Errorf("%d asset-group pages asked for %d distinct groups (one page each)", n, len(distinct))
			}
			if tt.wantNamed == nil {
				var me *openaev.MessageError
				if !errors.As(err, &me) {
					t.Fatalf("err = %v, want the inject refused", err)
				}
				for _, g := range tt.wantBarren {
					if !strings.Contains(me.Reason, "asset group "+g+" has no endpoints on the platform") {
						t.Errorf("refusal %q does not say group %s has no endpoints", me.Reason, g)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			trace, _ := e.platform.Calls("inj-g")[1].Body["execution_message"].(string)
			_, named, ok := strings.Cut(trace, "(asset groups ")
			named, _, _ = strings.Cut(named, ")")
			if !ok || !slices.Equal(strings.Split(named, ", "), tt.wantNamed) {
				t.Errorf("trace %q names asset groups %q, want %q", trace, named, tt.wantNamed)
			}
			var warned []string
			for _, l := range e.logs.FilterMessage("asset groups gave no target").All() {
				gs, _ := l.ContextMap()["groups"].(string)
				warned = append(warned, gs)
			}
			for _, g := range tt.wantBarren {
				if !strings.Contains(trace, "asset group "+g) {
					t.Errorf("trace %q does not name group %s, which gave no target", trace, g)
				}
				if len(warned) != 1 || !strings.Contains(warned[0], "asset group "+g) {
					t.Errorf("WARN logs %q do not name group %s once", warned, g)
				}
			}
		})
	}
}

// An asset's host name is resolved with the runtime's resolver (the one
// its signatures look routes up with) before it is taken as a target: a
// name that resolves only to loopback (the machine's own name, as
// /etc/hosts maps it) is skipped as a loopback address is, named in the
// trace, and an inject none of whose assets is left is refused, nothing
// run.
func TestProcessAssetNamedLoopbackIsSkipped(t *testing.T) {
	e := newEnv(t)
	lookup := func(_ context.Context, host string) ([]string, error) {
		switch host {
		case "box.lan":
			return []string{"127.0.1.1"}, nil
		case "web.lan":
			return []string{"192.0.2.20"}, nil
		}
		return nil, errors.New("no such host")
	}
	e.build(testManifests(), runtime.WithSignatures(signatures.NewManager(
		signatures.WithClock(func() time.Time { return testClock }),
		signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }, LookupHost: lookup}))))
	const skipped = "skipped: asset a-box (hostname box.lan resolves to no usable address (127.0.1.1 is loopback))"
	tests := []struct {
		id      string
		assets  []map[string]any
		status  string
		message string
		runs    int32
	}{
		{"inj-some", []map[string]any{asset("asset", "a-box", "box.lan", "", nil), asset("asset", "a-web", "web.lan", "", nil)},
			"INFO", "Running nmap on 1 target: web.lan; " + skipped, 1},
		{"inj-none", []map[string]any{asset("asset", "a-box", "box.lan", "", nil), asset("asset", "a-lo", "LOCALHOST.", "", nil)},
			"INVALID_USAGE", "no targets for selector assets (skipped: asset a-box (hostname box.lan resolves to no usable address " +
				"(127.0.1.1 is loopback)); asset a-lo (hostname LOCALHOST. is loopback))", 0},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			before := e.nmap.calls.Load()
			body := e.message(t, tt.id, "nmap", map[string]any{"target_selector": "assets", "target_property_selector": "hostname"}, tt.assets, nil)
			err := e.proc.Process(context.Background(), body)
			var me *openaev.MessageError
			if (tt.runs == 0) != errors.As(err, &me) {
				t.Fatalf("Process: %v", err)
			}
			calls := e.platform.Calls(tt.id)
			msg := calls[1].Body["execution_message"]
			if calls[1].Body["execution_status"] != tt.status || !strings.Contains(msg.(string), tt.message) {
				t.Errorf("%s %v, want %s %q", calls[1].Body["execution_status"], msg, tt.status, tt.message)
			}
			if n := e.nmap.calls.Load() - before; n != tt.runs {
				t.Errorf("%d runs, want %d", n, tt.runs)
			}
		})
	}
}

// An asset's host name is resolved before the run only for an injector
// that acts on its targets' addresses (a framework.DirectSender: nmap),
// the one whose scan of a name resolving to loopback would reach the
// injector's own host: for noop, which contacts no target, the resolver
// is never asked, and the name is its target all the same. For nmap it is
// asked once: the run's route lookups (the source of the name's
// signatures) take what was resolved before the run.
func TestProcessResolvesAssetNamesOnlyForADirectSender(t *testing.T) {
	tests := []struct {
		injector string
		asked    []string
	}{
		{"noop", nil},
		{"nmap", []string{"web.lan"}},
	}
	for _, tt := range tests {
		t.Run(tt.injector, func(t *testing.T) {
			e := newEnv(t)
			var (
				mu    sync.Mutex
				asked []string
			)
			lookup := func(_ context.Context, host string) ([]string, error) {
				mu.Lock()
				defer mu.Unlock()
				asked = append(asked, host)
				return []string{"192.0.2.20"}, nil
			}
			e.build(testManifests(), runtime.WithSignatures(signatures.NewManager(
				signatures.WithClock(func() time.Time { return testClock }),
				signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }, LookupHost: lookup,
					Route: func(netip.Addr) (netip.Addr, error) { return netip.MustParseAddr("192.0.2.11"), nil }}))))
			id := "inj-" + tt.injector
			body := e.message(t, id, tt.injector, map[string]any{"target_selector": "assets", "target_property_selector": "hostname"},
				[]map[string]any{asset("asset", "a-web", "web.lan", "", nil)}, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if calls := e.platform.Calls(id); calls[len(calls)-1].Body["execution_status"] != "SUCCESS" {
				t.Errorf("terminal callback %v, want SUCCESS", calls[len(calls)-1].Body)
			}
			if !slices.Equal(asked, tt.asked) {
				t.Errorf("resolver asked %q, want %q", asked, tt.asked)
			}
		})
	}
}
