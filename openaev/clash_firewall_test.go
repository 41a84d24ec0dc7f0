package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// registerRawID registers on p, as a binary that does not check its
// injector id would (the platform takes any non-blank one:
// InjectorCreateInput's @NotBlank alone), the contracts binary A's last
// registration declared, under injector id id of another type.
func registerRawID(t *testing.T, p *openaevtest.Platform, id string) {
	t.Helper()
	var input map[string]any
	for _, c := range p.AllCalls() {
		if c.Method == http.MethodPost && c.Path == "/api/injectors" && c.Body != nil {
			input = c.Body
		}
	}
	if input == nil {
		t.Fatal("no registration to copy")
	}
	input["injector_id"], input["injector_name"], input["injector_type"] = id, "Odd", "odd-scanner"
	raw, _ := json.Marshal(input)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="input"`)
	h.Set("Content-Type", "application/json")
	w, _ := mw.CreatePart(h)
	_, _ = w.Write(raw)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/injectors", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("registration of injector id %q: status %d", id, resp.StatusCode)
	}
}

// TestRegistrarSkipsAnInjectorIDTheFirewallRefuses: an injector linked
// to one of our contracts after ours, under an id the platform's HTTP
// firewall refuses once escaped into GET /api/injectors/{id} (2.4.0's
// StrictHttpFirewall: '/', '\', ';', '%', a dot segment; 400 before any
// route), is not read: nothing is sent the platform answers 400, the
// registration goes ahead, and the skip is said at DEBUG, each time, naming
// the id quoted.
func TestRegistrarSkipsAnInjectorIDTheFirewallRefuses(t *testing.T) {
	for _, id := range []string{"a;b", "a/b", `a\b`, "100%", "..", ".", "a\nb"} {
		t.Run(strconv.Quote(id), func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken)
			registeredA(t, p)
			registerRawID(t, p, id)
			again, lines := binaryClient(t, p.URL, binaryAID, "Acme", "acme-scanner")
			if _, err := openaev.NewRegistrar(again, scanManifest()).Register(context.Background()); err != nil {
				t.Fatalf("Register = %v, want registered (ours is linked first)", err)
			}
			for _, c := range p.AllCalls() {
				if c.Status == http.StatusBadRequest {
					t.Errorf("sent %s %s, answered 400 (%s)", c.Method, c.Path, c.Reason)
				}
			}
			// Read before the registration and right after it: said each time.
			said := linesSaying(lines(), "is not read: its id")
			if len(said) != 2 {
				t.Errorf("said %q, want two DEBUG lines", said)
			}
			for _, l := range said {
				if !strings.HasPrefix(l, "debug ") || !strings.Contains(l, strconv.Quote(id)) {
					t.Errorf("said %q, want DEBUG naming injector id %s quoted", l, strconv.Quote(id))
				}
			}
			if unread := linesSaying(lines(), "were not all read"); len(unread) != 0 {
				t.Errorf("said %q, want no failed read", unread)
			}
		})
	}
}
