package openaevtest_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
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
		// A part without a file name is a form parameter to Spring, no
		// MultipartFile: @RequestPart("icon") Optional<MultipartFile> is
		// empty, nothing uploaded (StandardMultipartHttpServletRequest
		// keeps as files only parts whose Content-Disposition has a
		// filename, an empty one included).
		{"255 four-byte characters, a PNG icon part without a file name", wide, icon, "image/png;nofile", http.StatusOK},
		{"251 bytes, a PNG icon part of an empty file name", fits, icon, "image/png;emptyname", http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			entry := nmapContract(nil)
			entry["contract_id"] = "c-1"
			b, _ := json.Marshal(map[string]any{"injector_id": "inj-1", "injector_name": "scanners", "injector_type": tt.typ,
				"injector_contracts": []any{entry}})
			body, ct := multipartBody(t, string(b), "application/json", tt.icon, tt.iconType)
			iconType, filename, _ := strings.Cut(tt.iconType, ";")
			switch filename {
			case "nofile":
				body, ct = iconPartBody(t, string(b), tt.icon, iconType, "")
			case "emptyname":
				body, ct = iconPartBody(t, string(b), tt.icon, iconType, `; filename=""`)
			}
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.want)
			}
			regs := p.Registrations()
			if stored := tt.icon != nil && iconType == "image/png" && filename != "nofile" && st == http.StatusOK; regs[0].IconStored != stored {
				t.Errorf("icon stored: %v, want %v", regs[0].IconStored, stored)
			}
			stored, _ := get(t, p, "/api/injector_contracts/c-1")
			if (stored == http.StatusOK) != (tt.want == http.StatusOK) {
				t.Errorf("contract c-1 answered %d after a registration answered %d", stored, st)
			}
		})
	}
}

// iconPartBody is a registration's multipart body whose icon part's
// Content-Disposition ends with filename as given ("" for none).
func iconPartBody(t testing.TB, input string, icon []byte, iconType, filename string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, part := range []struct {
		header textproto.MIMEHeader
		body   []byte
	}{
		{textproto.MIMEHeader{"Content-Disposition": {`form-data; name="input"`}, "Content-Type": {"application/json"}}, []byte(input)},
		{textproto.MIMEHeader{"Content-Disposition": {`form-data; name="icon"` + filename}, "Content-Type": {iconType}}, icon},
	} {
		w, err := mw.CreatePart(part.header)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(part.body)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}
