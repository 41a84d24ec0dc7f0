package openaevtest_test

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSignaturesStoredOnce models InjectExpectationLockService
// .applySignaturesForExpectationWithLock: an expectation's signatures are
// rows keyed by expectation, type and value (InjectExpectationSignature's
// @IdClass), and an expectation already given an injector's signatures is
// given the de-duplicated union of the held and the new
// (ExpectationSignatureUtils.mergeExpectationSignatures, a LinkedHashSet on
// equals of expectation, type and value). A repeat is stored once, whatever
// carried it, and Call.SignaturesRepeated names it.
func TestSignaturesStoredOnce(t *testing.T) {
	val := func(typ, v string) map[string]any { return map[string]any{"signature_type": typ, "signature_value": v} }
	target := func(st map[string]any, et string, vals ...map[string]any) map[string]any {
		vs := make([]any, len(vals))
		for i, v := range vals {
			vs[i] = v
		}
		return map[string]any{"signature_target": st, "signature_values": []any{map[string]any{"expectation_type": et, "values": vs}}}
	}
	env := func(ts ...map[string]any) map[string]any {
		l := make([]any, len(ts))
		for i, x := range ts {
			l[i] = x
		}
		return map[string]any{"targets": l}
	}
	a1 := map[string]any{"asset": "a1"}
	ip1, ip2 := val("target_ipv4_address", "10.0.0.1"), val("target_ipv4_address", "10.0.0.2")
	tests := []struct {
		name      string
		callbacks []map[string]any // "data" callbacks, then the last a "complete"
		want      []string         // a1's DETECTION signatures, in order
		repeated  int              // SignaturesRepeated over all callbacks
	}{
		{"one of each", []map[string]any{env(target(a1, "DETECTION", ip1, ip2))}, []string{"10.0.0.1", "10.0.0.2"}, 0},
		{"the same value twice in a group", []map[string]any{env(target(a1, "DETECTION", ip1, ip1))}, []string{"10.0.0.1"}, 1},
		{"two targets naming the same asset", []map[string]any{env(target(a1, "DETECTION", ip1), target(map[string]any{"asset_id": "a1"}, "DETECTION", ip1, ip2))},
			[]string{"10.0.0.1", "10.0.0.2"}, 1},
		{"a later callback sending it again", []map[string]any{env(target(a1, "DETECTION", ip1)), env(target(a1, "DETECTION", ip2, ip1))},
			[]string{"10.0.0.1", "10.0.0.2"}, 1},
		{"the same type and value for PREVENTION is another expectation's", []map[string]any{env(target(a1, "DETECTION", ip1), target(a1, "PREVENTION", ip1))},
			[]string{"10.0.0.1"}, 0},
		{"another type with the same value", []map[string]any{env(target(a1, "DETECTION", ip1, val("target_hostname_address", "10.0.0.1")))},
			[]string{"10.0.0.1", "10.0.0.1"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			repeated := 0
			for i, doc := range tt.callbacks {
				action := "data"
				if i == len(tt.callbacks)-1 {
					action = "complete"
				}
				c := postCallback(t, p, "i1", callback(action, "SUCCESS", map[string]any{"expectation_signatures": doc}))
				if !c.Processed() {
					t.Fatalf("callback %d: %s (%s)", i, c.Outcome, c.Reason)
				}
				repeated += len(c.SignaturesRepeated)
			}
			var got []string
			for _, s := range p.ExpectationSignatures("i1", openaevtest.Expectation{Asset: "a1"})["DETECTION"] {
				got = append(got, s.Value)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stored %v, want %v", got, tt.want)
			}
			if repeated != tt.repeated {
				t.Errorf("%d repeats recorded, want %d", repeated, tt.repeated)
			}
		})
	}
}

// TestInjectorRepeatingThePlatformsOwnSignature: the first injector
// signatures an agent's expectation receives replace the platform's own
// (applySignaturesForExpectationWithLock clears an expectation whose
// signatures are not initialized), so a source address the platform had
// computed, sent by the injector, is the injector's and no repeat; sent
// again, it is one.
func TestInjectorRepeatingThePlatformsOwnSignature(t *testing.T) {
	p := publishedI1(t)
	doc := map[string]any{"targets": []any{map[string]any{"signature_target": map[string]any{"agent_id": "ag1"},
		"signature_values": []any{map[string]any{"expectation_type": "DETECTION",
			"values": []any{map[string]any{"signature_type": "source_ipv4_address", "signature_value": "127.0.0.5"}}}}}}}
	first := postCallback(t, p, "i1", callback("data", "SUCCESS", map[string]any{"expectation_signatures": doc}))
	second := postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{"expectation_signatures": doc}))
	if len(first.Signatures) != 1 || len(first.SignaturesRepeated) != 0 {
		t.Errorf("first: stored %v, repeated %v; want it stored", first.Signatures, first.SignaturesRepeated)
	}
	if len(second.Signatures) != 0 || len(second.SignaturesRepeated) != 1 {
		t.Errorf("second: stored %v, repeated %v; want it repeated", second.Signatures, second.SignaturesRepeated)
	}
	if got, want := held(p, ag1, "DETECTION"), []string{"source_ipv4_address=127.0.0.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ag1 DETECTION holds %v, want %v", got, want)
	}
	if got, want := held(p, ag1, "PREVENTION"), own("ag1"); !reflect.DeepEqual(got, want) {
		t.Errorf("ag1 PREVENTION holds %v, want the platform's own %v", got, want)
	}
}
