package findingrow

import (
	"strings"
	"testing"
)

// TestValueRoom: a value of ValueRoom bytes fits the index in both column
// orders, one byte more does not fit in one of them, whatever the lengths
// of the other columns (short and long varlenas, every alignment).
func TestValueRoom(t *testing.T) {
	const uuid = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21"
	for _, tt := range []struct{ name, id, typ, field string }{
		{"uuid, text", uuid, TypeName("text"), "lines"},
		{"uuid, longest type", uuid, TypeName("account_with_password_not_required"), "f"},
		{"no field", uuid, "Text", ""},
		{"field of 126 bytes", uuid, "Text", strings.Repeat("f", 126)},
		{"field of 127 bytes", uuid, "Text", strings.Repeat("f", 127)},
		{"field of 255 bytes", uuid, "Text", strings.Repeat("f", 255)},
		{"short id", "i1", "CVE", "cves"},
	} {
		for pad := range 4 { // every alignment of what precedes the value
			field := tt.field + strings.Repeat("p", pad)
			room := ValueRoom(tt.id, tt.typ, field)
			if room <= 0 {
				t.Fatalf("%s: no room", tt.name)
			}
			fits := func(n int) bool {
				return tupleSize(len(tt.id), len(tt.typ), n, len(field)) <= MaxRow &&
					tupleSize(len(tt.id), n, len(tt.typ), len(field)) <= MaxRow
			}
			if !fits(room) || fits(room+1) {
				t.Errorf("%s (+%d): room %d: fits %v, one more fits %v", tt.name, pad, room, fits(room), fits(room+1))
			}
			v := strings.Repeat("a", room)
			if Size(tt.id, tt.typ, v, field) > MaxRow {
				t.Errorf("%s (+%d): a value of the room makes a row of %d bytes", tt.name, pad, Size(tt.id, tt.typ, v, field))
			}
		}
	}
}

// TestSizeWholeRow: the limit covers the whole row, so a value of MaxRow
// bytes alone is refused with an inject id, a type and a field beside it,
// and a row is a multiple of 8 bytes.
func TestSizeWholeRow(t *testing.T) {
	const uuid = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21"
	v := strings.Repeat("0f", MaxRow/2)
	if n := Size(uuid, "Text", v, "lines"); n <= MaxRow || n%8 != 0 {
		t.Errorf("row of a %d-byte value: %d bytes", len(v), n)
	}
	if TypeName("file") != longestTypeName || len(TypeName("portscan")) >= len(longestTypeName) {
		t.Error("an unknown type must be measured as the longest name")
	}
}
