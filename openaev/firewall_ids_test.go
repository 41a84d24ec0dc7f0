package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve/servetest"
)

// firewallRefusedIDs are inject ids that OpenAEV 2.4.0's HTTP firewall
// (Spring Security's StrictHttpFirewall, Tomcat for %2F) refuses once
// escaped into a callback's path: 400 before any route. The stand-in
// holds injects under them; the real platform makes UUIDs only.
var firewallRefusedIDs = []string{"../x", "a/b", "a%2Fb", "a;b", `a\b`, "100%"}

// TestFirewallRefusedInjectIDs: a message whose inject id the platform's
// firewall would refuse in every path the profile sends it in is refused
// before anything runs or is sent (no reception: the platform could not
// route one), its error naming injection.inject_id and the value, as
// other ids no call can carry are; so is a run's inject id.
func TestFirewallRefusedInjectIDs(t *testing.T) {
	for _, id := range firewallRefusedIDs {
		t.Run(id, func(t *testing.T) {
			e := newEnv(t)
			body := e.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			err := e.proc.Process(context.Background(), body)
			var me *openaev.MessageError
			want := "invalid injection.inject_id " + strconv.Quote(id) + ": holds "
			if !errors.As(err, &me) || me.InjectID != "" || !strings.Contains(err.Error(), want) ||
				!strings.Contains(err.Error(), "HTTP firewall") {
				t.Errorf("err = %v, want a *MessageError naming no inject and saying %q", err, want)
			}
			err = e.proc.RunRequest(context.Background(), runtime.Request{InjectID: id, Injector: "nmap", Targets: nil})
			if want := "invalid inject_id " + strconv.Quote(id); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("RunRequest: err = %v, want %q", err, want)
			}
			if calls := withoutSettings(e.platform.AllCalls()); len(calls) != 0 {
				t.Errorf("calls %v, want none", kinds(calls))
			}
			if n := e.nmap.calls.Load(); n != 0 {
				t.Errorf("nmap ran %d times", n)
			}
			if st := e.platform.InjectStatus(id); st != "QUEUING" {
				t.Errorf("inject status %s, want QUEUING (untouched)", st)
			}
		})
	}
}

// TestIntegrationServeRejectsAFirewallRefusedInjectID: through the daemon
// on a real broker, such a message is rejected without requeue and
// logged once (the WARN names injection.inject_id and the value); the
// platform is sent nothing for it, and the next message runs.
func TestIntegrationServeRejectsAFirewallRefusedInjectID(t *testing.T) {
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{})
	d, _ := s.daemon(t, broker, queue)
	run(t, d)
	servetest.Publish(t, queue, s.message(t, "../x", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	servetest.Publish(t, queue, s.message(t, "i-next", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	testkit.WaitFor(t, testkit.Hang, "the rejection and the next inject's completion", func() bool {
		_, done := s.platform.Terminal("i-next")
		return done && servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "rejected") == 1
	})
	if calls := s.platform.Calls("../x"); len(calls) != 0 {
		t.Errorf("calls for ../x: %v, want none", kinds(calls))
	}
	for _, c := range s.platform.AllCalls() {
		if c.Status == 400 {
			t.Errorf("the platform was sent %s %s, answered 400", c.Method, c.Path)
		}
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d ready: the message was requeued", ready)
	}
	warns := s.logs.FilterMessage("message rejected without requeue").All()
	if len(warns) != 1 || !strings.Contains(fmt.Sprint(warns[0].ContextMap()["reason"]), `invalid injection.inject_id "../x": holds "/"`) {
		t.Errorf("rejection lines %v, want one naming injection.inject_id \"../x\"", warns)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want once (the next inject)", n)
	}
	if st := s.platform.InjectStatus("../x"); st != "QUEUING" {
		t.Errorf("../x is %s on the platform, want QUEUING (untouched)", st)
	}
}
