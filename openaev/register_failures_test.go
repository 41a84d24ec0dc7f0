package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

func TestRegisterFailures(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		fail      int // scripted status, 0 for none
		failN     int
		manifests []framework.Manifest
		injector  string
		wantCalls int
		check     func(t *testing.T, err error)
		deny      bool // the token's user lacks CREATE on INJECTOR (DenyRegistration)
	}{
		// 2.4.0 answers 403 with Spring Boot's error JSON: the error says
		// what the token lacks, not only the status and that JSON.
		{name: "token without the right to register is final", token: testToken, deny: true, wantCalls: 1, check: func(t *testing.T, err error) {
			var ae *openaev.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || !errors.Is(err, openaev.ErrPermanent) ||
				!strings.Contains(err.Error(), "the token lacks the right to register injectors (status 403: its user needs the CREATE right on INJECTOR") {
				t.Errorf("err = %v", err)
			}
		}},
		{name: "bad token is final", token: "wrong", wantCalls: 1, check: func(t *testing.T, err error) {
			var ae *openaev.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || !errors.Is(err, openaev.ErrPermanent) {
				t.Errorf("err = %v", err)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("token in error: %v", err)
			}
		}},
		{name: "5xx is retried", token: testToken, fail: 503, failN: 2, wantCalls: 3},
		{name: "5xx exhausted", token: testToken, fail: 500, failN: 9, wantCalls: 4, check: func(t *testing.T, err error) {
			if !errors.Is(err, openaev.ErrRetriesExhausted) {
				t.Errorf("err = %v, want ErrRetriesExhausted", err)
			}
		}},
		{name: "no manifests", token: testToken, manifests: []framework.Manifest{}, wantCalls: 0, check: func(t *testing.T, err error) {
			var ve *openaev.ValidationError
			if !errors.As(err, &ve) || ve.Field != "manifests" {
				t.Errorf("err = %v", err)
			}
		}},
		{name: "reserved param name", token: testToken, manifests: []framework.Manifest{{Name: "x",
			Params: []framework.Param{{Name: "targets", Type: framework.ParamString}}}}, wantCalls: 0,
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "targets") {
					t.Errorf("err = %v", err)
				}
			}},
		// A number field's default is a JSON number (the platform's
		// ContractNumber): one that is none is refused before sending.
		{name: "int param default not an integer", token: testToken, manifests: []framework.Manifest{{Name: "x",
			Params: []framework.Param{{Name: "n", Type: framework.ParamInt, Default: "fast"}}}}, wantCalls: 0,
			check: func(t *testing.T, err error) {
				var ve *openaev.ValidationError
				if !errors.As(err, &ve) || ve.Field != "x.params.n" || ve.Value != "fast" {
					t.Errorf("err = %v", err)
				}
			}},
		// 2.4.0's Tomcat takes at most 2 MB of a form part (maxPostSize):
		// the error says what to do.
		{name: "input over the platform's form size is final", token: testToken, manifests: []framework.Manifest{manyChoices(60000)},
			wantCalls: 1, check: func(t *testing.T, err error) {
				var ae *openaev.APIError
				if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge || !errors.Is(err, openaev.ErrPermanent) ||
					!strings.Contains(err.Error(), "the platform refuses the registration as too large (status 413)") ||
					!strings.Contains(err.Error(), "register fewer injectors (--injectors), or smaller manifests") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "input under the platform's form size", token: testToken, manifests: []framework.Manifest{manyChoices(100)}, wantCalls: 1},
		{name: "no injector id", token: testToken, injector: "none", wantCalls: 0, check: func(t *testing.T, err error) {
			var ve *openaev.ValidationError
			if !errors.As(err, &ve) || ve.Field != "injector_id" {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken)
			if tt.fail != 0 {
				p.FailRegistration(tt.fail, tt.failN)
			}
			if tt.deny {
				p.DenyRegistration()
			}
			id := testInjectorID
			if tt.injector == "none" {
				id = ""
			}
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: tt.token, InjectorID: id},
				openaev.WithRetry(4, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			ms := tt.manifests
			if ms == nil {
				ms = testManifests()
			}
			_, err = c.Register(context.Background(), ms, false)
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Errorf("err = %v", err)
			}
			if got := len(p.Registrations()); got != tt.wantCalls {
				t.Errorf("%d registration calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

// A failing registration says what failed in a few words for serve's
// /healthz: the status, that the token is refused, or that no response
// came back, never the URL or the token.
func TestRegistrationFailureHealthReason(t *testing.T) {
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + ln.Addr().String()
		ln.Close()
		return url
	}
	tests := []struct {
		name   string
		status int // scripted status of every registration; 0: the platform is down; -1: its certificate is refused
		want   string
	}{
		{"token refused", http.StatusUnauthorized, "status 401 (token refused)"},
		{"token lacks rights", http.StatusForbidden, "status 403 (token refused: check its rights)"},
		{"platform failing", http.StatusServiceUnavailable, "status 503"},
		{"platform down", 0, "no response: connection refused"},
		{"certificate refused", -1, "no response: certificate refused (" + httpx.CAFileHint + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken)
			url := p.URL
			switch tt.status {
			case 0:
				url = closed()
			case -1:
				srv := httptest.NewTLSServer(http.NotFoundHandler())
				t.Cleanup(srv.Close)
				url = srv.URL
			default:
				p.FailRegistration(tt.status, 99)
			}
			v, _ := openaev.ParseVersion(openaevtest.Current.String())
			hc, err := openaev.NewHTTPClient("", false, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, err := openaev.NewClient(openaev.Config{URL: url, Token: testToken, InjectorID: testInjectorID},
				openaev.WithRetry(2, time.Millisecond), openaev.WithPlatformVersion(v), openaev.WithHTTPClient(hc))
			if err != nil {
				t.Fatal(err)
			}
			got := refusedRegistration(t, c)
			if got != tt.want {
				t.Errorf("HealthReason = %q, want %q", got, tt.want)
			}
			if strings.Contains(got, testToken) || strings.Contains(got, "127.0.0.1") {
				t.Errorf("HealthReason %q names the token or the URL", got)
			}
		})
	}
}

// A registration the platform does not answer before the caller's time
// limit names the request and its URL, without the token, as a
// connection failure does, not only "context deadline exceeded".
func TestRegisterCutShortNamesTheRequest(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/injectors" {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(openaevtest.Current.String()))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c.Version(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Register(ctx, testManifests(), false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Register = %v, want the deadline", err)
	}
	for _, want := range []string{"registration", srv.URL + "/api/injectors"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error %q holds the token", err)
	}
}

// manyChoices is a manifest whose one enum param offers n choices, each
// of 32 characters: its contract weighs about n*36 bytes.
func manyChoices(n int) framework.Manifest {
	choices := make([]string, n)
	for i := range choices {
		choices[i] = fmt.Sprintf("choice-%025d", i)
	}
	return framework.Manifest{Name: "big", Params: []framework.Param{{Name: "pick", Type: framework.ParamEnum,
		Default: choices[0], Enum: choices}}}
}

// refusedRegistration registers testManifests through c's Registrar, which
// must fail with an error saying what failed (a serve.HealthReasoner),
// and returns that reason, as serve's /healthz would show it.
func refusedRegistration(t *testing.T, c *openaev.Client) string {
	t.Helper()
	_, err := openaev.NewRegistrar(c, testManifests()).Register(context.Background())
	var hr serve.HealthReasoner
	if !errors.As(err, &hr) {
		t.Fatalf("Register = %v, want an error saying what failed", err)
	}
	return hr.HealthReason()
}
