package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// detailed is a panic value that logs itself as an object.
type detailed struct{}

func (detailed) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("value", "inner")
	return nil
}

// TestPanicFieldIsAlwaysAString: a recovered panic's "panic" field is a
// JSON string whatever the value's type (zap.Any wrote 42 as a number and
// an object marshaler as an object, which a log store typing the field
// from its first line refuses), the object, when there is one, beside
// it as panic_detail.
func TestPanicFieldIsAlwaysAString(t *testing.T) {
	tests := []struct {
		v          any
		want       string
		wantDetail bool
	}{
		{"naming bug", "naming bug", false},
		{42, "42", false},
		{errors.New("broken"), "broken", false},
		{detailed{}, "{}", true},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zap.DebugLevel))
		log.Error("handler panic", panicFields(tt.v)...)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%v: %v in %s", tt.v, err, buf.String())
		}
		if got, ok := line["panic"].(string); !ok || got != tt.want {
			t.Errorf("panic(%#v) logged as %#v, want the string %q", tt.v, line["panic"], tt.want)
		}
		detail, ok := line["panic_detail"].(map[string]any)
		if ok != tt.wantDetail || (ok && detail["value"] != "inner") {
			t.Errorf("panic(%#v): panic_detail %#v, want one: %v", tt.v, line["panic_detail"], tt.wantDetail)
		}
	}
}
