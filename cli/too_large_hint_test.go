package cli_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// tooLargeProxy is a proxy in front of the stand-in platform that answers
// 413 to every callback, as a proxy's body limit does (OpenAEV 2.4.0
// itself takes bodies up to 5 GB, its multipart limit), and forwards the
// rest (the version, the inject, its reception).
func tooLargeProxy(t *testing.T, platform string) string {
	t.Helper()
	rp := testkit.ReverseProxy(t, platform)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/callback") {
			_, _ = io.Copy(io.Discard, r.Body)
			http.Error(w, "<html>413 Request Entity Too Large</html>", http.StatusRequestEntityTooLarge)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A body a proxy answered 413 goes to the dead list, where retry-dead
// resends it whole into the same 413: the hint says what fixes it (a
// lower --max-payload-size for the next runs, the proxy's limit raised,
// the kept body moved past that proxy), for either profile, kept or not,
// and retry-dead's own hint says the same of the kept body.
func TestTooLargeHintSaysWhatFixesIt(t *testing.T) {
	const (
		next  = "the next runs split their bodies to a lower --max-payload-size"
		whole = "a body kept in the outbox is not split again: retry-dead resends it whole (outbox list shows its size), into the same 413 until the proxy's limit is raised"
	)
	for _, tt := range []struct {
		name    string
		openaev bool
		args    []string
		kept    bool
		size    string
	}{
		{"callback profile", false, nil, true, "at most 1048576 bytes, the max_payload_size;"},
		{"callback profile, no outbox", false, []string{"--outbox", "none"}, false, "at most 1048576 bytes, the max_payload_size;"},
		{"openaev profile", true, []string{"--max-payload-size", "4096"}, true, "at most 4096 bytes, the max_payload_size (--max-payload-size);"},
		{"openaev profile, no outbox", true, []string{"--outbox", "none"}, false, "at most 5242880 bytes, the max_payload_size;"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, _ := outboxEnv(t)
			const id = "inj-large"
			var backend string
			args := []string{"run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--log-level", "error"}
			if tt.openaev {
				p := openaevtest.NewPlatform(t, platformToken)
				registered(t, p, platformToken, registry())
				p.AddInject(id, openaev.ContractID("noop"))
				backend = tooLargeProxy(t, p.URL)
				args = append(args, "--profile", "openaev")
			} else {
				backend = newSwitchable(t, http.StatusRequestEntityTooLarge).URL
			}
			r := run(t, registry(), env, append(append(args, "--backend-url", backend), tt.args...)...)
			hint := regexp.MustCompile(`(?m)^injectkit: hint: (.*)$`).FindStringSubmatch(r.stderr)
			if r.code != 1 || hint == nil {
				t.Fatalf("exit %d, stderr:\n%s\nwant 1 and a hint", r.code, r.stderr)
			}
			for _, want := range []string{"refused the body as too large (413", tt.size, next, "or raise the proxy's limit"} {
				if !strings.Contains(hint[1], want) {
					t.Errorf("hint %q lacks %q", hint[1], want)
				}
			}
			if strings.Contains(hint[1], whole) != tt.kept {
				t.Errorf("hint %q: holds %q: %v, want %v (the body kept)", hint[1], whole, !tt.kept, tt.kept)
			}
			if !tt.kept {
				return
			}
			rd := run(t, registry(), env, "outbox", "retry-dead", "1", "--backend-url", backend, "--log-level", "error")
			if rd.code != 1 || !strings.Contains(rd.stderr, "injectkit: hint: the backend, or a proxy in front of it, refused the body as too large (413") ||
				!strings.Contains(rd.stderr, whole) {
				t.Errorf("retry-dead: exit %d, stderr:\n%s\nwant 1 and a hint saying %q", rd.code, rd.stderr, whole)
			}
		})
	}
}

// A flush whose stored body a proxy answered 413 moves it to the dead
// list: its hint says that body is sent whole, and what fixes it.
func TestFlushTooLargeHintSaysTheBodyIsSentWhole(t *testing.T) {
	t.Parallel()
	env, box := outboxEnv(t)
	be := newSwitchable(t, http.StatusServiceUnavailable)
	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-large", "--target", "127.0.0.1", "--log-level", "error", "--backend-url", be.URL)
	if m := storedLine.FindStringSubmatch(r.stderr); r.code != 1 || m == nil || m[2] != box {
		t.Fatalf("run: exit %d, stderr:\n%s\nwant 1 and the body stored in %s", r.code, r.stderr, box)
	}
	be.set(http.StatusRequestEntityTooLarge)
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	const hint = "injectkit: hint: the backend, or a proxy in front of it, refused the body as too large (413; an OpenAEV platform takes up to 5 GB, " +
		"a proxy's limit is likely, as nginx's client_max_body_size): a body kept in the outbox is not split again: retry-dead resends it whole"
	if f.code != 1 || !strings.Contains(f.stdout, "1 rejected (moved to the dead list)") || !strings.Contains(f.stderr, hint) {
		t.Errorf("flush: exit %d\n%s%s\nwant 1, the body dead and %q", f.code, f.stdout, f.stderr, hint)
	}
}
