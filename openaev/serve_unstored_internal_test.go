package openaev

import (
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
)

// A secret among the undelivered signatures (a query that quotes a
// token) never shows in the line the log's writer redacts (as the CLI's
// does, the line whole), in either format: not as written, not once the
// line and the field are decoded, whatever JSON escapes it takes.
func TestUndeliveredSignaturesRedacted(t *testing.T) {
	for _, secret := range []string{
		"h225-plain-secret-0123456789",
		`h225"quoted\secret<0123456789>`,
		"h225-é-secret-\u2028-0123456789",
	} {
		value, _ := json.Marshal("SELECT * WHERE token = '" + secret + "'")
		unsent := []json.RawMessage{json.RawMessage(`{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION",` +
			`"values":[{"signature_type":"query","signature_value":` + string(value) + `}]}]}`)}
		fields := signatureFields(&runtime.Report{Status: "SUCCESS"}, unsent)
		red := httpx.NewRedactor(secret)
		for name, enc := range map[string]zapcore.Encoder{
			"json":    zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
			"console": zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
		} {
			buf, err := enc.EncodeEntry(zapcore.Entry{Message: "lost"}, fields)
			if err != nil {
				t.Fatal(err)
			}
			line := red.Redact(buf.String())
			if !strings.Contains(line, "[REDACTED]") {
				t.Errorf("%s line %s: nothing redacted of %q", name, line, secret)
			}
			shown := line
			if name == "json" {
				var doc struct {
					Undelivered []struct {
						SignatureValues []struct {
							Values []struct {
								Value string `json:"signature_value"`
							} `json:"values"`
						} `json:"signature_values"`
					} `json:"undelivered_signatures"`
				}
				if err := json.Unmarshal([]byte(line), &doc); err != nil {
					t.Fatalf("redacted line %s: %v", line, err)
				}
				shown = doc.Undelivered[0].SignatureValues[0].Values[0].Value
			}
			if strings.Contains(shown, secret) || strings.Contains(line, secret) {
				t.Errorf("%s line shows the secret %q: %s", name, secret, line)
			}
		}
	}
}
