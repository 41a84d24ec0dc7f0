package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got (JSON) with testdata/<name>, indented; -update
// rewrites the file.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var ind bytes.Buffer
	if err := json.Indent(&ind, got, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	ind.WriteByte('\n')
	testkit.Golden(t, filepath.Join("testdata", name), ind.Bytes(), *update)
}

func TestRegisterBodyExact(t *testing.T) {
	e := newEnv(t)
	e.platform.SetBroker(openaevtest.Broker{Host: "127.0.0.1", VHost: "openaev", Port: 5673, User: "inj", Pass: "br0ker-pass", Queue: "openaev_injector_x"})
	reg, err := e.client.Register(context.Background(), testManifests(), false)
	if err != nil {
		t.Fatal(err)
	}
	want := openaev.Registration{Connection: openaev.Connection{Host: "127.0.0.1", VHost: "openaev", Port: 5673,
		User: "inj", Pass: "br0ker-pass"}, Listen: "openaev_injector_x"}
	if *reg != want {
		t.Errorf("registration = %+v, want %+v", *reg, want)
	}
	calls := e.platform.Registrations()
	if len(calls) != 1 || !calls[0].Accepted() {
		t.Fatalf("registrations = %v", kinds(calls))
	}
	c := calls[0]
	if c.Path != "/api/injectors" || c.Tenant != "" {
		t.Errorf("path = %s tenant %q", c.Path, c.Tenant)
	}
	if !strings.HasPrefix(c.Header.Get("Content-Type"), "multipart/form-data; boundary=") {
		t.Errorf("content type = %s", c.Header.Get("Content-Type"))
	}
	if c.Icon != nil {
		t.Errorf("icon sent without being asked for")
	}
	golden(t, "registration/input.json", c.Raw)

	// Each contract_content is a string holding the contract document.
	contracts := c.Body["injector_contracts"].([]any)
	if len(contracts) != 2 {
		t.Fatalf("want 2 contracts, got %d", len(contracts))
	}
	nmapContract := contracts[0].(map[string]any)
	wantID := uuid.NewSHA1(uuid.MustParse(openaev.ContractNamespace), []byte("nmap")).String()
	if nmapContract["contract_id"] != wantID || e.client.ContractID("nmap") != wantID {
		t.Errorf("contract_id = %v, want uuid v5 %s", nmapContract["contract_id"], wantID)
	}
	content, ok := nmapContract["contract_content"].(string)
	if !ok {
		t.Fatalf("contract_content is %T, want a string", nmapContract["contract_content"])
	}
	golden(t, "registration/nmap_contract_content.json", []byte(content))
	var doc struct {
		Outputs []map[string]any `json:"outputs"`
		Fields  []map[string]any `json:"fields"`
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		t.Fatal(err)
	}
	var outs []string
	for _, o := range doc.Outputs {
		outs = append(outs, o["type"].(string)+":"+o["field"].(string))
	}
	if got := strings.Join(outs, " "); got != "portscan:scan_results port:ports action_output:action_output expectation_signature:expectation_signatures" {
		t.Errorf("outputs = %s", got)
	}
	var keys []string
	for _, f := range doc.Fields {
		keys = append(keys, f["key"].(string)+":"+f["type"].(string))
	}
	if got := strings.Join(keys, " "); got != "target_selector:select assets:asset asset_groups:asset-group "+
		"target_property_selector:select targets:text expectations:expectation scan_type:select ports:text "+
		"timing:number service_detection:checkbox" {
		t.Errorf("fields = %s", got)
	}
	assertNoSecret(t, e.logs, testToken, "br0ker-pass")
}

func TestRegisterWithIconAndTenant(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	icon := []byte("\x89PNG\r\n\x1a\nfake-png")
	c, err := openaev.NewClient(openaev.Config{URL: p.URL + "/", Token: testToken, Tenant: "tenant-7",
		InjectorID: testInjectorID, Icon: icon}, openaev.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := c.Register(context.Background(), testManifests()[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Listen != "openaev_injector_"+testInjectorID {
		t.Errorf("listen = %q", reg.Listen)
	}
	call := p.Registrations()[0]
	if call.Tenant != "tenant-7" || call.Path != "/api/injectors" {
		t.Errorf("tenant %q path %q", call.Tenant, call.Path)
	}
	if !bytes.Equal(call.Icon, icon) || call.IconType != "image/png" || !call.IconStored {
		t.Errorf("icon %q (%s), stored by the platform: %v", call.Icon, call.IconType, call.IconStored)
	}
	if call.Body["injector_name"] != "injectkit" || call.Body["injector_type"] != "injectkit" {
		t.Errorf("defaults not applied: %v %v", call.Body["injector_name"], call.Body["injector_type"])
	}
	// The icon is not sent on a heartbeat.
	if _, err := c.Register(context.Background(), testManifests()[:1], false); err != nil {
		t.Fatal(err)
	}
	if got := p.Registrations(); len(got) != 2 || got[1].Icon != nil {
		t.Errorf("heartbeat registration sent an icon")
	}
}

func TestNewClientValidation(t *testing.T) {
	tests := []struct {
		name  string
		cfg   openaev.Config
		opts  []openaev.Option
		field string
	}{
		{"no url", openaev.Config{}, nil, "url"},
		{"ftp url", openaev.Config{URL: "ftp://127.0.0.1"}, nil, "url"},
		{"credentials in url", openaev.Config{URL: "http://u:p@127.0.0.1"}, nil, "url"},
		{"query", openaev.Config{URL: "http://127.0.0.1/?a=b"}, nil, "url"},
		{"bad injector id", openaev.Config{URL: "http://127.0.0.1", InjectorID: "nmap-1"}, nil, "injector_id"},
		{"token with newline", openaev.Config{URL: "http://127.0.0.1", Token: "a\nb"}, nil, "token"},
		{"tenant with slash", openaev.Config{URL: "http://127.0.0.1", Tenant: "a/b"}, nil, "tenant"},
		// Escaped into every path (/api/tenants/{tenant}/…), refused by
		// 2.4.0's HTTP firewall (StrictHttpFirewall: %3B, %5C, a dot
		// segment) with a 400 before any route: openaevtest models it.
		{"tenant with a semicolon", openaev.Config{URL: "http://127.0.0.1", Tenant: "a;b"}, nil, "tenant"},
		{"tenant with a backslash", openaev.Config{URL: "http://127.0.0.1", Tenant: `a\b`}, nil, "tenant"},
		{"tenant a dot segment", openaev.Config{URL: "http://127.0.0.1", Tenant: ".."}, nil, "tenant"},
		{"tenant a dot", openaev.Config{URL: "http://127.0.0.1", Tenant: "."}, nil, "tenant"},
		{"zero attempts", openaev.Config{URL: "http://127.0.0.1"}, []openaev.Option{openaev.WithRetry(0, 0)}, "retry_attempts"},
		// The registration's @NotBlank trims as Java does: every char up
		// to U+0020, control chars included, is blank (a 400 from 2.4.0).
		{"injector name a control char", openaev.Config{URL: "http://127.0.0.1", InjectorName: "\x01"}, nil, "injector_name"},
		{"injector name blank", openaev.Config{URL: "http://127.0.0.1", InjectorName: " \t"}, nil, "injector_name"},
		{"injector type a control char", openaev.Config{URL: "http://127.0.0.1", InjectorType: "\x1f "}, nil, "injector_type"},
		// The platform stores any icon part declared image/png: a broken icon.
		{"icon not a PNG", openaev.Config{URL: "http://127.0.0.1", Icon: []byte("not a png")}, nil, "icon"},
		{"icon short of a PNG signature", openaev.Config{URL: "http://127.0.0.1", Icon: []byte("\x89PNG")}, nil, "icon"},
		{"icon too large", openaev.Config{URL: "http://127.0.0.1",
			Icon: append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, openaev.MaxIconSize)...)}, nil, "icon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openaev.NewClient(tt.cfg, tt.opts...)
			var ve *openaev.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("err = %v, want a validation error on %s", err, tt.field)
			}
			if tt.cfg.Token != "" && strings.Contains(err.Error(), tt.cfg.Token) {
				t.Errorf("token in error %v", err)
			}
		})
	}
}

func TestConnectionURL(t *testing.T) {
	c := openaev.Connection{Host: "127.0.0.1", VHost: "/", Port: 5672, User: "guest", Pass: "p@ss/word"}
	if got := c.URL(); got != "amqp://guest:p%40ss%2Fword@127.0.0.1:5672/%2F" {
		t.Errorf("URL = %s", got)
	}
	// Shown as serve shows the broker: no user, no password.
	if got := c.String(); got != "amqp://127.0.0.1:5672/%2F" || got != c.Broker().String() {
		t.Errorf("String = %s, want amqp://127.0.0.1:5672/%%2F, as serve.Broker shows it (%s)", got, c.Broker())
	}
	reg := openaev.Registration{Connection: c, Listen: "q"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, reg); strings.Contains(s, "p@ss") || strings.Contains(s, "p%40ss") {
			t.Errorf("%s prints the password: %s", format, s)
		}
	}
	log, logs := testkit.Logger()
	log.Info("registered", zap.Any("connection", c))
	assertNoSecret(t, logs, "p@ss")
	if got := logs.All()[0].ContextMap()["connection"]; got != "amqp://127.0.0.1:5672/%2F" {
		t.Errorf("logged connection = %v", got)
	}
	// The wire form keeps the password.
	if b, _ := json.Marshal(reg); !strings.Contains(string(b), `"pass":"p@ss/word"`) {
		t.Errorf("JSON lost the password: %s", b)
	}
	c.UseSSL, c.VHost, c.Host = true, "openaev", "::1"
	if got := c.URL(); got != "amqps://guest:p%40ss%2Fword@[::1]:5672/openaev" {
		t.Errorf("URL = %s", got)
	}
}

// The registration's DEBUG line shows the broker as every other line
// does (serve.Broker's String), without the broker's user or password.
func TestRegisteredLineShowsTheBrokerAsServeDoes(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	p.SetBroker(openaevtest.Broker{Host: "127.0.0.1", VHost: "/", Port: 5672, User: "inj", Pass: "br0ker-pass", Queue: "q"})
	log, logs := testkit.Logger()
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID}, openaev.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := openaev.NewRegistrar(c, testManifests()).Register(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines := logs.FilterMessage("registered").All()
	if len(lines) != 1 {
		t.Fatalf("%d registered lines, want 1", len(lines))
	}
	if got, want := lines[0].ContextMap()["broker"], reg.Broker.String(); got != want || want != "amqp://127.0.0.1:5672/%2F" {
		t.Errorf("registered line's broker %v, want %s (serve's rendering)", got, want)
	}
	assertNoSecret(t, logs, "br0ker-pass")
}
