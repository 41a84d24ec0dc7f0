package transport

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

func flat(et signatures.ExpectationType, typ string, v any) signatures.ValueGroup {
	return signatures.ValueGroup{ExpectationType: et, SignatureType: typ, SignatureValue: v}
}

func group(et signatures.ExpectationType, kv ...any) signatures.ValueGroup {
	g := signatures.ValueGroup{ExpectationType: et, Values: []signatures.Value{}}
	for i := 0; i+1 < len(kv); i += 2 {
		g.Values = append(g.Values, signatures.Value{SignatureType: kv[i].(string), SignatureValue: kv[i+1]})
	}
	return g
}

func TestNormalizeTarget(t *testing.T) {
	const (
		D = signatures.Detection
		P = signatures.Prevention
		V = signatures.Vulnerability
	)
	want := []signatures.ValueGroup{
		group(P, "target_ipv4", "127.0.0.2", "start_time", "t0"),
		group(D, "target_ipv4", "127.0.0.2", "port", 22),
		group(V, "cve", "CVE-2026-0001"),
	}
	tests := []struct {
		name string
		in   []signatures.ValueGroup
	}{
		{"grouped", want},
		{"flat", []signatures.ValueGroup{
			flat(P, "target_ipv4", "127.0.0.2"), flat(D, "target_ipv4", "127.0.0.2"),
			flat(P, "start_time", "t0"), flat(V, "cve", "CVE-2026-0001"), flat(D, "port", 22),
		}},
		{"mixed", []signatures.ValueGroup{
			flat(P, "target_ipv4", "127.0.0.2"), group(D, "target_ipv4", "127.0.0.2"),
			group(P, "start_time", "t0"), flat(D, "port", 22), group(V, "cve", "CVE-2026-0001"),
		}},
		{"split groups", []signatures.ValueGroup{
			group(P, "target_ipv4", "127.0.0.2"), group(D, "target_ipv4", "127.0.0.2", "port", 22),
			group(P, "start_time", "t0"), group(V, "cve", "CVE-2026-0001"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := signatures.PayloadTarget{SignatureTarget: signatures.Attribution{Agent: "a1"}, SignatureValues: tt.in}
			before := deepCopyGroups(tt.in)
			got, err := normalizeTarget(0, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.SignatureTarget != in.SignatureTarget {
				t.Errorf("signature target = %+v, want %+v", got.SignatureTarget, in.SignatureTarget)
			}
			if !reflect.DeepEqual(got.SignatureValues, want) {
				t.Errorf("groups =\n%+v\nwant\n%+v", got.SignatureValues, want)
			}
			if !reflect.DeepEqual(tt.in, before) {
				t.Errorf("input modified:\n%+v\nwas\n%+v", tt.in, before)
			}
		})
	}
}

func deepCopyGroups(gs []signatures.ValueGroup) []signatures.ValueGroup {
	out := make([]signatures.ValueGroup, len(gs))
	for i, g := range gs {
		out[i] = g
		if g.Values != nil {
			out[i].Values = append([]signatures.Value{}, g.Values...)
		}
	}
	return out
}

// Regrouping must not write into spare capacity of the caller's slices.
func TestNormalizeTargetDoesNotAppendToInput(t *testing.T) {
	backing := make([]signatures.Value, 1, 8)
	backing[0] = signatures.Value{SignatureType: "a", SignatureValue: "1"}
	in := signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
		{ExpectationType: signatures.Detection, Values: backing},
		flat(signatures.Detection, "b", "2"),
	}}
	if _, err := normalizeTarget(0, in); err != nil {
		t.Fatal(err)
	}
	if spare := backing[:2][1]; spare != (signatures.Value{}) {
		t.Errorf("caller's spare capacity written: %+v", spare)
	}
}

func TestNormalizeTargetErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        []signatures.ValueGroup
		wantField string
		wantValue string
	}{
		{"no values", nil, "targets[3].signature_values", ""},
		{"unknown type", []signatures.ValueGroup{group(signatures.Detection, "a", 1), {ExpectationType: "DETECT", Values: []signatures.Value{{SignatureType: "a"}}}},
			"targets[3].signature_values[1].expectation_type", "DETECT"},
		{"lower case type", []signatures.ValueGroup{flat("detection", "a", 1)},
			"targets[3].signature_values[0].expectation_type", "detection"},
		{"empty flat", []signatures.ValueGroup{{ExpectationType: signatures.Detection, SignatureValue: "x"}},
			"targets[3].signature_values[0].signature_type", ""},
		{"empty type in group", []signatures.ValueGroup{group(signatures.Prevention, "a", 1, "", 2)},
			"targets[3].signature_values[0].values[1].signature_type", ""},
		{"empty group", []signatures.ValueGroup{group(signatures.Prevention)},
			"targets[3].signature_values[0].values", ""},
		{"group and flat at once", []signatures.ValueGroup{{ExpectationType: signatures.Detection,
			Values: []signatures.Value{{SignatureType: "a"}}, SignatureType: "b"}},
			"targets[3].signature_values[0]", "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := normalizeTarget(3, signatures.PayloadTarget{SignatureValues: tt.in})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.wantField || ve.Value != tt.wantValue {
				t.Errorf("field, value = %q, %q; want %q, %q", ve.Field, ve.Value, tt.wantField, tt.wantValue)
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("message %q does not name %q", err, tt.wantField)
			}
		})
	}
}

// Flat and grouped forms of the same signatures give the same bytes.
func TestBodiesFlatAndGroupedAgree(t *testing.T) {
	grouped := signatures.Payload{Targets: []signatures.PayloadTarget{{
		SignatureTarget: signatures.Attribution{Asset: "asset-1"},
		SignatureValues: []signatures.ValueGroup{group(signatures.Detection, "target_ipv4", "127.0.0.1", "port", 443)},
	}}}
	flatP := signatures.Payload{Targets: []signatures.PayloadTarget{{
		SignatureTarget: signatures.Attribution{Asset: "asset-1"},
		SignatureValues: []signatures.ValueGroup{
			flat(signatures.Detection, "target_ipv4", "127.0.0.1"), flat(signatures.Detection, "port", 443),
		},
	}}}
	a, err := Bodies("inj-1", "post", grouped, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Bodies("inj-1", "post", flatP, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || len(b) != 1 || string(a[0]) != string(b[0]) {
		t.Fatalf("bodies differ:\n%s\n%s", a, b)
	}
	const want = `{"phase":"post","expectation_signature":{"targets":[{"signature_target":{"asset":"asset-1"},` +
		`"signature_values":[{"expectation_type":"DETECTION","values":[{"signature_type":"target_ipv4","signature_value":"127.0.0.1"},` +
		`{"signature_type":"port","signature_value":443}]}]}]}}`
	if string(a[0]) != want {
		t.Errorf("body =\n%s\nwant\n%s", a[0], want)
	}
}
