package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// The callback profile's 404 answered "Element not found" (what a backend
// built on OpenAEV's RestBehavior answers once its callback route looked
// up an inject it does not hold) says the inject, not the URL: run names
// where the inject id was given, flush and retry-dead that the inject is
// gone from that backend, and the body stays in the dead list, as the
// hint says a resend gets 404 again. A 404 without that body (Spring
// Boot's for a path no route maps: a wrong URL) keeps the hints on the
// route and the URL. Both said "check the backend URL" (run also "run
// with --profile openaev") whatever the body.
func TestCallbackNotFoundElementSaysTheInject(t *testing.T) {
	const (
		held   = "the backend at this URL answers that it does not hold the inject (404, Element not found): its callback route looked the inject up, so the URL is right (a wrong URL gets no such answer)"
		urlFix = "check the backend URL given by --backend-url"
		route  = "for an OpenAEV platform, run with --profile openaev"
	)
	notHeld := transporttest.Reply{Status: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
		Body: `{"message":"Element not found: Inject not found with id: inj-gone"}`}
	noRoute := transporttest.Reply{Status: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
		Body: `{"timestamp":"2026-12-08T01:40:00.000+00:00","status":404,"error":"Not Found","path":"/aev/api/injects/inj-gone/callback"}`}
	injectFile := writeFile(t, "inject.json", `{"inject_id":"inj-gone","targets":[{"value":"192.0.2.1"}]}`)

	runs := []struct {
		name  string
		reply transporttest.Reply
		env   map[string]string
		args  []string
		want  []string
		never []string
	}{
		{"flag, no outbox", notHeld, nil, []string{"--inject-id", "inj-gone", "--outbox", "none"},
			[]string{held + ": check the inject id given by --inject-id: the backend holds no inject of that id"}, []string{urlFix, route}},
		{"env, outbox", notHeld, map[string]string{"INJECTKIT_INJECT_ID": "inj-gone"}, []string{"--outbox", "@box"},
			[]string{"kept in the dead list", held + ": check the inject id given by env INJECTKIT_INJECT_ID",
				"the body kept in the dead list would be answered 404 again by retry-dead: once the inject ran under an id the backend holds, remove it with outbox drop <id>"},
			[]string{urlFix, route}},
		{"inject file", notHeld, nil, []string{"--inject-file", injectFile, "--outbox", "none"},
			[]string{held + `: check the inject id given by the inject file's "inject_id"`}, []string{urlFix, route}},
		{"no such route", noRoute, nil, []string{"--inject-id", "inj-gone", "--outbox", "@box"},
			[]string{"kept in the dead list", route, urlFix}, []string{held}},
	}
	for _, tt := range runs {
		t.Run("run "+tt.name, func(t *testing.T) {
			be := transporttest.NewScriptedBackend(t)
			be.SetReply(tt.reply)
			box := filepath.Join(t.TempDir(), "o.db")
			args := []string{"run", "noop", "--backend-url", be.URL, "--token", "tok-held-1", "--log-level", "error"}
			if tt.name != "inject file" {
				args = append(args, "--target", "192.0.2.1")
			}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "@box", box))
			}
			r := run(t, registry(), tt.env, args...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr:\n%s\nwant %q", r.stderr, w)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(r.stderr, n) {
					t.Errorf("stderr:\n%s\nsays %q", r.stderr, n)
				}
			}
		})
	}

	for _, tt := range []struct {
		name        string
		reply       transporttest.Reply
		want, never string
	}{
		{"element not found", notHeld, held + ": the inject was deleted there since the run, or the run named an id it never held, " +
			"or, for a body moved here with outbox move, this is not the backend the inject is on: a resend gets 404 again; remove the body with outbox drop <id>", urlFix},
		{"no such route", noRoute, urlFix, held},
	} {
		t.Run("outbox "+tt.name, func(t *testing.T) {
			be := newSwitchable(t, http.StatusServiceUnavailable)
			box := filepath.Join(t.TempDir(), "o.db")
			if r := run(t, registry(), nil, "run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-gone", "--outbox", box,
				"--backend-url", be.URL, "--token", "tok-held-1", "--log-level", "error"); r.code != 1 || !storedLine.MatchString(r.stderr) {
				t.Fatalf("run: exit %d, want 1 and the body stored:\n%s", r.code, r.stderr)
			}
			be.SetReply(tt.reply)
			flush := run(t, registry(), nil, "outbox", "flush", "--outbox", box, "--backend-url", be.URL, "--token", "tok-held-1", "--log-level", "error")
			if flush.code != 1 || !strings.Contains(flush.stderr, "moved to the dead list") || !strings.Contains(flush.stderr, tt.want) || strings.Contains(flush.stderr, tt.never) {
				t.Errorf("flush: exit %d, stderr:\n%s\nwant 1, the body moved to the dead list, %q and no %q", flush.code, flush.stderr, tt.want, tt.never)
			}
			if l := run(t, registry(), nil, "outbox", "list", "--outbox", box); !strings.Contains(l.stdout, "0 pending, 1 dead") {
				t.Errorf("outbox list after the flush:\n%s\nwant the body dead, as the hint says", l.stdout)
			}
			retry := run(t, registry(), nil, "outbox", "retry-dead", "--outbox", box, "--backend-url", be.URL, "--token", "tok-held-1", "--log-level", "error", "1")
			if retry.code != 1 || !strings.Contains(retry.stderr, tt.want) || strings.Contains(retry.stderr, tt.never) {
				t.Errorf("retry-dead: exit %d, stderr:\n%s\nwant 1, %q and no %q", retry.code, retry.stderr, tt.want, tt.never)
			}
		})
	}
}
