package cli_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A terminal callback `serve --tenant T` kept (its path under
// /api/tenants/T/) is not a flush's to send: its daemon resends it. A
// flush said "0 delivered, 0 still pending" of an outbox that `outbox
// list` showed holding it pending, exit 0, as if nothing waited (tester
// t127). The flush now names it and who sends it, and sends nothing;
// `outbox list` names its tenant beside its backend.
func TestOutboxFlushNamesATenantsCallbacks(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(be.Close)
	box := filepath.Join(t.TempDir(), "outbox.db")
	const tenant = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	storeBodies(t, box, outbox.Entry{InjectID: "inj-t", Phase: "complete", BaseURL: be.URL, Body: []byte(`{}`),
		Profile: openaev.ProfileName, Path: "/api/tenants/" + tenant + "/injects/execution/callback/inj-t",
		InjectorID: "7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f"})
	env := map[string]string{"INJECTKIT_OUTBOX": box}

	l := run(t, registry(), env, "outbox", "list")
	if l.code != 0 || !strings.Contains(l.stdout, be.URL+" (openaev, tenant "+tenant+", injector 7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f)") {
		t.Errorf("list: exit %d, want its owner with the tenant\n%s%s", l.code, l.stdout, l.stderr)
	}
	// The serve that resends it has its injector id too (another
	// injector's leaves it alone): named with it.
	want := "1 terminal callback body for " + be.URL + " (tenant " + tenant + ") left pending: a flush does not send a tenant's callbacks; " +
		"the injectkit serve that stored it resends it (--openaev-url " + be.URL + " --tenant " + tenant + " --injector-id 7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f)"
	for _, args := range [][]string{
		{"outbox", "flush", "--backend-url", be.URL, "--token", "standin-token", "--log-level", "error"},
		{"outbox", "flush", "--log-level", "error"},
	} {
		f := run(t, registry(), env, args...)
		if f.code != 0 || !strings.Contains(f.stdout, want) ||
			!strings.Contains(f.stdout, "0 delivered, 0 still pending, 0 rejected (moved to the dead list), 0 being sent by another process; 1 left pending for injectkit serve (see the line above)") {
			t.Errorf("%q: exit %d, want 0 and\n%s\n%s%s", args, f.code, want, f.stdout, f.stderr)
		}
	}
	if n := posts.Load(); n != 0 {
		t.Errorf("%d requests: a flush sent a tenant's callback", n)
	}
	if got := listOutbox(t, env); got.Pending != 1 {
		t.Errorf("listing %+v: want the body still pending", got)
	}
}

// `outbox move` of a terminal callback `serve --tenant T` kept said
// "flush them with: injectkit outbox flush … --backend-url NEW", a flush
// that leaves it pending (tester t127). It now names the daemon that
// resends it, with the injector id it was kept for (a serve with another
// leaves it alone); the callback profile's bodies moved with it still
// get the flush.
func TestOutboxMoveNamesWhoSendsATenantsCallbacks(t *testing.T) {
	t.Parallel()
	const tenant = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	const from, to = "http://127.0.0.1:1", "http://127.0.0.1:2"
	tenanted := outbox.Entry{InjectID: "inj-t", Phase: "complete", BaseURL: from, Body: []byte(`{}`),
		Profile: openaev.ProfileName, Path: "/api/tenants/" + tenant + "/injects/execution/callback/inj-t"}
	serveSends := "the injectkit serve with --openaev-url " + to + " --tenant " + tenant + " resends the 1 terminal callback body of tenant " + tenant
	const unsent = " (a flush does not send a tenant's callbacks)"
	for _, tc := range []struct {
		name    string
		entries []outbox.Entry
		want    []string
	}{
		{"the tenant's alone", []outbox.Entry{tenanted}, []string{"nothing sent): " + serveSends + unsent + "\n"}},
		{"beside a signature body", []outbox.Entry{tenanted, {InjectID: "inj-c", Phase: "p", BaseURL: from, Body: []byte(`{}`)}},
			[]string{"nothing sent): flush them with: injectkit outbox flush --outbox ", "; " + serveSends + unsent + "\n"}},
		{"kept for an injector", []outbox.Entry{tenanted, {InjectID: "inj-i", Phase: "complete", BaseURL: from, Body: []byte(`{}`),
			Profile: openaev.ProfileName, Path: "/api/tenants/" + tenant + "/injects/execution/callback/inj-i", InjectorID: "7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f"}},
			[]string{"nothing sent): " + serveSends + "; the injectkit serve with --openaev-url " + to + " --tenant " + tenant +
				" --injector-id 7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f resends the 1 terminal callback body of tenant " + tenant + unsent + "\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			box := filepath.Join(t.TempDir(), "outbox.db")
			storeBodies(t, box, tc.entries...)
			m := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "move", "--from", from, "--to", to)
			for _, want := range tc.want {
				if m.code != 0 || !strings.Contains(m.stdout, want) {
					t.Errorf("move: exit %d, want 0 and %q\n%s%s", m.code, want, m.stdout, m.stderr)
				}
			}
		})
	}
}

// The terminal callbacks of two serves (two injector ids of one tenant)
// get a line each, and the flush's count refers to both lines.
func TestOutboxFlushCountsEachServesLine(t *testing.T) {
	t.Parallel()
	box := filepath.Join(t.TempDir(), "outbox.db")
	const tenant, base = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "http://127.0.0.1:1"
	var entries []outbox.Entry
	for _, injector := range []string{"7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f", "0b9a8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d"} {
		id := "inj-" + injector[:4]
		entries = append(entries, outbox.Entry{InjectID: id, Phase: "complete", BaseURL: base, Body: []byte(`{}`),
			Profile: openaev.ProfileName, Path: "/api/tenants/" + tenant + "/injects/execution/callback/" + id, InjectorID: injector})
	}
	storeBodies(t, box, entries...)
	f := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "outbox", "flush", "--log-level", "error")
	for _, want := range []string{
		"(--openaev-url " + base + " --tenant " + tenant + " --injector-id 7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f)\n",
		"(--openaev-url " + base + " --tenant " + tenant + " --injector-id 0b9a8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d)\n",
		"; 2 left pending for injectkit serve (see the lines above)\n",
	} {
		if f.code != 0 || !strings.Contains(f.stdout, want) {
			t.Errorf("flush: exit %d, want 0 and %q\n%s%s", f.code, want, f.stdout, f.stderr)
		}
	}
}
