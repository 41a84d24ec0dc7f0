package wirejson

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// TestEncoderMatchesAppendTarget runs one Encoder over a payload's worth
// of targets (values repeated from one target to the next, one values
// slice shared between groups, flat groups, values of every kind) and
// checks each encoding and size against AppendTarget's.
func TestEncoderMatchesAppendTarget(t *testing.T) {
	shared := []any{"172.17.0.2", "2026-11-30T11:00:00Z", "success", "x<y>&\"z\u2028", 22, []string{"a", "b"}, nil}
	var targets []signatures.PayloadTarget
	for i := range 40 {
		id := fmt.Sprintf("10.0.0.%d", i%7) // repeats, and differs
		vals := []signatures.Value{
			{SignatureType: "source_ipv4", SignatureValue: shared[0]},
			{SignatureType: "target_ipv4", SignatureValue: id},
			{SignatureType: "start_time", SignatureValue: shared[1]},
			{SignatureType: "execution_status", SignatureValue: shared[2]},
			{SignatureType: "odd", SignatureValue: shared[3+i%4]},
		}
		if i%5 == 0 {
			vals[1].SignatureType = "target_hostname" // same value, other type
		}
		other := append([]signatures.Value(nil), vals...)
		other[4].SignatureValue = shared[i%len(shared)]
		groups := []signatures.ValueGroup{
			{ExpectationType: signatures.Detection, Values: vals},
			{ExpectationType: signatures.Prevention, Values: vals}, // the same slice
			{ExpectationType: signatures.Vulnerability, Values: other},
		}
		switch i % 6 {
		case 1:
			groups[1] = signatures.ValueGroup{ExpectationType: signatures.Prevention, SignatureType: "flat", SignatureValue: id}
		case 2:
			groups = groups[:1]
		case 3:
			groups = nil
		case 4:
			groups = []signatures.ValueGroup{}
		}
		targets = append(targets, signatures.PayloadTarget{
			SignatureTarget: signatures.Attribution{Asset: fmt.Sprint("a-", i%3), Agent: "<ag>"[:i%4]},
			SignatureValues: groups,
		})
	}
	var enc, sizer Encoder
	for i, tg := range targets {
		want, err := AppendTarget(nil, tg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := enc.AppendTarget([]byte("prefix"), tg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[len("prefix"):], want) {
			t.Errorf("target %d: encoding differs:\n got %s\nwant %s", i, got[len("prefix"):], want)
		}
		n, err := sizer.TargetSize(tg)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Errorf("target %d: size %d, encoding %d bytes", i, n, len(want))
		}
	}
}

// An Encoder fails where AppendTarget fails.
func TestEncoderError(t *testing.T) {
	target := signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
		{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "k", SignatureValue: make(chan int)}}},
	}}
	var e Encoder
	if _, err := e.AppendTarget(nil, target); err == nil {
		t.Error("AppendTarget: no error")
	}
	if _, err := e.TargetSize(target); err == nil {
		t.Error("TargetSize: no error")
	}
}
