package cli_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// serve refused at its first registration (a contract another binary's
// injector holds: exit 2) sends nothing: the outbox's resender, which
// resends the callbacks an earlier daemon kept, starts once the
// registration succeeded. It started before, and the daemon that exited
// 2 had posted an earlier daemon's stored complete.
func TestServeRefusedAtRegistrationSendsNothing(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	const otherID = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
	other, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: serveToken, InjectorID: otherID,
		InjectorName: "Acme scanners", InjectorType: "acme-scanner"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := framework.NewRegistry().Manifest("noop", noop.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Register(context.Background(), []framework.Manifest{m}, false); err != nil {
		t.Fatal(err)
	}
	p.AddInject("i-1", openaev.ContractID("noop"))
	file := filepath.Join(t.TempDir(), "outbox.db")
	store, err := outbox.Open(file, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := store.Put(outbox.Entry{InjectID: "i-1", Phase: openaev.ActionComplete, TotalChunks: 1, BaseURL: p.URL,
		Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/i-1",
		Body: []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete","execution_duration":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	// Kept by an earlier daemon, due now.
	if err := store.MarkFailed(recs[0].ID, 4, "status 503", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": file}, "serve", "--openaev-url", p.URL,
		"--token", serveToken, "--injector-id", injectorID, "--injectors", "noop", "--listen-addr", "")
	if r.code != cli.ExitUsage {
		t.Fatalf("exit %d, want 2 (the contract held by another binary's injector):\n%s", r.code, r.stderr)
	}
	if calls := p.Calls("i-1"); len(calls) != 0 {
		t.Errorf("%d calls about inject i-1 from a daemon refused at start, want none: %+v\n%s", len(calls), calls, r.stderr)
	}
}
