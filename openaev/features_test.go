package openaev_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

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
