// Package contracttest checks an injector's contract and findings against
// the strict platform stand-in (openaev/openaevtest), for the tests of the
// reference injectors: what the platform would refuse at registration, or
// drop from a callback, fails the test instead.
package contracttest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// PlatformTypes are the platform's contract platforms (OpenAEV 2.4.0;
// later versions only add Android and iOS).
var PlatformTypes = []string{"Linux", "Windows", "MacOS", "Container", "Service", "Generic", "Internal", "Unknown"}

// CheckManifest fails t for a platform of m that is no platform type, and
// for an output type of m unknown to one of the versions (the current line
// when none is given).
func CheckManifest(t testing.TB, m framework.Manifest, versions ...openaevtest.Version) {
	t.Helper()
	if len(versions) == 0 {
		versions = []openaevtest.Version{openaevtest.Current}
	}
	for _, p := range m.Platforms {
		if !slices.Contains(PlatformTypes, p) {
			t.Errorf("platform %q is not a platform type %v", p, PlatformTypes)
		}
	}
	for _, o := range m.Outputs {
		for _, v := range versions {
			if !openaevtest.KnownOutputType(v, o.Type) {
				t.Errorf("output %s: type %q unknown to platform %v", o.Field, o.Type, v)
			}
		}
	}
}

// CheckOutputs fails t for each output of m whose value in doc the current
// platform's validator rejects, or 2.4.0's when that version knows the
// output type. An output absent from doc is not processed.
func CheckOutputs(t testing.TB, m framework.Manifest, doc map[string]any) {
	t.Helper()
	for _, o := range m.Outputs {
		value, present := doc[o.Field]
		if !present {
			continue
		}
		for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
			if v != openaevtest.Current && !openaevtest.KnownOutputType(v, o.Type) {
				continue
			}
			if err := openaevtest.ValidateOutput(v, o.Type, o.Multiple, value); err != nil {
				t.Errorf("output %s (%s) rejected by platform %v: %v", o.Field, o.Type, v, err)
			}
		}
	}
}

// RoundTrip returns findings as the platform reads them: after a JSON
// round trip.
func RoundTrip(t testing.TB, findings map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(findings)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}
