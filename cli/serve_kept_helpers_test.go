package cli_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// acmeHoldsNoop registers on p, as another binary would (injector_type
// "acme-scanner", named "Acme scanners"), an injector serving noop: its
// contract id is then the one serve's noop registers. It returns the
// other injector's id.
func acmeHoldsNoop(t *testing.T, p *openaevtest.Platform) string {
	t.Helper()
	other, otherID, manifests := acmeNoop(t, p)
	if _, err := other.Register(context.Background(), manifests, false); err != nil {
		t.Fatal(err)
	}
	return otherID
}

// acmeNoop returns, unregistered, the client on p of another binary
// (injector_type "acme-scanner", named "Acme scanners"), its injector id
// and the manifests it serves: noop's alone, whose contract id is the one
// serve's noop registers.
func acmeNoop(t *testing.T, p *openaevtest.Platform) (*openaev.Client, string, []framework.Manifest) {
	t.Helper()
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
	return other, otherID, []framework.Manifest{m}
}

// keptComplete returns a new outbox file holding the terminal complete of
// inject i-1 for the platform at baseURL, as an earlier daemon kept it
// after four failed attempts: pending, due now.
func keptComplete(t *testing.T, baseURL string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "outbox.db")
	store, err := outbox.Open(file, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := store.Put(outbox.Entry{InjectID: "i-1", Phase: openaev.ActionComplete, TotalChunks: 1, BaseURL: baseURL,
		Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/i-1",
		Body: []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete","execution_duration":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.MarkFailed(recs[0].ID, 4, "status 503", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}
