package cli_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestServeRefusesAContractAnotherBinaryHolds is the platform tester's
// finding: another binary (injector_type "acme-scanner") registered an
// injector named "noop" first, so its contract id is ours. serve (type
// injectkit) exits 2 at start naming the contract, the other injector
// and how to fix it, and registers nothing: the platform would send our
// noop's injects to the other binary.
func TestServeRefusesAContractAnotherBinaryHolds(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	otherID := acmeHoldsNoop(t, p)

	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--injectors", "noop", "--listen-addr", "", "--outbox", "none")
	waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
	if code := stop(); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{`invalid injector_type "injectkit"`, openaev.ContractID("noop"), `"Acme scanners"`, otherID,
		`"acme-scanner"`, "leave it out of --injectors"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %s:\n%s", want, stderr)
		}
	}
	if n := len(p.Registrations()); n != 1 {
		t.Errorf("%d registrations, want the other binary's alone", n)
	}
}

// TestServeRefusesARegistrationThatCrossedAnother: another binary
// (injector_type "acme-scanner") registers an injector named "noop"
// while serve starts, after serve read the contract free and before its
// registration lands: the platform links the contract to the other
// first. serve reads it again right after registering and exits 2,
// naming the other injector, before it consumes any inject.
func TestServeRefusesARegistrationThatCrossedAnother(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	other, otherID, manifests := acmeNoop(t, p)
	proxy := testkit.ReverseProxy(t, p.URL)
	var once sync.Once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && req.URL.Path == "/api/injectors" {
			once.Do(func() {
				if _, err := other.Register(context.Background(), manifests, false); err != nil {
					t.Errorf("the other binary's registration: %v", err)
				}
			})
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(front.Close)

	stderr, stop := serveRun(t, nil, "--openaev-url", front.URL, "--token", serveToken, "--injector-id", injectorID,
		"--injectors", "noop", "--listen-addr", "", "--outbox", "none")
	waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
	if code := stop(); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{`invalid injector_type "injectkit"`, openaev.ContractID("noop"), `"Acme scanners"`, otherID,
		`"acme-scanner"`, "crossed", "another --injector-id"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %s:\n%s", want, stderr)
		}
	}
	if n := len(p.Registrations()); n != 2 {
		t.Errorf("%d registrations, want the other binary's and serve's", n)
	}
}
