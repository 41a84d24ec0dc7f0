package openaev_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestProcessSignatureGroupsOfMessageTypes checks that a message listing
// its expectations gets the signature groups of the DETECTION and
// PREVENTION types it names, none when it names none (only MANUAL, an
// empty list; the platform's own injectors build them from that list),
// and that only a message without the list gets the manifest's; the
// platform processes each complete. So does serve's result sent without
// storing it, the outbox full.
func TestProcessSignatureGroupsOfMessageTypes(t *testing.T) {
	exp := func(types ...string) []map[string]any {
		out := []map[string]any{}
		for _, typ := range types {
			out = append(out, map[string]any{"expectation_type": typ})
		}
		return out
	}
	tests := []struct {
		name         string
		expectations any // nil: no key
		want         []string
	}{
		{"no list: the manifest's", nil, []string{"DETECTION", "PREVENTION"}},
		{"only manual", exp("MANUAL"), nil},
		{"empty list", exp(), nil},
		{"only vulnerability", exp("VULNERABILITY"), nil},
		{"prevention and manual", exp("MANUAL", "PREVENTION"), []string{"PREVENTION"}},
		{"detection", exp("DETECTION"), []string{"DETECTION"}},
	}
	for _, tt := range tests {
		for _, serving := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, serve with a full outbox %v", tt.name, serving), func(t *testing.T) {
				content := map[string]any{"target_selector": "assets"}
				if tt.expectations != nil {
					content["expectations"] = tt.expectations
				}
				assets := []map[string]any{asset("asset", "a1", "", "192.0.2.1", nil, "ag1")}
				var e *env
				if serving {
					s := newServeEnv(t, serveOpts{outbox: true, outboxMax: 64 << 10})
					s.nmap.during = func() { s.fillOutbox(t) } // no room left for the result
					if err := s.handler.Handle(context.Background(), s.message(t, "i-1", "nmap", content, assets, nil)); err != nil {
						t.Fatal(err)
					}
					e = s.env
				} else {
					e = newEnv(t)
					e.register(t)
					e.nmap.open = map[string][]int{"192.0.2.1": {22}}
					if err := e.proc.Process(context.Background(), e.message(t, "i-1", "nmap", content, assets, nil)); err != nil {
						t.Fatal(err)
					}
				}
				done, _ := e.platform.Terminal("i-1")
				if !done.Processed() {
					t.Fatalf("terminal callback %s: %s", done.Outcome, done.Reason)
				}
				var got []string
				for typ := range signatureValues(t, expectationSignatures(t, done))["a1"] {
					got = append(got, typ)
				}
				slices.Sort(got)
				if !slices.Equal(got, tt.want) {
					t.Errorf("signature groups %v, want %v", got, tt.want)
				}
				if stored := e.platform.Signatures("i-1"); len(stored) != len(tt.want) {
					t.Errorf("stored signatures of %d types, want %v", len(stored), tt.want)
				}
			})
		}
	}
}

// A malformed message that names its inject is received as one of an
// unknown contract is ("message received", its inject id), then refused;
// one naming no inject is not received.
func TestProcessMalformedMessageReceived(t *testing.T) {
	tests := []struct {
		name, body string
		want       []any // inject ids of the "message received" lines
	}{
		{"malformed with id", `{"injection":{"inject_id":"i3"},"assets":[{"asset_ips":1}]}`, []any{"i3"}},
		{"numeric inject id", `{"injection":{"inject_id":3}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.proc.Process(t.Context(), []byte(tt.body)); err == nil {
				t.Fatal("a malformed message processed")
			}
			var got []any
			for _, l := range e.logs.FilterMessage("message received").All() {
				got = append(got, l.ContextMap()["inject_id"])
				if _, ok := l.ContextMap()["contract_id"]; ok {
					t.Errorf("message received names a contract it could not read: %v", l.ContextMap())
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("message received lines name %v, want %v", got, tt.want)
			}
		})
	}
}

// TestMessageReceivedNamesItsInjector: the "message received" line names
// the injector that serves the message's contract, as every later line
// of its run does, so that a search by injector finds when its messages
// came; a contract served by none names none. It named the contract id
// alone.
func TestMessageReceivedNamesItsInjector(t *testing.T) {
	tests := []struct {
		name, injector string // injector: the contract's; "" for one no injector serves
		want           any    // the line's injector field, nil for none
	}{
		{"noop", "noop", "noop"},
		{"nmap", "nmap", "nmap"},
		{"unknown contract", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			content := map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}
			body := e.message(t, "i-1", tt.injector, content, nil, nil)
			if tt.injector == "" {
				body = openaevtest.Message(openaevtest.QueuedInject{ID: "i-1", ContractID: "b3a1c9f0-0000-4000-8000-000000000000", Content: content})
			}
			_ = e.proc.Process(context.Background(), body)
			lines := e.logs.FilterMessage("message received").All()
			if len(lines) != 1 {
				t.Fatalf("%d message received lines, want 1", len(lines))
			}
			fields := lines[0].ContextMap()
			if got := fields["injector"]; got != tt.want {
				t.Errorf("message received names the injector %v, want %v (fields %v)", got, tt.want, fields)
			}
			if fields["contract_id"] == nil {
				t.Errorf("message received names no contract: %v", fields)
			}
		})
	}
}
