package wirejson

import (
	"math"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// checkSize checks that TargetSize agrees with AppendTarget on t, errors
// included.
func checkSize(t *testing.T, target signatures.PayloadTarget) {
	t.Helper()
	b, werr := AppendTarget(nil, target)
	n, _, serr := TargetSize(target, nil)
	switch {
	case (werr == nil) != (serr == nil):
		t.Fatalf("AppendTarget error %v, TargetSize error %v", werr, serr)
	case werr == nil && n != len(b):
		t.Fatalf("TargetSize %d, AppendTarget wrote %d bytes: %s", n, len(b), b)
	}
}

func TestTargetSizeError(t *testing.T) {
	for _, v := range []any{math.NaN(), make(chan int), func() {}} {
		checkSize(t, signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
			{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "k", SignatureValue: v}}},
		}})
	}
}

func TestTargetSizeReusesScratch(t *testing.T) {
	target := signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
		{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "f", SignatureValue: 1.5}}},
	}}
	_, scratch, err := TargetSize(target, make([]byte, 0, 64))
	if err != nil || cap(scratch) != 64 {
		t.Errorf("scratch of capacity %d (%v), want the one given", cap(scratch), err)
	}
}

// FuzzTargetSize checks that the size transport plans with is the size
// AppendTarget writes, for any strings and values.
func FuzzTargetSize(f *testing.F) {
	f.Add("a-1", "", "source_ipv4", "172.17.0.2", int64(22), true, "x<y>&\"z\u2028")
	f.Add("", "grp", "target_hostname", "web.example.com", int64(-7), false, "\x00\xff")
	f.Fuzz(func(t *testing.T, asset, group, typ, val string, n int64, b bool, odd string) {
		checkSize(t, signatures.PayloadTarget{
			SignatureTarget: signatures.Attribution{Asset: asset, AssetGroup: group},
			SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: []signatures.Value{
					{SignatureType: typ + "x", SignatureValue: val},
					{SignatureType: "n", SignatureValue: n},
					{SignatureType: "i", SignatureValue: int(n)},
					{SignatureType: "u", SignatureValue: uint64(n)},
					{SignatureType: "b", SignatureValue: b},
					{SignatureType: "l", SignatureValue: []string{odd, val}},
					{SignatureType: "m", SignatureValue: map[string]any{"k": odd, "n": []int{1, int(n)}}},
					{SignatureType: "f", SignatureValue: 1.5},
					{SignatureType: "nil", SignatureValue: nil},
				}},
				{ExpectationType: signatures.Prevention, SignatureType: odd + "t", SignatureValue: odd},
			},
		})
	})
}
