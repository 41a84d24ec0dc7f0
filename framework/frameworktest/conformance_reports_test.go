package frameworktest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// Conformance names the params of Options.Params it reports, never their
// values: a secret given there (an api_token) would land in the test's log.
func TestConformanceWithholdsRejectedParamValues(t *testing.T) {
	const secret = "tok_s3cr3t-value"
	msgs := check(t, func(tb testing.TB) {
		frameworktest.ConformanceWith(tb, &probe{}, frameworktest.Options{Params: map[string]any{"api_token": secret, "port": 22}})
	})
	named := false
	for _, m := range msgs {
		if strings.Contains(m, secret) {
			t.Errorf("Conformance reported the value of a param: %q", m)
		}
		named = named || strings.Contains(m, "Options.Params (api_token, port)")
	}
	if !named {
		t.Errorf("Conformance reported %q; want a failure naming Options.Params (api_token, port)", msgs)
	}
}

// TestConformanceManifestPanics: when Manifest panics, the manifest check
// fails saying so, and nothing says the executor has no manifest.
func TestConformanceManifestPanics(t *testing.T) {
	ex := &probe{manifest: func(*framework.Manifest) { panic("bad tag") }}
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		frameworktest.ConformanceWith(r, ex, fast)
	}()
	<-done
	if msgs := r.messages(); !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "Manifest panicked: bad tag") }) {
		t.Errorf("Conformance reported %q; want the panic of Manifest", msgs)
	}
	for _, l := range r.logged() {
		if strings.Contains(l, "does not implement") {
			t.Errorf("Conformance logged %q of an executor whose Manifest panicked", l)
		}
	}
}

// TestConformanceNamesRejectedDefaults: when no Options.Params were
// given, the live injects' params are the defaults, and a refusal says so
// rather than blaming an empty "Options.Params ()" the test never set
// (tester t134, a default out of its range).
func TestConformanceNamesRejectedDefaults(t *testing.T) {
	ex := &probe{newParams: func() any { return &probeParams{Port: 0, Mode: "fast"} }}
	msgs := check(t, func(tb testing.TB) { frameworktest.ConformanceWith(tb, ex, fast) })
	named := false
	for _, m := range msgs {
		if strings.Contains(m, "Options.Params") {
			t.Errorf("Conformance blamed Options.Params, which were not given: %q", m)
		}
		named = named || strings.Contains(m, `the default params rejected: invalid params.port "0": out of range`)
	}
	if !named {
		t.Errorf("Conformance reported %q; want the live injects' refusal of the default params", msgs)
	}
}
