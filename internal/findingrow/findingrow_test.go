package findingrow

import (
	"strings"
	"testing"
)

// TestValueRoom: a value of ValueRoom bytes fits the index in the order
// asked for (both orders when the platform's is not known), one byte more
// does not, whatever the lengths of the other columns (short and long
// varlenas, every alignment).
func TestValueRoom(t *testing.T) {
	const uuid = "7f3c2a10-5b7e-4c1d-9a2f-0e8b6d4c3a21"
	in395 := func(id, typ, field string, n int) bool {
		return tupleSize(len(id), len(typ), n, len(field)) <= MaxRow
	}
	in381 := func(id, typ, field string, n int) bool {
		return tupleSize(len(id), n, len(typ), len(field)) <= MaxRow
	}
	orders := []struct {
		name  string
		order Order
		fits  func(id, typ, field string, n int) bool
	}{
		{"V3_95", OrderV3_95, in395},
		{"V3_81", OrderV3_81, in381},
		{"either", EitherOrder, func(id, typ, field string, n int) bool {
			return in395(id, typ, field, n) && in381(id, typ, field, n)
		}},
	}
	for _, tt := range []struct{ name, id, typ, field string }{
		{"uuid, text", uuid, TypeName("text"), "lines"},
		{"uuid, longest type", uuid, TypeName("account_with_password_not_required"), "f"},
		{"no field", uuid, "Text", ""},
		{"field of 126 bytes", uuid, "Text", strings.Repeat("f", 126)},
		{"field of 127 bytes", uuid, "Text", strings.Repeat("f", 127)},
		{"field of 255 bytes", uuid, "Text", strings.Repeat("f", 255)},
		{"short id", "i1", "CVE", "cves"},
	} {
		for _, o := range orders {
			for pad := range 4 { // every alignment of what precedes the value
				field := tt.field + strings.Repeat("p", pad)
				room := ValueRoom(o.order, tt.id, tt.typ, field)
				if room <= 0 {
					t.Fatalf("%s, %s: no room", tt.name, o.name)
				}
				if !o.fits(tt.id, tt.typ, field, room) || o.fits(tt.id, tt.typ, field, room+1) {
					t.Errorf("%s (+%d), %s: room %d: fits %v, one more fits %v", tt.name, pad, o.name, room,
						o.fits(tt.id, tt.typ, field, room), o.fits(tt.id, tt.typ, field, room+1))
				}
			}
		}
		if v := strings.Repeat("a", ValueRoom(OrderV3_95, tt.id, tt.typ, tt.field)); Size(tt.id, tt.typ, v, tt.field) > MaxRow {
			t.Errorf("%s: a value of the room makes a row of %d bytes", tt.name, Size(tt.id, tt.typ, v, tt.field))
		}
	}
}

// TestValueRoomByOrder: the rooms t60 measured against 2.4.0 (V3_95's
// order): a UUID inject id, type Text, field greetings: 2638 bytes make a
// row of exactly 2704 bytes, which 2.4.0 stores, and which V3_81's order
// (1.17.x) would refuse.
func TestValueRoomByOrder(t *testing.T) {
	const uuid = "5c1e0000-0000-4000-8000-000000000040"
	for _, tt := range []struct {
		order Order
		want  int
	}{{OrderV3_95, 2638}, {OrderV3_81, 2637}, {EitherOrder, 2637}} {
		if got := ValueRoom(tt.order, uuid, "Text", "greetings"); got != tt.want {
			t.Errorf("order %d: room %d, want %d", tt.order, got, tt.want)
		}
	}
	if n := Size(uuid, "Text", strings.Repeat("a", 2638), "greetings"); n != MaxRow {
		t.Errorf("row of 2638 bytes in V3_95's order: %d bytes, want %d", n, MaxRow)
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
