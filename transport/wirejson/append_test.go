package wirejson

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

type textish struct{ A int }

func TestAppendTargetMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, "", "plain", `quote " and \ slash`, "<tag>&amp;", "tab\tnew\nline\r\b\f\x01", "naïve é 日本",
		"\u2028\u2029", "bad \xff utf8", true, false, 0, -42, int64(math.MaxInt64), int32(-7), uint16(65535),
		uint64(math.MaxUint64), 3.5, 1e21, float32(0.1), []string{"a", "<b>"}, []string(nil), []string{},
		[]any{1, "x"}, map[string]any{"k": 1}, textish{A: 2}, json.Number("12.50"), json.RawMessage(`{"r":1}`),
		signatures.StatusTimeout, []int{1, 2},
	}
	for _, v := range values {
		target := signatures.PayloadTarget{
			SignatureTarget: signatures.Attribution{Agent: "ag<1>", AssetGroup: "g"},
			SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "k", SignatureValue: v}, {SignatureType: "x&y", SignatureValue: "z"}}},
				{ExpectationType: signatures.Prevention, SignatureType: "flat", SignatureValue: v},
			},
		}
		checkWire(t, target)
		checkSize(t, target)
	}
	checkWire(t, signatures.PayloadTarget{})
	checkWire(t, signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{}})
}

func checkWire(t *testing.T, target signatures.PayloadTarget) {
	t.Helper()
	want, err := json.Marshal(target)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendTarget([]byte("prefix"), target)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[len("prefix"):], want) {
		t.Errorf("encoding differs for %+v:\n got %s\nwant %s", target, got[len("prefix"):], want)
	}
}

func TestAppendTargetError(t *testing.T) {
	for _, v := range []any{math.NaN(), make(chan int), func() {}} {
		target := signatures.PayloadTarget{SignatureValues: []signatures.ValueGroup{
			{ExpectationType: signatures.Detection, Values: []signatures.Value{{SignatureType: "k", SignatureValue: v}}},
		}}
		if _, err := AppendTarget(nil, target); err == nil {
			t.Errorf("%T encoded without error", v)
		}
	}
}

// FuzzAppendTarget is the package's contract: AppendTarget writes what
// encoding/json writes.
func FuzzAppendTarget(f *testing.F) {
	f.Add("agent", "asset", "DETECTION", "target_ipv4", "127.0.0.1", int64(3), true)
	f.Add("", "<a&b>", "PREVENTION", "q\"uote", "\u2028\xff\x00", int64(-1), false)
	f.Add("日本", "", "x", "", "\\", int64(0), true)
	f.Fuzz(func(t *testing.T, agent, asset, et, typ, s string, n int64, flatForm bool) {
		g := signatures.ValueGroup{ExpectationType: signatures.ExpectationType(et)}
		if flatForm {
			g.SignatureType, g.SignatureValue = typ, s
		} else {
			g.Values = []signatures.Value{{SignatureType: typ, SignatureValue: s}, {SignatureType: s, SignatureValue: n}, {SignatureType: typ, SignatureValue: []string{s, typ}}}
		}
		checkWire(t, signatures.PayloadTarget{
			SignatureTarget: signatures.Attribution{Agent: agent, Asset: asset, AssetGroup: s},
			SignatureValues: []signatures.ValueGroup{g, {ExpectationType: signatures.Vulnerability, SignatureValue: n}},
		})
	})
}
