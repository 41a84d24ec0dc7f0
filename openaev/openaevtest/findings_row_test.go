package openaevtest_test

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFindingIndexRow: the stand-in refuses a finding whose index row,
// not its value alone, is over the limit, as PostgreSQL does: with a UUID
// inject id, the type Text and the field action_output (13 bytes), a value
// of 2647 - 13 bytes fits (8 + 37 + 5 + 2 + 4 + value + 1 + 13 = 2704);
// one byte more, or a value of 2704 bytes (accepted before), rolls the
// callback back. The values are hex: nothing PostgreSQL could compress.
func TestFindingIndexRow(t *testing.T) {
	const inject, field = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21", "action_output"
	room := 2647 - len(field)
	for _, tt := range []struct {
		name    string
		size    int
		outcome string
	}{
		{"filling the row", room, openaevtest.Processed},
		{"a byte over the row", room + 1, openaevtest.Dropped},
		{"a value of the row limit", openaevtest.MaxFindingRow, openaevtest.Dropped},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t, openaevtest.WithVersion(openaevtest.Version24))
			p.AddInject(inject, nmapContractID)
			value := incompressible(tt.size)
			body := callback("complete", "SUCCESS", map[string]any{field: value})
			c := postCallback(t, p, inject, body)
			if c.Outcome != tt.outcome {
				t.Fatalf("a finding of %d bytes: outcome %s (%s), want %s", len(value), c.Outcome, c.Reason, tt.outcome)
			}
			stored := p.Findings(inject)[field] == value
			if stored != (tt.outcome == openaevtest.Processed) {
				t.Errorf("a finding of %d bytes: stored %v", len(value), stored)
			}
			if tt.outcome == openaevtest.Dropped && !strings.Contains(c.Reason, "row limit") {
				t.Errorf("reason %q names no row limit", c.Reason)
			}
		})
	}
}

// incompressible returns n bytes of hex of a sequence that does not
// repeat.
func incompressible(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.NewChaCha8([32]byte{}).Read(b) // never fails
	return hex.EncodeToString(b)[:n]
}
