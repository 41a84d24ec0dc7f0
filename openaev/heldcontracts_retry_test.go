package openaev_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRegistrarReadsHeldContractsBeforeEachAttempt: the contracts the
// platform holds for the injector id are read again before each
// registration until one succeeds (a read that failed, or a registration
// that failed, deleted nothing yet), and never after; the WARN naming
// those the registration deletes is said once however many attempts read
// them, and a read that failed is said once at INFO.
func TestRegistrarReadsHeldContractsBeforeEachAttempt(t *testing.T) {
	tests := []struct {
		name          string
		readFails     int // reads of the held contracts answering 503
		regFails      int // registrations answering 503
		wantReads     int // reads over the attempts and a heartbeat
		wantWarn      bool
		wantUnreadSay int
	}{
		{"a read failed, then the registration", 1, 1, 2, true, 1},
		{"every read fails until the registration succeeds", 3, 2, 3, false, 1},
		{"the registration fails twice", 0, 2, 3, true, 0},
		{"nothing fails", 0, 0, 1, true, 0},
	}
	named := func(name string) framework.Manifest {
		m := nmapShaped()
		m.Name = name
		return m
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken)
			ctx := context.Background()
			earlier, _ := loggedClient(t, p.URL, 1)
			if _, err := openaev.NewRegistrar(earlier, []framework.Manifest{named("a"), named("b")}).Register(ctx); err != nil {
				t.Fatal(err)
			}
			before := len(p.CallsOf(openaevtest.KindInjectorContracts))
			p.FailInjectorContracts(http.StatusServiceUnavailable, tt.readFails)
			p.FailRegistration(http.StatusServiceUnavailable, tt.regFails)
			c, logs := loggedClient(t, p.URL, 1) // one attempt per registration: the daemon retries
			reg := openaev.NewRegistrar(c, []framework.Manifest{named("a")})
			for i := 0; ; i++ {
				_, err := reg.Register(ctx)
				if err == nil {
					break
				}
				if i > tt.regFails {
					t.Fatalf("registration %d: %v", i+1, err)
				}
			}
			if _, err := reg.Register(ctx); err != nil { // a heartbeat
				t.Fatal(err)
			}
			if got := len(p.CallsOf(openaevtest.KindInjectorContracts)) - before; got != tt.wantReads {
				t.Errorf("%d reads of the held contracts, want %d", got, tt.wantReads)
			}
			warns := logs.FilterMessageSnippet("leaves out contracts the platform holds").All()
			if !tt.wantWarn && len(warns) != 0 {
				t.Errorf("warned: %v", warns[0].ContextMap())
			}
			if tt.wantWarn {
				if len(warns) != 1 || warns[0].Level != zapcore.WarnLevel {
					t.Fatalf("%d WARN lines, want 1", len(warns))
				}
				listed, _ := warns[0].ContextMap()["contracts_deleted"].([]any)
				if len(listed) != 1 || !strings.HasPrefix(listed[0].(string), openaev.ContractID("b")) {
					t.Errorf("contracts_deleted %v, want b's contract alone", listed)
				}
			}
			if got := logs.FilterMessageSnippet("were not read").Len(); got != tt.wantUnreadSay {
				t.Errorf("%d lines saying the held contracts were not read, want %d", got, tt.wantUnreadSay)
			}
		})
	}
}
