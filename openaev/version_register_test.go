package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// TestRegisterOn24 registers against a 2.4.0 platform: the version is read
// first, and the contracts declare only what 2.4.0 knows.
func TestRegisterOn24(t *testing.T) {
	var input []byte // written by the handler, read once the requests are done
	srv := transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/settings/version":
			_, _ = io.WriteString(w, "2.4.0")
		case "/api/injectors":
			_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			part, err := multipart.NewReader(r.Body, params["boundary"]).NextPart()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			input, _ = io.ReadAll(part)
			_, _ = io.WriteString(w, `{"connection":{"host":"127.0.0.1","port":5672},"listen":"q"}`)
		default:
			http.NotFound(w, r)
		}
	})
	c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken, InjectorID: testInjectorID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // a registration and a heartbeat
		if _, err := c.Register(context.Background(), []framework.Manifest{nmapShaped()}, false); err != nil {
			t.Fatal(err)
		}
	}
	if got := asked(srv); got != "GET /api/settings/version, POST /api/injectors, POST /api/injectors" {
		t.Errorf("requests %s", got)
	}
	var reg struct {
		Contracts []openaev.Contract `json:"injector_contracts"`
	}
	if err := json.Unmarshal(input, &reg); err != nil || len(reg.Contracts) != 1 {
		t.Fatalf("input %s: %v", input, err)
	}
	var doc contractDoc
	if err := json.Unmarshal([]byte(reg.Contracts[0].Content), &doc); err != nil {
		t.Fatal(err)
	}
	for _, o := range doc.Outputs {
		if !slices.Contains(openaev.OutputTypes(v24), o.Type) {
			t.Errorf("output %s:%s unknown to 2.4.0", o.Type, o.Field)
		}
	}
}

// TestRegisterWhileVersionUnknown: on a 2.4.0 platform whose settings
// fail until the retries run out, nothing is registered (the platform would
// take the current line's contracts and drop every result judged against
// them), and the postponement is not final: the next registration reads
// the version and declares only what 2.4.0 knows.
func TestRegisterWhileVersionUnknown(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(openaevtest.Version24))
	p.FailSettings(http.StatusServiceUnavailable, 2)
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	manifests := []framework.Manifest{nmapShaped()}
	_, err = c.Register(context.Background(), manifests, false)
	switch {
	case err == nil:
		t.Fatal("registered while the version was unknown")
	case errors.Is(err, openaev.ErrPermanent):
		t.Fatalf("postponement is final: %v", err)
	case !strings.Contains(err.Error(), "the next try reads it again"):
		t.Errorf("error %q does not say the version is read again", err)
	}
	if regs := p.Registrations(); len(regs) != 0 {
		t.Fatalf("registrations %+v sent while the version was unknown", regs)
	}
	if _, err := c.Register(context.Background(), manifests, false); err != nil {
		t.Fatalf("second registration: %v", err)
	}
	if got := c.Version(context.Background()); got != v24 {
		t.Errorf("version %+v, want 2.4.0", got)
	}
	if regs := p.Registrations(); len(regs) != 1 || regs[0].Status != http.StatusOK {
		t.Errorf("registrations %+v, want one, accepted", regs)
	}
}

// TestVersionUnreadSaysWhatHappens: a registration postponed because the
// platform's version cannot be read (the platform failing) says so in its
// error and logs nothing about assuming a line, as it assumes none; a
// callback's Version read that fails alike says the current line is
// assumed for what is sent then.
func TestVersionUnreadSaysWhatHappens(t *testing.T) {
	const assuming = "assuming the current line"
	p := openaevtest.NewPlatform(t, testToken, openaevtest.WithVersion(openaevtest.Version24))
	p.FailSettings(http.StatusBadGateway, 4) // two reads of two attempts
	log, logs := testkit.Logger()
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(2, 0), openaev.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = openaev.NewRegistrar(c, []framework.Manifest{nmapShaped()}).Register(ctx)
	if err == nil || !strings.Contains(err.Error(), "registration postponed until the platform's version is read") {
		t.Fatalf("registration error %v, want it postponed", err)
	}
	for _, e := range logs.All() {
		if strings.Contains(e.Message, assuming) {
			t.Errorf("postponed registration logged %s %q: it assumes no line", e.Level, e.Message)
		}
	}
	if got := c.Version(ctx); !got.Current {
		t.Errorf("version %v while unread, want the current line assumed", got)
	}
	said := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet(assuming).Len()
	if said != 1 {
		t.Errorf("%d WARN lines saying the current line is assumed for a callback, want 1", said)
	}
}

// A version reply that is no version is quoted in the WARN line that
// assumes the 2.4 line only when it echoes no secret: a body holding the
// token split over lines (plain, as a JSON string or as the settings'
// platform_version) is withheld whole, not shown piece by piece.
func TestVersionReplyEchoingTheTokenIsWithheld(t *testing.T) {
	const ver, settings = "/api/settings/version", "/api/settings"
	split := testToken[:11] + "\n" + testToken[11:]
	quoted, err := json.Marshal(split)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		replies map[string]reply
		want    string // in the WARN line's error
	}{
		{"plain body", map[string]reply{ver: {200, "2.4.0 " + split}}, "server text withheld: it echoed a secret"},
		{"JSON string body", map[string]reply{ver: {200, string(quoted)}}, "server text withheld: it echoed a secret"},
		{"settings' platform_version", map[string]reply{settings: {200, `{"platform_version":` + string(quoted) + `}`}},
			"server text withheld: it echoed a secret"},
		{"a body echoing nothing is quoted", map[string]reply{ver: {200, "<html>"}}, `invalid openaev_version "<html>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newVersionServer(t, tt.replies)
			log, logs := testkit.Logger()
			c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken},
				openaev.WithLogger(log), openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			if v := c.Version(context.Background()); v != (openaev.PlatformVersion{}) {
				t.Errorf("Version = %+v, want the 2.4 line assumed", v)
			}
			warned := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("assuming the 2.4 line").All()
			if len(warned) != 1 {
				t.Fatalf("%d WARN lines assuming the 2.4 line, want 1", len(warned))
			}
			if got, _ := warned[0].ContextMap()["error"].(string); !strings.Contains(got, tt.want) {
				t.Errorf("error %q, want %q in it", got, tt.want)
			}
			assertNoSecret(t, logs, testToken, testToken[:11]) // its second piece, "secret", is a word of the note
		})
	}
}
