package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A backend URL holding an API route (copied from a request or the
// platform's API docs) gets one WARN naming where it was given, the
// route and the root to give instead, from every source and command that
// sends; a root URL, under a path of its own too, gets none.
func TestBackendURLWithAPIRouteWarned(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	cb := be.URL + "/api/injects/inj-w/callback"
	runArgs := []string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-w", "--outbox", "none", "--log-level", "warn"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" for no WARN
	}{
		{"flag", nil, append(runArgs[:len(runArgs):len(runArgs)], "--backend-url", cb, "--token", "tok-route-1"),
			"WARN\tthe backend URL given by --backend-url holds an API route (/api/injects/inj-w/callback): give the platform's root URL (" +
				be.URL + "), to which each request adds its own route (/api/…); as given, requests go to " + cb + "/api/…"},
		{"env", map[string]string{"INJECTKIT_BACKEND_URL": be.URL + "/api/injectors/", "INJECTKIT_TOKEN": "tok-route-1"}, runArgs,
			"the backend URL given by env INJECTKIT_BACKEND_URL holds an API route (/api/injectors): give the platform's root URL (" + be.URL + ")"},
		{"config file", nil, append(runArgs[:len(runArgs):len(runArgs)], "--token", "tok-route-1", "--config",
			writeFile(t, "c.yaml", "backend_url: "+be.URL+"/aev/API\n")),
			"the backend URL given by backend_url (config file "},
		{"validate", nil, []string{"validate", "noop", "--target", "192.0.2.1", "--inject-id", "inj-w", "--backend-url", cb, "--token", "tok-route-1"},
			"the backend URL given by --backend-url holds an API route (/api/injects/inj-w/callback)"},
		{"root", nil, append(runArgs[:len(runArgs):len(runArgs)], "--backend-url", be.URL+"/", "--token", "tok-route-1"), ""},
		{"root under a path", nil, append(runArgs[:len(runArgs):len(runArgs)], "--backend-url", be.URL+"/apis/aev", "--token", "tok-route-1"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			warned := strings.Count(r.stderr, "holds an API route")
			switch {
			case tt.want == "" && warned > 0:
				t.Errorf("a root URL warned of:\n%s", r.stderr)
			case tt.want != "" && (warned != 1 || !strings.Contains(r.stderr, tt.want)):
				t.Errorf("stderr:\n%s\nwant one WARN with %q", r.stderr, tt.want)
			}
			if tt.name == "config file" && !strings.Contains(r.stderr, "c.yaml:1) holds an API route (/API): give the platform's root URL ("+be.URL+"/aev)") {
				t.Errorf("config file: stderr:\n%s\nwant the line and the route as written", r.stderr)
			}
		})
	}

	// outbox flush warns too, of the bodies a run with that URL kept.
	box := filepath.Join(t.TempDir(), "o.db")
	be.set(http.StatusServiceUnavailable)
	if r := run(t, registry(), nil, "run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-w", "--outbox", box,
		"--log-level", "error", "--backend-url", cb, "--token", "tok-route-1"); r.code != 1 {
		t.Fatalf("run: exit %d, want 1 and the body kept: %s", r.code, r.stderr)
	}
	be.set(http.StatusOK)
	r := run(t, registry(), nil, "outbox", "flush", "--outbox", box, "--backend-url", cb, "--token", "tok-route-1")
	if want := "the backend URL given by --backend-url holds an API route (/api/injects/inj-w/callback)"; strings.Count(r.stderr, want) != 1 {
		t.Errorf("outbox flush: exit %d, stderr:\n%s\nwant one WARN with %q", r.code, r.stderr, want)
	}

	// A flush whose backend is serve's openaev_url in its config file
	// names that key and line, not the --backend-url nobody gave.
	be.set(http.StatusServiceUnavailable)
	if r := run(t, registry(), nil, "run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-w", "--outbox", box,
		"--log-level", "error", "--backend-url", cb, "--token", "tok-route-1"); r.code != 1 {
		t.Fatalf("run: exit %d, want 1 and the body kept: %s", r.code, r.stderr)
	}
	be.set(http.StatusOK)
	serveFile := writeFile(t, "serve.yaml", "openaev_url: "+cb+"\ntoken: tok-route-1\n")
	r = run(t, registry(), nil, "outbox", "flush", "--outbox", box, "--config", serveFile)
	if want := "the backend URL given by openaev_url (config file " + serveFile + ":1) holds an API route (/api/injects/inj-w/callback)"; strings.Count(r.stderr, want) != 1 || strings.Contains(r.stderr, "--backend-url") {
		t.Errorf("outbox flush, serve's config file: exit %d, stderr:\n%s\nwant one WARN with %q, and no --backend-url", r.code, r.stderr, want)
	}
}

// A backend answering 404 gets a hint naming the URL and where it was
// given: the API route it holds and the root to give, or, for a root
// URL, that it must be the platform's; with either profile.
func TestNotFoundHintNamesTheBackendURL(t *testing.T) {
	be := newSwitchable(t, http.StatusNotFound)
	p := openaevtest.NewPlatform(t, platformToken)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"callback profile, API route", nil, []string{"--backend-url", be.URL + "/api/injects/inj-n/callback", "--token", "tok-route-1"},
			"; the backend URL given by --backend-url, " + be.URL + "/api/injects/inj-n/callback, holds an API route (/api/injects/inj-n/callback): give the platform's root URL (" + be.URL + ")"},
		{"callback profile, root from the environment", map[string]string{"INJECTKIT_BACKEND_URL": be.URL, "INJECTKIT_TOKEN": "tok-route-1"}, nil,
			"; check the backend URL given by env INJECTKIT_BACKEND_URL, " + be.URL + ": it must be the platform's root, to which each request adds /api/…"},
		{"openaev profile, API route", nil, []string{"--profile", "openaev", "--backend-url", p.URL + "/api/injectors", "--token", platformToken},
			"injectkit: hint: the backend URL given by --backend-url, " + p.URL + "/api/injectors, holds an API route (/api/injectors): give the platform's root URL (" + p.URL + "); " +
				"the platform answers 404 for an inject it does not know"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-n",
				"--outbox", "none", "--log-level", "error"}, tt.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, "injectkit: hint: ") || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant a failure whose hint says %q", r.code, r.stderr, tt.want)
			}
		})
	}
	// A 404 for an inject the platform does not know, at its root, is the
	// platform's own (Element not found): the URL reached it, and the one
	// line, at the inject's status read, says what to check of the inject,
	// no hint on the URL (TestReceptionNotFoundHintOrder has a proxy's 404).
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "never-given", "--target", "127.0.0.1",
		"--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
	if want := "inject never-given not run: the platform does not hold it"; !strings.Contains(r.stderr, want) ||
		strings.Contains(r.stderr, "check the backend URL") || strings.Contains(r.stderr, "hint:") {
		t.Errorf("unknown inject: stderr:\n%s\nwant it to say %q, and no hint to check the URL", r.stderr, want)
	}
}

// serve warns of an openaev_url holding an API route, and its exit on the
// platform's 404 to the registration names that URL and the root to give.
func TestServeNotFoundHintNamesTheURL(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL+"/api/injectors", "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0")
	waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: hint: ") })
	if code := stop(); code != cli.ExitDelivery {
		t.Errorf("exit %d, want 1; stderr: %s", code, stderr)
	}
	for _, want := range []string{
		"the backend URL given by --openaev-url holds an API route (/api/injectors): give the platform's root URL (" + p.URL + ")",
		"injectkit: hint: the backend URL given by --openaev-url, " + p.URL + "/api/injectors, holds an API route (/api/injectors): give the platform's root URL (" + p.URL + ")",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr:\n%s\nwant %q", stderr, want)
		}
	}
}

// outbox flush and retry-dead, answered 404, give the hint run gives:
// the backend URL they sent to, where it was given, and its API route
// with the root to give when it holds one.
func TestOutboxNotFoundHintNamesTheBackendURL(t *testing.T) {
	tests := []struct {
		name  string
		route string // the backend URL's path
		env   bool   // given by INJECTKIT_BACKEND_URL, else --backend-url
		want  func(root string) string
	}{
		{"root URL from the flag", "", false, func(root string) string {
			return "check the backend URL given by --backend-url, " + root + ": it must be the platform's root, to which each request adds /api/…"
		}},
		{"API route from the environment", "/api/injects/inj-nf/callback", true, func(root string) string {
			return "the backend URL given by env INJECTKIT_BACKEND_URL, " + root + "/api/injects/inj-nf/callback, holds an API route " +
				"(/api/injects/inj-nf/callback): give the platform's root URL (" + root + ")"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSwitchable(t, http.StatusServiceUnavailable)
			box := filepath.Join(t.TempDir(), "outbox.db")
			env := map[string]string{"INJECTKIT_TOKEN": "tok-route-1"}
			var given []string
			if tt.env {
				env["INJECTKIT_BACKEND_URL"] = be.URL + tt.route
			} else {
				given = []string{"--backend-url", be.URL + tt.route}
			}
			r := run(t, registry(), env, append([]string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-nf",
				"--outbox", box, "--log-level", "error"}, given...)...)
			if r.code != cli.ExitDelivery {
				t.Fatalf("run: exit %d, stderr:\n%s\nwant 1, the body kept", r.code, r.stderr)
			}
			be.set(http.StatusNotFound)
			hint := "injectkit: hint: " + tt.want(be.URL) + "\n"
			for _, cmd := range [][]string{{"outbox", "flush"}, {"outbox", "retry-dead", "1"}} {
				r := run(t, registry(), env, append(append(cmd, "--outbox", box, "--log-level", "error"), given...)...)
				if r.code != cli.ExitDelivery || strings.Count(r.stderr, hint) != 1 {
					t.Errorf("%s: exit %d, stderr:\n%s\nwant 1 and the hint %q", strings.Join(cmd, " "), r.code, r.stderr, hint)
				}
			}
			if got := be.got(); len(got) < 2 || got[len(got)-1].Code != http.StatusNotFound || got[len(got)-2].Code != http.StatusNotFound {
				t.Errorf("the backend answered %v, want the flush's and the retry's 404", got)
			}
		})
	}
}
