package openaev_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRegistrarWarnsOfContractsItDeletes: before its first registration
// the Registrar reads the contracts the platform holds for the injector
// id, and says at WARN, once a process, which ones that registration
// leaves out: the platform deletes them with their injects. A first
// registration, or one with every contract held, says nothing.
func TestRegistrarWarnsOfContractsItDeletes(t *testing.T) {
	named := func(name string) framework.Manifest {
		m := nmapShaped()
		m.Name = name
		return m
	}
	tests := []struct {
		name          string
		before, now   []string // the injectors registered by an earlier process, then by this one
		wantDeleted   []string // the injectors whose contracts the WARN names
		wantInjectsOK []string // the injectors whose inject survives
	}{
		{"first registration", nil, []string{"a", "b"}, nil, nil},
		{"the same injectors", []string{"a", "b"}, []string{"a", "b"}, nil, []string{"a", "b"}},
		{"one added", []string{"a"}, []string{"a", "b"}, nil, []string{"a"}},
		{"one dropped", []string{"a", "b"}, []string{"a"}, []string{"b"}, []string{"a"}},
		{"all replaced", []string{"a", "b"}, []string{"c"}, []string{"a", "b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken)
			ctx := context.Background()
			var before []framework.Manifest
			for _, n := range tt.before {
				before = append(before, named(n))
			}
			if len(before) > 0 {
				c, _ := loggedClient(t, p.URL, 1)
				if _, err := openaev.NewRegistrar(c, before).Register(ctx); err != nil {
					t.Fatal(err)
				}
				for _, n := range tt.before {
					p.AddInject("inj-"+n, openaev.ContractID(n))
				}
			}
			var now []framework.Manifest
			for _, n := range tt.now {
				now = append(now, named(n))
			}
			c, logs := loggedClient(t, p.URL, 1)
			reg := openaev.NewRegistrar(c, now)
			for range 2 { // the registration and a heartbeat
				if _, err := reg.Register(ctx); err != nil {
					t.Fatal(err)
				}
			}
			warns := logs.FilterMessageSnippet("leaves out contracts the platform holds").All()
			if len(tt.wantDeleted) == 0 {
				if len(warns) != 0 {
					t.Fatalf("warned: %v", warns[0].ContextMap())
				}
			} else {
				if len(warns) != 1 || warns[0].Level != zapcore.WarnLevel {
					t.Fatalf("%d WARN lines, want 1", len(warns))
				}
				listed, _ := warns[0].ContextMap()["contracts_deleted"].([]any)
				if len(listed) != len(tt.wantDeleted) {
					t.Fatalf("contracts_deleted %v, want those of %v", listed, tt.wantDeleted)
				}
				for _, n := range tt.wantDeleted {
					if !slices.ContainsFunc(listed, func(v any) bool { s, _ := v.(string); return strings.HasPrefix(s, openaev.ContractID(n)) }) {
						t.Errorf("contracts_deleted %v does not name %s's contract %s", listed, n, openaev.ContractID(n))
					}
				}
			}
			for _, n := range tt.before {
				kept := p.InjectStatus("inj-"+n) != ""
				if want := slices.Contains(tt.wantInjectsOK, n); kept != want {
					t.Errorf("inject of %s kept: %v, want %v", n, kept, want)
				}
			}
			if infos := logs.FilterMessageSnippet("were not read").All(); len(infos) != 0 {
				t.Errorf("the held contracts not read: %v", infos[0].ContextMap())
			}
		})
	}
}
