package openaev_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		current bool
		bad     bool
	}{
		{in: "2.4.0"},
		{in: "2.4.12"},
		{in: " 2.4.0\n"},
		{in: "1.18.19"},
		{in: "2.260601.0"},
		{in: "2.260623.3"},
		{in: "2.260624.0", current: true},
		{in: "2.260701.1", current: true},
		{in: "3.260821.0", current: true},
		{in: "v3.260821.0", current: true},
		{in: "3.260821.0-SNAPSHOT", current: true},
		{in: "3.0", current: true},
		{in: "4.1.0", current: true},
		{in: "", bad: true},
		{in: "latest", bad: true},
		{in: "3", bad: true},
		{in: "2.x.0", bad: true},
		{in: "2..0", bad: true},
		{in: "-1.2", bad: true},
		{in: "2.4.0.1.2", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := openaev.ParseVersion(tt.in)
			if tt.bad {
				ve, ok := err.(*openaev.ValidationError)
				if !ok || ve.Field != "openaev_version" || ve.Value != tt.in {
					t.Fatalf("err = %v, want a validation error naming %q", err, tt.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Current != tt.current || v.Raw != strings.TrimSpace(tt.in) {
				t.Errorf("ParseVersion(%q) = %+v, want current %v", tt.in, v, tt.current)
			}
		})
	}
}

// newVersionServer answers the settings routes from a table of path →
// status and body.
func newVersionServer(t *testing.T, replies map[string]reply) *transporttest.Backend {
	return transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rep, ok := replies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	})
}

// asked lists the requests srv received, "METHOD /path", comma-separated.
func asked(srv *transporttest.Backend) string {
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	return strings.Join(paths, ", ")
}

type reply = struct {
	status int
	body   string
}

func warnings(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.FilterLevelExact(zapcore.WarnLevel).All() {
		out = append(out, e.Message)
	}
	return out
}

// TestDeniedNotFound: a 1.x platform answers 404 for access denied (so
// does one whose version was not read, to keep the result), 2.0.0 and
// later 403.
func TestDeniedNotFound(t *testing.T) {
	tests := []struct {
		v    openaev.PlatformVersion
		want bool
	}{
		{openaev.PlatformVersion{Raw: "1.18.19"}, true},
		{openaev.PlatformVersion{Raw: "v1.9.2"}, true},
		{openaev.PlatformVersion{}, true},
		{openaev.PlatformVersion{Raw: "2.0.0"}, false},
		{openaev.PlatformVersion{Raw: "2.4.0"}, false},
		{openaev.PlatformVersion{Raw: "3.260821.0", Current: true}, false},
		{openaev.PlatformVersion{Current: true}, false},
	}
	for _, tt := range tests {
		if got := tt.v.DeniedNotFound(); got != tt.want {
			t.Errorf("%s: DeniedNotFound %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestPlatformVersionStringNamesItsLine: the label a log line gives a
// version is the line that version belongs to, never another's: a 1.18.0
// given by --openaev-version is not called the 2.4 line.
func TestPlatformVersionStringNamesItsLine(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"2.4.0", "2.4.0 (2.4 line)"},
		{"2.4.12", "2.4.12 (2.4 line)"},
		{"1.18.0", "1.18.0 (1.18 line)"},
		{"v1.9.2", "v1.9.2 (1.9 line)"},
		{"2.0.0", "2.0.0 (2.0 line)"},
		{"2.260601.0", "2.260601.0 (a calendar release before 2.260624)"},
		{"2.260624.0", "2.260624.0 (current line)"},
		{"3.260821.0", "3.260821.0 (current line)"},
	} {
		v, err := openaev.ParseVersion(tt.in)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tt.in, err)
		}
		if got := v.String(); got != tt.want {
			t.Errorf("ParseVersion(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := (openaev.PlatformVersion{}).String(), "unknown version (2.4 line assumed)"; got != want {
		t.Errorf("a version not read: %q, want %q", got, want)
	}
}

func TestClientVersion(t *testing.T) {
	const ver, settings, public = "/api/settings/version", "/api/settings", "/api/settings/public"
	enabled := reply{200, `{"enabled_dev_features":["SIGNATURE_OUTPUT_PROCESSOR"]}`}
	tests := []struct {
		name    string
		tenant  string
		replies map[string]reply
		want    openaev.PlatformVersion
		asked   string
		warn    string // the one WARN line, "" for none
	}{
		{name: "plain body", replies: map[string]reply{ver: {200, "2.4.0"}}, want: v24,
			asked: "GET " + ver, warn: "predates signature processing"},
		// The current line's features are read from GET
		// /api/settings/public (here enabled: nothing said).
		{name: "JSON string body", replies: map[string]reply{ver: {200, `"3.260821.0"` + "\n"}, public: enabled}, want: current,
			asked: "GET " + ver + ", GET " + public},
		{name: "not tenant-scoped", tenant: "t1", replies: map[string]reply{ver: {200, "3.260821.0"}, public: enabled}, want: current,
			asked: "GET " + ver + ", GET " + public},
		{name: "settings read once for the version and the features", want: current,
			replies: map[string]reply{settings: {200, `{"platform_version":"3.260821.0","enabled_dev_features":[]}`}},
			asked:   "GET " + ver + ", GET " + settings, warn: openaev.SignaturesDroppedWarning},
		{name: "no version route: settings", replies: map[string]reply{settings: {200, `{"platform_version":"2.260701.1","x":1}`}, public: enabled},
			want: openaev.PlatformVersion{Raw: "2.260701.1", Current: true}, asked: "GET " + ver + ", GET " + settings + ", GET " + public},
		{name: "version route 405: settings", replies: map[string]reply{ver: {405, ""}, settings: {200, `{"platform_version":"2.4.0"}`}},
			want: v24, asked: "GET " + ver + ", GET " + settings, warn: "predates signature processing"},
		{name: "unparseable version: settings", replies: map[string]reply{ver: {200, "<html>"}, settings: {200, `{"platform_version":"2.4.0"}`}},
			want: v24, asked: "GET " + ver + ", GET " + settings, warn: "predates signature processing"},
		{name: "neither route (404): the 2.4 line assumed", replies: map[string]reply{},
			want: openaev.PlatformVersion{}, asked: "GET " + ver + ", GET " + settings, warn: "assuming the 2.4 line, which every platform accepts"},
		// No OpenAEV release refuses a token it knows its settings (2.4.0:
		// PLATFORM_SETTING is open to READ): a 403 comes from something in
		// front of it, and the WARN says so, not that the token lacks a right.
		{name: "refused (403, a proxy or firewall in front): the 2.4 line assumed, no fallback", replies: map[string]reply{ver: {403, "no"}},
			want: openaev.PlatformVersion{}, asked: "GET " + ver, warn: "a proxy or firewall in front of the platform"},
		// A token the platform does not know: 401 on its settings routes
		// too (the stand-in's rule 9), said as such, no proxy blamed.
		{name: "token refused (401): said so, the 2.4 line assumed, no fallback", replies: map[string]reply{ver: {401, `{"message":"unauthorized"}`}},
			want: openaev.PlatformVersion{}, asked: "GET " + ver, warn: "OpenAEV platform version not readable: the platform refused the token (status 401): check the token " +
				"(INJECTKIT_TOKEN, the config file's token or --token)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVersionServer(t, tt.replies)
			log, logs := testkit.Logger()
			c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken, Tenant: tt.tenant},
				openaev.WithLogger(log), openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			got := make([]openaev.PlatformVersion, 4)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i] = c.Version(context.Background())
				}()
			}
			wg.Wait()
			for _, g := range got {
				if g != tt.want {
					t.Errorf("Version = %+v, want %+v", g, tt.want)
				}
			}
			if a := asked(srv); a != tt.asked {
				t.Errorf("asked %q, want %q (read once)", a, tt.asked)
			}
			w := warnings(logs)
			switch {
			case tt.warn == "" && len(w) > 0:
				t.Errorf("warnings %q", w)
			case tt.warn != "" && (len(w) != 1 || !strings.Contains(w[0], tt.warn)):
				t.Errorf("warnings %q, want one saying %q", w, tt.warn)
			}
			assertNoSecret(t, logs, testToken)
		})
	}
}

func TestClientVersionWithoutAsking(t *testing.T) {
	srv := newVersionServer(t, map[string]reply{"/api/settings/version": {200, "3.260821.0"}})
	log, logs := testkit.Logger()

	given, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken},
		openaev.WithLogger(log), openaev.WithPlatformVersion(v24))
	if err != nil {
		t.Fatal(err)
	}
	if got := given.Version(context.Background()); got != v24 {
		t.Errorf("given version = %+v", got)
	}
	dry, err := openaev.NewClient(openaev.Config{}, openaev.WithLogger(log), openaev.WithDryRun(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	if got := dry.Version(context.Background()); got != (openaev.PlatformVersion{Current: true}) {
		t.Errorf("dry run version = %+v", got)
	}
	if a := asked(srv); a != "" {
		t.Errorf("asked %q", a)
	}
	if w := warnings(logs); len(w) != 1 || !strings.Contains(w[0], "2.4.0 predates") {
		t.Errorf("warnings %q", w)
	}

	// A platform down is asked again next time; then the answer is kept.
	flaky := transporttest.NewBackend(t)
	flaky.SetReply(transporttest.Reply{Status: http.StatusServiceUnavailable, Body: "starting"})
	fc, err := openaev.NewClient(openaev.Config{URL: flaky.URL}, openaev.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.Version(context.Background()); got != (openaev.PlatformVersion{Current: true}) {
		t.Errorf("version of a platform down = %+v", got)
	}
	flaky.SetReply(transporttest.Reply{Body: "2.4.0"})
	for range 2 {
		if got := fc.Version(context.Background()); got != v24 {
			t.Errorf("version once up = %+v", got)
		}
	}

	// A read stopped by its context is not remembered.
	c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.Version(ctx)
	if got := c.Version(context.Background()); got != current {
		t.Errorf("version after a cancelled read = %+v", got)
	}
}
