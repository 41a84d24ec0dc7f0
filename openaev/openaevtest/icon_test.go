package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestIconObjectName: 2.4.0 uploads a PNG icon (part type image/png) as
// the object …/injectors/images/<injector_type>.png, first of all, and
// MinIO refuses a segment of more than 255 bytes: the registration is a
// 500, nothing stored. A type the injectors table takes (255 characters)
// may be 1020 bytes. Without an icon, or with one of another type (not
// stored), the same type registers.
func TestIconObjectName(t *testing.T) {
	icon := []byte("\x89PNG\r\n\x1a\n....")
	wide := strings.Repeat("\U0001F600", openaevtest.MaxInjectorColumn) // 255 characters, 1020 bytes
	fits := strings.Repeat("t", openaevtest.MaxIconObjectSegment-len(".png"))
	for _, tt := range []struct {
		name     string
		typ      string
		icon     []byte
		iconType string
		want     int
	}{
		{"255 four-byte characters, a PNG icon", wide, icon, "image/png", http.StatusInternalServerError},
		{"252 bytes, a PNG icon", fits + "t", icon, "image/png", http.StatusInternalServerError},
		{"251 bytes, a PNG icon", fits, icon, "image/png", http.StatusOK},
		{"255 four-byte characters, no icon", wide, nil, "", http.StatusOK},
		{"255 four-byte characters, an icon not stored", wide, icon, "application/octet-stream", http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			entry := nmapContract(nil)
			entry["contract_id"] = "c-1"
			b, _ := json.Marshal(map[string]any{"injector_id": "inj-1", "injector_name": "scanners", "injector_type": tt.typ,
				"injector_contracts": []any{entry}})
			body, ct := multipartBody(t, string(b), "application/json", tt.icon, tt.iconType)
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.want)
			}
			stored, _ := get(t, p, "/api/injector_contracts/c-1")
			if (stored == http.StatusOK) != (tt.want == http.StatusOK) {
				t.Errorf("contract c-1 answered %d after a registration answered %d", stored, st)
			}
		})
	}
}
