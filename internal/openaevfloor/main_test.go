package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFloorBodiesAreProcessedByTheStandIn posts the floor's bodies to the
// strict stand-in with the noop contract registered: every call is
// accepted and processed, the inject completes once, and every target's
// signatures are stored, in the terminal callback and the data callbacks.
func TestFloorBodiesAreProcessedByTheStandIn(t *testing.T) {
	t.Setenv("CONTAINER_IP", "172.17.0.2")
	tests := []struct {
		n, limit, wantData int
	}{
		{n: 1, limit: 5 << 20, wantData: 0},
		{n: 40, limit: 4096, wantData: 9},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d targets, %d bytes", tt.n, tt.limit), func(t *testing.T) {
			p := openaevtest.NewPlatform(t, "tok")
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "tok",
				InjectorID: "0e0b6c4e-5f7a-4d7e-9a0e-6b1f2c3d4e5f", InjectorName: "floor", InjectorType: "injectkit"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Register(context.Background(), []framework.Manifest{noop.New().Manifest()}, false); err != nil {
				t.Fatal(err)
			}
			p.AddInject("inj", openaev.ContractID("noop"))

			if err := run(tt.n, tt.limit, "inj", poster(p.URL, "tok")); err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, call := range p.Calls("inj") {
				kinds[call.Kind]++
				if !call.Accepted() || call.Kind != openaevtest.KindReception && !call.Processed() {
					t.Errorf("%s: status %d, %s %s", call.Kind, call.Status, call.Outcome, call.Reason)
				}
			}
			want := map[string]int{openaevtest.KindReception: 1, openaevtest.KindTrace: 1 + tt.n,
				openaevtest.KindComplete: 1, openaevtest.KindData: tt.wantData}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("%d %s calls, want %d (all: %v)", kinds[k], k, n, kinds)
				}
			}
			sigs := p.Signatures("inj")
			for _, et := range []string{"DETECTION", "PREVENTION"} {
				targets := map[string]bool{}
				for _, s := range sigs[et] {
					if s.Type == "start_date" { // noop's: no target address
						targets[s.Asset] = true
					}
				}
				if len(targets) != tt.n {
					t.Errorf("%s: signatures of %d targets stored, want %d", et, len(targets), tt.n)
				}
			}
		})
	}
}

// TestWriteMessageOf100000AssetsFits: the message of make bench-w1
// PROFILE=openaev N=100000 is one `injectkit run --openaev-message` takes,
// at most the broker's 16 MiB.
func TestWriteMessageOf100000AssetsFits(t *testing.T) {
	name := filepath.Join(t.TempDir(), "msg.json")
	if err := writeMessage(name, 100000, "bench-openaev-001"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > openaev.BrokerMaxMessageSize {
		t.Errorf("message of 100000 assets: %d bytes, more than %d", fi.Size(), openaev.BrokerMaxMessageSize)
	}
}

func TestWriteMessageIsAPlatformMessage(t *testing.T) {
	name := filepath.Join(t.TempDir(), "msg.json")
	if err := writeMessage(name, 3, "inj"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := openaev.ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Injection.InjectID != "inj" || m.Injection.ContractID() != openaev.ContractID("noop") || len(m.Assets) != 3 {
		t.Fatalf("message %+v", m)
	}
	if a := m.Assets[2]; a.ID != "asset-3" || len(a.Agents) != 1 || a.Agents[0] != "agent-3" || a.IPs[0] != "10.0.0.3" {
		t.Errorf("asset 3: %+v", a)
	}
}
