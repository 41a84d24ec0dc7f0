package openaevtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

const token = "platform-token"

func post(t testing.TB, p *openaevtest.Platform, path, auth, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&reply)
	return resp.StatusCode, reply
}

func postJSON(t testing.TB, p *openaevtest.Platform, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	return post(t, p, path, token, "application/json", b)
}

// postCallback posts body as a callback of inject id, which the platform
// must take (200: its queue processes it later), and returns the call it
// recorded, with its outcome.
func postCallback(t *testing.T, p *openaevtest.Platform, id string, body map[string]any) openaevtest.Call {
	t.Helper()
	b, _ := json.Marshal(body)
	return postCallbackBytes(t, p, id, b)
}

// postCallbackBytes is postCallback of a body already encoded.
func postCallbackBytes(t testing.TB, p *openaevtest.Platform, id string, body []byte) openaevtest.Call {
	t.Helper()
	if st, _ := post(t, p, "/api/injects/execution/callback/"+id, token, "application/json", body); st != 200 {
		t.Fatalf("status %d, want 200 (the queue takes it)", st)
	}
	calls := p.Calls(id)
	return calls[len(calls)-1]
}

// multipartBody builds a registration body with the given parts.
func multipartBody(t testing.TB, input string, inputType string, icon []byte, iconType string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if input != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="input"`)
		if inputType != "" {
			h.Set("Content-Type", inputType)
		}
		w, _ := mw.CreatePart(h)
		_, _ = w.Write([]byte(input))
	}
	if icon != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="icon"; filename="x.png"`)
		h.Set("Content-Type", iconType)
		w, _ := mw.CreatePart(h)
		_, _ = w.Write(icon)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func TestRegistrationChecks(t *testing.T) {
	valid := `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"c","contract_content":"{\"outputs\":[]}"}]}`
	tests := []struct {
		name       string
		input      string
		inputType  string
		icon       []byte
		iconType   string
		raw        bool // send the input as plain JSON, not multipart
		auth       string
		wantStatus int
	}{
		{"valid", valid, "application/json", nil, "", false, token, 200},
		{"valid with icon", valid, "application/json", []byte("png"), "image/png", false, token, 200},
		{"bad token", valid, "application/json", nil, "", false, "nope", 401},
		{"no token", valid, "application/json", nil, "", false, "", 403}, // CSRF: no "Bearer " header
		{"not multipart", valid, "", nil, "", true, token, 400},
		// A part Jackson's converter does not read (text/plain; none is
		// application/octet-stream): HttpMediaTypeNotSupportedException, 415.
		{"input not JSON typed", valid, "text/plain", nil, "", false, token, 415},
		{"input untyped", valid, "", nil, "", false, token, 415},
		{"input octet-stream", valid, "application/octet-stream", nil, "", false, token, 415},
		{"input problem+json", valid, "application/problem+json", nil, "", false, token, 200},
		// 2.4.0 stores an icon part of image/png only, and skips any other.
		{"icon not png", valid, "application/json", []byte("gif"), "image/gif", false, token, 200},
		{"no input part", "", "", []byte("png"), "image/png", false, token, 400},
		{"blank injector_id", `{"injector_id":" ","injector_name":"n","injector_type":"t","injector_contracts":[]}`, "application/json", nil, "", false, token, 400},
		// InjectorCreateInput's @NotBlank use Java's trim(): U+00A0 is text,
		// a control char is blank.
		{"injector_name U+00A0", `{"injector_id":"i","injector_name":"\u00a0","injector_type":"t","injector_contracts":[]}`, "application/json", nil, "", false, token, 200},
		{"injector_name U+0001", `{"injector_id":"i","injector_name":"\u0001","injector_type":"t","injector_contracts":[]}`, "application/json", nil, "", false, token, 400},
		// Nothing requires the contracts list: left out or null, the
		// registration streams it, a NullPointerException (500).
		{"no contracts", `{"injector_id":"i","injector_name":"n","injector_type":"t"}`, "application/json", nil, "", false, token, 500},
		{"null contracts", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":null}`, "application/json", nil, "", false, token, 500},
		{"a null contract", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[null]}`, "application/json", nil, "", false, token, 500},
		{"contracts an object", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":{}}`, "application/json", nil, "", false, token, 400},
		{"contract content an object", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"c","contract_content":{}}]}`, "application/json", nil, "", false, token, 400},
		{"blank contract content", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"c","contract_content":" "}]}`, "application/json", nil, "", false, token, 500},
		{"blank contract id", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"","contract_content":"{}"}]}`, "application/json", nil, "", false, token, 500},
		{"contract id a number", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":5,"contract_content":"{}"}]}`, "application/json", nil, "", false, token, 200},
		// contract_content is stored as the string it is (its outputs are
		// read when a result is processed: TestContractReadWhenProcessing).
		{"contract content not a document", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"c","contract_content":"[1"}]}`, "application/json", nil, "", false, token, 200},
		{"contract content hello", `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"c","contract_content":"hello"}]}`, "application/json", nil, "", false, token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			body, ct := []byte(tt.input), "application/json"
			if !tt.raw {
				body, ct = multipartBody(t, tt.input, tt.inputType, tt.icon, tt.iconType)
			}
			status, reply := post(t, p, "/api/injectors", tt.auth, ct, body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", status, tt.wantStatus, reply)
			}
			calls := p.Registrations()
			if len(calls) != 1 || calls[0].Status != status {
				t.Fatalf("recorded %v", calls)
			}
			if status == 200 {
				if reply["listen"] != "openaev_injector_i" {
					t.Errorf("reply %v", reply)
				}
				conn := reply["connection"].(map[string]any)
				if conn["host"] != "127.0.0.1" || conn["port"] != float64(5672) {
					t.Errorf("connection %v", conn)
				}
			}
		})
	}
}

func TestSetBroker(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	p.SetBroker(openaevtest.Broker{Host: "127.0.0.1", Port: 5999, VHost: "v", User: "u", Pass: "p", UseSSL: true, Queue: "q"})
	body, ct := multipartBody(t, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[]}`, "application/json", nil, "")
	status, reply := post(t, p, "/api/tenants/t1/injectors", token, ct, body)
	if status != 200 || reply["listen"] != "q" {
		t.Fatalf("%d %v", status, reply)
	}
	want := map[string]any{"host": "127.0.0.1", "port": float64(5999), "vhost": "v", "user": "u", "pass": "p", "use_ssl": true}
	if fmt.Sprint(reply["connection"]) != fmt.Sprint(want) {
		t.Errorf("connection %v", reply["connection"])
	}
	if c := p.Registrations()[0]; c.Tenant != "t1" || c.Path != "/api/injectors" {
		t.Errorf("tenant %q path %q", c.Tenant, c.Path)
	}
}

func TestScriptedFailures(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	p.AddInject("i1", "c1")
	p.FailReception("i1", 503, 1)
	p.FailComplete("i1", 409, 2)
	body := map[string]any{"execution_message": "m", "execution_status": "ERROR", "execution_action": "complete"}
	var got []int
	for _, path := range []string{"reception/i1", "reception/i1", "callback/i1", "callback/i1", "callback/i1"} {
		b := any(body)
		if path[0] == 'r' {
			b = map[string]any{"tracking_total_count": 1}
		}
		st, _ := postJSON(t, p, "/api/injects/execution/"+path, b)
		got = append(got, st)
	}
	if fmt.Sprint(got) != "[503 200 409 409 200]" {
		t.Errorf("statuses %v", got)
	}
	if rs := p.Receptions("i1"); len(rs) != 2 || rs[0].Status != 503 || rs[1].Status != 200 {
		t.Errorf("receptions %+v, want the failed one and the accepted one", rs)
	}
}

func TestTargetsPaging(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	var assets []map[string]any
	for i := 0; i < 25; i++ {
		assets = append(assets, map[string]any{"asset_id": fmt.Sprintf("a%d", i)})
	}
	p.SetAssetGroup("g1", assets...)
	p.SetAssetGroup("g2", map[string]any{"asset_id": "other"})
	query := func(page, size int, group string) (int, map[string]any) {
		return postJSON(t, p, "/api/endpoints/targets", map[string]any{"page": page, "size": size,
			"filterGroup": map[string]any{"mode": "or", "filters": []map[string]any{{"key": "assetGroups", "mode": "or",
				"operator": "contains", "values": []string{group}}}}})
	}
	st, r := query(0, 20, "g1")
	if st != 200 || len(r["content"].([]any)) != 20 || r["last"] != false || r["totalElements"] != float64(25) {
		t.Fatalf("page 0: %d %v", st, r["last"])
	}
	st, r = query(1, 20, "g1")
	if st != 200 || len(r["content"].([]any)) != 5 || r["last"] != true {
		t.Fatalf("page 1: %d %v", st, r)
	}
	if st, r = query(0, 20, "none"); st != 200 || len(r["content"].([]any)) != 0 || r["last"] != true {
		t.Errorf("empty group: %d %v", st, r)
	}
	// page and size bind as Java ints, left out as Pagination's 0 and 20.
	raw := func(paging string) (int, map[string]any) {
		body := `{` + paging + `"filterGroup":{"mode":"or","filters":[{"key":"assetGroups","mode":"or","operator":"contains","values":["g1"]}]}}`
		st, reply := post(t, p, "/api/endpoints/targets", token, "application/json", []byte(body))
		return st, reply
	}
	for paging, want := range map[string]int{`"page":"1","size":20.7,`: 5, `"page":0.5,"size":" 10 ",`: 10, ``: 20, `"page":null,`: 20} {
		if st, r = raw(paging); st != 200 || len(r["content"].([]any)) != want {
			t.Errorf("paging {%s}: %d %v, want %d assets", paging, st, r, want)
		}
	}
	if st, _ = query(0, 5000, "g1"); st != 400 {
		t.Errorf("size 5000: %d", st)
	}
	if st, _ = query(-1, 20, "g1"); st != 400 {
		t.Errorf("page -1: %d", st)
	}
	if n := len(p.TargetQueries()); n != 9 {
		t.Errorf("%d queries recorded", n)
	}
}

func TestWaitTerminal(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	send := func(path, body string) {
		_, _ = cmdkit.Post(http.DefaultClient, p.URL+path, token, []byte(body))
	}
	p.AddInject("w1", "c1")
	go func() {
		send("/api/injects/execution/reception/w1", `{"tracking_total_count":1}`)
		send("/api/injects/execution/callback/w1", `{"execution_message":"m","execution_status":"SUCCESS","execution_action":"complete"}`)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Hang)
	defer cancel()
	c, err := p.WaitTerminal(ctx, "w1")
	if err != nil || c.Body["execution_status"] != "SUCCESS" {
		t.Fatalf("%v %v", c, err)
	}
	if !c.Processed() {
		t.Errorf("terminal callback %s: %s", c.Outcome, c.Reason)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if _, err := p.WaitTerminal(short, "never"); err == nil {
		t.Error("WaitTerminal returned for an inject without a terminal callback")
	}
}
