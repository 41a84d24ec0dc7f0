package openaev_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

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

// loggedClient returns a client of the platform at base, retrying its
// requests n times a millisecond apart, and the lines it logs.
func loggedClient(t *testing.T, base string, n int) (*openaev.Client, *observer.ObservedLogs) {
	t.Helper()
	log, logs := testkit.Logger()
	c, err := openaev.NewClient(openaev.Config{URL: base, Token: testToken, InjectorID: testInjectorID},
		openaev.WithLogger(log), openaev.WithRetry(n, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, logs
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
	c, logs := loggedClient(t, front.URL, 2)
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

// scripted is one platform address whose next requests follow a script:
// each step answers one request, nil with a 502 (the platform down or
// restarting), a platform by serving it, which stays behind the address
// once the script has run out.
type scripted struct {
	*httptest.Server
	mu     sync.Mutex
	steps  []*openaevtest.Platform
	target *openaevtest.Platform
}

func newScripted(t *testing.T, p *openaevtest.Platform) *scripted {
	t.Helper()
	s := &scripted{target: p}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := s.next()
		if p == nil {
			http.Error(w, "platform restarting", http.StatusBadGateway)
			return
		}
		to, err := url.Parse(p.URL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		httputil.NewSingleHostReverseProxy(to).ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// play makes steps answer the next requests.
func (s *scripted) play(steps ...*openaevtest.Platform) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = steps
}

// next returns what answers the next request: nil for a 502.
func (s *scripted) next() *openaevtest.Platform {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.steps) == 0 {
		return s.target
	}
	p := s.steps[0]
	s.steps = s.steps[1:]
	if p != nil {
		s.target = p
	}
	return p
}

// A serve registrar follows a platform that comes back as another
// version (a current-line platform replaced by a 2.4.0 one behind the same
// URL, or the reverse) whenever it comes back: while a registration
// retries, after the version read that comes first failed, after the
// read that follows a recovered registration failed as well, or after the
// version was read. The platform ends up with the contracts of its own
// line, the version is the new one, and one INFO line says it changed.
func TestRegistrarFollowsAVersionChangeWhateverItsMoment(t *testing.T) {
	down := (*openaevtest.Platform)(nil)
	tests := []struct {
		name string
		from openaevtest.Version
		to   openaevtest.Version
		// script answers the requests once the outage's registration
		// failed (old and new stand for the platforms); calls is the
		// number of registrations (heartbeats) then made.
		script func(old, new *openaevtest.Platform) []*openaevtest.Platform
		calls  int
	}{
		{name: "back during the registration's retries", from: openaevtest.Current, to: openaevtest.Version24,
			// the version read, the registration's first attempt
			script: func(_, _ *openaevtest.Platform) []*openaevtest.Platform { return []*openaevtest.Platform{down, down} },
			calls:  1},
		{name: "back after the version read failed", from: openaevtest.Current, to: openaevtest.Version24,
			script: func(_, _ *openaevtest.Platform) []*openaevtest.Platform { return []*openaevtest.Platform{down} },
			calls:  1},
		{name: "down again for the read after the registration", from: openaevtest.Version24, to: openaevtest.Current,
			// the version read, the registration, the read after it; the
			// next heartbeat reads it first
			script: func(_, new *openaevtest.Platform) []*openaevtest.Platform {
				return []*openaevtest.Platform{down, new, down}
			},
			calls: 2},
		{name: "restarted as another version after the version read", from: openaevtest.Current, to: openaevtest.Version24,
			// the version read (the old platform's), the registration's
			// first attempt
			script: func(old, _ *openaevtest.Platform) []*openaevtest.Platform {
				return []*openaevtest.Platform{old, down}
			},
			calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(tt.from))
			upgraded := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(tt.to))
			front := newScripted(t, old)
			c, logs := loggedClient(t, front.URL, 3)
			m := nmapShaped()
			reg := openaev.NewRegistrar(c, []framework.Manifest{m})
			ctx := context.Background()
			if _, err := reg.Register(ctx); err != nil {
				t.Fatal(err)
			}
			front.play(down, down, down) // the outage: every attempt fails
			if _, err := reg.Register(ctx); err == nil {
				t.Fatal("registered while the platform was down")
			}
			front.play(append(tt.script(old, upgraded), upgraded)...)
			for range tt.calls {
				if _, err := reg.Register(ctx); err != nil {
					t.Fatal(err)
				}
			}

			want, err := openaev.ParseVersion(tt.to.String())
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Version(ctx); got != want {
				t.Errorf("version %v, want %v", got, want)
			}
			outs, ok := upgraded.ContractOutputs(openaev.ContractID(m.Name))
			if !ok {
				t.Fatal("contract not registered on the platform that came back")
			}
			signatures := slices.ContainsFunc(outs, func(o string) bool {
				return strings.HasPrefix(o, openaev.OutputExpectationSignature+":")
			})
			if signatures != want.Current {
				t.Errorf("the %v platform's contract declares signature outputs: %v, want %v (%v)", want, signatures, want.Current, outs)
			}
			changed := logs.FilterMessage("OpenAEV platform version changed").All()
			if len(changed) != 1 || changed[0].Level.String() != "info" {
				t.Errorf("version change lines %v, want one INFO", changed)
			}
		})
	}
}

// TestSignatureFeatureWarning: on the current line the client reads the
// platform's enabled_dev_features once, and says in one WARN line when the
// platform will drop the signatures it is sent.
func TestSignatureFeatureWarning(t *testing.T) {
	tests := []struct {
		name     string
		features []string // nil: the stand-in's default (enabled)
		version  openaevtest.Version
		opts     []openaev.Option
		settings int // GET /api/settings… calls
		warn     bool
	}{
		{name: "enabled", settings: 2},
		{name: "platform default: none", features: []string{}, settings: 2, warn: true},
		{name: "another feature only", features: []string{"AUDIT_LOG"}, settings: 2, warn: true},
		{name: "all-flag", features: []string{"*"}, settings: 2},
		{name: "version given: features still read", features: []string{}, settings: 1, warn: true,
			opts: []openaev.Option{openaev.WithPlatformVersion(current)}},
		{name: "2.4 line: no features read", features: []string{}, version: openaevtest.Version24, settings: 1},
		{name: "dry run: nothing read", features: []string{}, opts: []openaev.Option{openaev.WithDryRun(io.Discard)}},
		{name: "version given, enabled: features still read", settings: 1,
			opts: []openaev.Option{openaev.WithPlatformVersion(current)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(tt.version))
			if tt.features != nil {
				p.SetDevFeatures(tt.features...)
			}
			log, logs := testkit.Logger()
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken},
				append([]openaev.Option{openaev.WithLogger(log)}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 { // a run's and a daemon's later calls ask nothing more
				c.Version(context.Background())
			}
			if n := len(p.CallsOf(openaevtest.KindSettings)); n != tt.settings {
				t.Errorf("%d settings reads, want %d", n, tt.settings)
			}
			n := strings.Count(strings.Join(warnings(logs), "\n"), openaev.SignaturesDroppedWarning)
			if want := map[bool]int{true: 1, false: 0}[tt.warn]; n != want {
				t.Errorf("warnings %q: want %d saying the platform drops the signatures", warnings(logs), want)
			}
			assertNoSecret(t, logs, testToken)
		})
	}
}

// TestSignatureFeatureRoutes: the features are read from GET
// /api/settings/public, which any token may read, and from GET
// /api/settings only when that fails or lists none; each read is sent
// once, not retried. When neither gives them, one WARN line says that
// whether the platform stores the signatures is not known (the operator
// could not tell otherwise); the version stands.
func TestSignatureFeatureRoutes(t *testing.T) {
	const ver, public, settings = "/api/settings/version", "/api/settings/public", "/api/settings"
	none := reply{http.StatusOK, `{"platform_lang":"auto","enabled_dev_features":[]}`}
	for _, tt := range []struct {
		name            string
		public, setting reply
		asked           string // after the version read
		warning         string
	}{
		{"public", none, reply{http.StatusForbidden, "no"}, public, openaev.SignaturesDroppedWarning},
		{"public route missing: settings", reply{http.StatusNotFound, "no"}, none, public + ", GET " + settings,
			openaev.SignaturesDroppedWarning},
		{"public without the field: settings", reply{http.StatusOK, `{"platform_lang":"auto"}`}, none,
			public + ", GET " + settings, openaev.SignaturesDroppedWarning},
		{"public missing, settings refused", reply{http.StatusNotFound, "no"}, reply{http.StatusForbidden, "no"},
			public + ", GET " + settings, openaev.SignaturesUnknownWarning},
		{"both failing", reply{http.StatusServiceUnavailable, "down " + testToken}, reply{http.StatusServiceUnavailable, "down"},
			public + ", GET " + settings, openaev.SignaturesUnknownWarning},
		{"not JSON, no field", reply{http.StatusOK, "<html>"}, reply{http.StatusOK, `{"platform_name":"x"}`},
			public + ", GET " + settings, openaev.SignaturesUnknownWarning},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVersionServer(t, map[string]reply{ver: {200, "3.260821.0"}, public: tt.public, settings: tt.setting})
			log, logs := testkit.LoggerAt(zapcore.DebugLevel)
			c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken},
				openaev.WithLogger(log), openaev.WithRetry(3, 0))
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if got := c.Version(context.Background()); got != current {
					t.Errorf("version %+v", got)
				}
			}
			if a := asked(srv); a != "GET "+ver+", GET "+tt.asked {
				t.Errorf("asked %q: want the features read once from GET %s", a, tt.asked)
			}
			if w := warnings(logs); len(w) != 1 || w[0] != tt.warning {
				t.Errorf("warnings %q, want %q", w, tt.warning)
			}
			assertNoSecret(t, logs, testToken)
		})
	}
}
