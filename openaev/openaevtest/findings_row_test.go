package openaevtest_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
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

// TestFindingFieldColumn: a finding's field is its output's, stored in
// finding_field, varchar(255): an output of a field of 256 characters
// rolls the callback back when it stores a finding (the legacy ingestion
// a 409), never when it stores none (an empty list); 255 characters of
// two bytes each are stored (PostgreSQL counts characters).
func TestFindingFieldColumn(t *testing.T) {
	const inject = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21"
	long, wide := strings.Repeat("f", openaevtest.MaxFindingField+1), strings.Repeat("é", openaevtest.MaxFindingField)
	for _, tt := range []struct {
		name    string
		field   string
		value   any
		legacy  bool
		outcome string // "" for the legacy ingestion's answer
		status  int    // the legacy ingestion's
	}{
		{"field of 255 two-byte characters", wide, []any{"a"}, false, openaevtest.Processed, 0},
		{"field of 256 characters", long, []any{"a"}, false, openaevtest.Dropped, 0},
		{"field of 256 characters, no finding", long, []any{}, false, openaevtest.Processed, 0},
		{"field of 256 characters, legacy ingestion", long, []any{"a"}, true, "", http.StatusConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := []openaevtest.Option{openaevtest.WithVersion(openaevtest.Version24)}
			if tt.legacy {
				opts = append(opts, openaevtest.WithLegacyIngestion())
			}
			p := openaevtest.NewPlatform(t, token, opts...)
			if st, reply := register(t, p, nmapContract(func(c, e map[string]any) {
				c["outputs"] = []any{map[string]any{"type": "text", "field": tt.field, "isMultiple": true}}
			})); st != http.StatusOK {
				t.Fatalf("registration: %d %v", st, reply)
			}
			p.AddInject(inject, nmapContractID)
			if st, _ := post(t, p, "/api/injects/execution/reception/"+inject, token, "application/json",
				[]byte(`{"tracking_total_count":1}`)); st != http.StatusOK {
				t.Fatalf("reception: %d", st)
			}
			b, _ := json.Marshal(callback("complete", "SUCCESS", map[string]any{tt.field: tt.value}))
			st, reply := post(t, p, "/api/injects/execution/callback/"+inject, token, "application/json", b)
			if tt.legacy {
				if st != tt.status || !strings.Contains(fmt.Sprint(reply), "character varying(255)") {
					t.Fatalf("legacy ingestion: status %d (%v), want %d saying the column refuses the field", st, reply, tt.status)
				}
				return
			}
			calls := p.Calls(inject)
			c := calls[len(calls)-1]
			if st != http.StatusOK || c.Outcome != tt.outcome {
				t.Fatalf("status %d, outcome %s (%s), want 200, %s", st, c.Outcome, c.Reason, tt.outcome)
			}
			_, stored := p.Findings(inject)[tt.field]
			if want := tt.outcome == openaevtest.Processed; stored != want {
				t.Errorf("finding stored %v, want %v", stored, want)
			}
			if tt.outcome == openaevtest.Dropped && !strings.Contains(c.Reason, "character varying(255)") {
				t.Errorf("reason %q does not say the column refuses the field", c.Reason)
			}
		})
	}
}
