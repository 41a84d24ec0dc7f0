package serve_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// tenantRefused is a refusal whose cause is not the token's rights: a
// serve.RefusalReasoner.
type tenantRefused struct{}

func (tenantRefused) Error() string { return "status 403: TENANT_ACCESS_DENIED" }
func (tenantRefused) RefusalReason() string {
	return "platform refuses tenant \"t-gone\" to the token: check the tenant setting"
}

// TestIntegrationUnauthorizedSaysTheRefusalReason: a message refused with
// an error that says why (a serve.RefusalReasoner: a tenant refused) turns
// /healthz unhealthy with that reason, not ReasonUnauthorized's "check its
// rights", which sends the operator after rights the token may well
// have; the next refusal without one says ReasonUnauthorized again.
func TestIntegrationUnauthorizedSaysTheRefusalReason(t *testing.T) {
	h := &deliveries{fn: func(d serve.Delivery, _ int) error {
		switch {
		case strings.Contains(string(d.Body), "tenant"):
			return serve.Unauthorized(tenantRefused{}, true)
		case strings.Contains(string(d.Body), "deny"):
			return serve.Unauthorized(errors.New("complete rejected: status 401"), true)
		}
		return nil
	}}
	f := newFixture(t, h)
	url := f.listen(t, 20*time.Millisecond)
	f.d.AuthFailures = 10
	start(t, f.d)
	waitFor(t, "healthy", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })
	f.reg.set(f.reg.reg, errors.New("platform: 502")) // no registration ends the refusal meanwhile

	servetest.Publish(t, f.queue, []byte(`{"tenant":1}`))
	// The counter moves before the refusal's line is written: wait for both.
	waitFor(t, "one refusal, logged", func() bool {
		return servetest.Metric(t, f.metrics, "injectkit_auth_failures_total") == 1 &&
			f.logs.FilterMessageSnippet("the platform refuses the token").Len() > 0
	})
	code, hl := servetest.Health(t, url)
	if want := (tenantRefused{}).RefusalReason(); code != http.StatusServiceUnavailable || !hl.TokenRefused || hl.Reason != want {
		t.Errorf("health after the tenant's refusal: %d %+v, want reason %q", code, hl, want)
	}
	if lines := f.logs.FilterMessageSnippet("the platform refuses the token").All(); len(lines) != 1 ||
		lines[0].ContextMap()["reason"] != (tenantRefused{}).RefusalReason() {
		t.Errorf("the refusal's log lines %v, want one whose reason is the tenant's", lines)
	}

	servetest.Publish(t, f.queue, []byte(`{"deny":2}`))
	waitFor(t, "two refusals", func() bool { return servetest.Metric(t, f.metrics, "injectkit_auth_failures_total") == 2 })
	if code, hl := servetest.Health(t, url); code != http.StatusServiceUnavailable || hl.Reason != serve.ReasonUnauthorized {
		t.Errorf("health after a refusal of the token: %d %+v, want reason %q", code, hl, serve.ReasonUnauthorized)
	}
}
