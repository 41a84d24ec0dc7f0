package openaev_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// upgradable is one platform address in front of a stand-in that can go
// down and come back as another one (an upgrade during the outage).
type upgradable struct {
	*httptest.Server
	down   atomic.Bool
	target atomic.Pointer[httputil.ReverseProxy]
}

func newUpgradable(t *testing.T, p *openaevtest.Platform) *upgradable {
	t.Helper()
	u := &upgradable{}
	u.serve(t, p)
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u.down.Load() {
			http.Error(w, "platform restarting", http.StatusBadGateway)
			return
		}
		u.target.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// serve makes p the platform behind the address.
func (u *upgradable) serve(t *testing.T, p *openaevtest.Platform) {
	t.Helper()
	to, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.target.Store(httputil.NewSingleHostReverseProxy(to))
}

// versionReads counts p's reads of its version.
func versionReads(p *openaevtest.Platform) int {
	n := 0
	for _, c := range p.AllCalls() {
		if c.Kind == openaevtest.KindSettings && c.Path == "/api/settings/version" {
			n++
		}
	}
	return n
}

// A serve registrar reads the platform's version again when the
// registration recovers after failing: a 2.4 platform upgraded to the
// current line during an outage gets the current contracts (signature
// outputs) and, from then on, what the current line accepts; one INFO
// line says so. Heartbeats that succeed read nothing more.
func TestRegistrarFollowsAnUpgradeAfterAnOutage(t *testing.T) {
	old := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(openaevtest.Version24))
	upgraded := openaevtest.NewPlatform(t, testToken)
	front := newUpgradable(t, old)
	log, logs := testkit.Logger()
	c, err := openaev.NewClient(openaev.Config{URL: front.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithLogger(log), openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	m := nmapShaped()
	reg := openaev.NewRegistrar(c, []framework.Manifest{m})
	signatures := func(p *openaevtest.Platform) bool {
		outs, ok := p.ContractOutputs(openaev.ContractID(m.Name))
		if !ok {
			t.Fatal("contract not registered")
		}
		for _, o := range outs {
			if strings.HasPrefix(o, openaev.OutputExpectationSignature+":") {
				return true
			}
		}
		return false
	}
	ctx := context.Background()
	for range 2 { // the registration and a heartbeat
		if _, err := reg.Register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if signatures(old) || c.Version(ctx).Current {
		t.Fatal("the 2.4 platform got the current line's contracts")
	}
	if n := versionReads(old); n != 1 {
		t.Errorf("%d version reads while the platform answers, want 1", n)
	}

	front.down.Store(true)
	if _, err := reg.Register(ctx); err == nil {
		t.Fatal("registered while the platform was down")
	}
	front.serve(t, upgraded)
	front.down.Store(false)
	for range 2 { // the heartbeat that recovers, then one more
		if _, err := reg.Register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !signatures(upgraded) {
		t.Error("the upgraded platform got the 2.4 contracts: no signature outputs")
	}
	if v := c.Version(ctx); !v.Current {
		t.Errorf("version after the upgrade %v, want the current line", v)
	}
	if n := versionReads(upgraded); n != 1 {
		t.Errorf("%d version reads after the recovery, want 1", n)
	}
	changed := logs.FilterMessage("OpenAEV platform version changed").All()
	if len(changed) != 1 || changed[0].Level.String() != "info" ||
		!strings.Contains(changed[0].ContextMap()["previous"].(string), "2.4") {
		t.Errorf("version change lines %v, want one INFO naming the previous version", changed)
	}
}
