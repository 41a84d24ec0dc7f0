package serve

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The shutdown timeout's lines name the injects it acknowledged or
// requeued: as many as there are workers (up to 1024), each id up to
// 256 bytes, which made a line of up to 264 KB that log pipelines cut or
// drop. They now name the first few, sorted, and count the rest, in both
// log formats.
func TestShutdownInjectIDsBounded(t *testing.T) {
	const n, bound = 10000, 4096
	ids := make([]string, n+1)
	for i := range n {
		ids[i] = fmt.Sprintf("%05d-%s", i, strings.Repeat("i", 250))
	}
	// a job without an inject id is not named
	fields := append(injectIDs(ids), zap.Int("requeued", n))
	for name, enc := range map[string]zapcore.Encoder{
		"json":    zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		"console": zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
	} {
		buf, err := enc.EncodeEntry(zapcore.Entry{Level: zapcore.WarnLevel, Time: time.Unix(0, 0),
			Message: "shutdown timeout: requeued the unfinished injects"}, fields)
		if err != nil {
			t.Fatal(err)
		}
		line := buf.String()
		if len(line) > bound {
			t.Errorf("%s: line of %d bytes, want at most %d", name, len(line), bound)
		}
		if !strings.Contains(line, "00000-") || !strings.Contains(line, "00009-") || strings.Contains(line, "00010-") {
			t.Errorf("%s: line %.400s… does not name the first 10 ids alone", name, line)
		}
		if !strings.Contains(line, fmt.Sprintf("%d", n-maxIDsNamed)) {
			t.Errorf("%s: line %.400s… does not count the %d ids not named", name, line, n-maxIDsNamed)
		}
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	if got := enc.Fields["inject_ids_not_named"]; got != int64(n-maxIDsNamed) {
		t.Errorf("inject_ids_not_named = %v, want %d", got, n-maxIDsNamed)
	}
	few := zapcore.NewMapObjectEncoder()
	for _, f := range injectIDs([]string{"b", "", "a"}) {
		f.AddTo(few)
	}
	if fmt.Sprint(few.Fields["inject_ids"]) != "[a b]" || few.Fields["inject_ids_not_named"] != nil {
		t.Errorf("fields of ids b, a: %v, want inject_ids [a b] alone", few.Fields)
	}
}
