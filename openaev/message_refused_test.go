package openaev_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
)

// A message whose inject_content gives a setting of the injector, its
// key in any case and with any separator, is refused, naming the key and where the host gives it, never quoting the
// value (a setting may be secret); an empty one gives nothing and is let
// through, as an empty param is.
func TestTranslateRefusesSettings(t *testing.T) {
	e := newEnv(t)
	m := (&fakeNmap{}).Manifest()
	m.Settings = []framework.Setting{{Key: "api_key", Env: "NMAP_API_KEY", Secret: true}, {Key: "base_url"}}
	e.build([]framework.Manifest{m, noop.New().Manifest()})
	known := "unknown parameter (known: " + strings.Join(m.ParamNames(), ", ") + "); "
	// refused is the error for inject_content.key naming setting, whose
	// place on the host is where.
	refused := func(key, setting, where string) string {
		return "invalid inject_content." + key + ": " + known + setting +
			" is a setting of nmap, which an inject cannot choose: give it on the injectkit host as " + where + " in the config file"
	}
	const apiKey, baseURL = "env NMAP_API_KEY or nmap.api_key", "nmap.base_url"
	tests := []struct {
		name    string
		key     string
		value   any
		wantErr string
	}{
		{"secret setting", "api_key", "s3cr3t-value", refused("api_key", "api_key", apiKey)},
		{"setting without env", "base_url", "http://127.0.0.1:9", refused("base_url", "base_url", baseURL)},
		{"key in another case", "Base_URL", "http://127.0.0.1:9", refused("Base_URL", "base_url", baseURL)},
		{"key with dashes", "base-url", "http://127.0.0.1:9", refused("base-url", "base_url", baseURL)},
		{"key in camelCase", "baseUrl", "http://127.0.0.1:9", refused("baseUrl", "base_url", baseURL)},
		{"key dotted, spaced", "API.key ", "s3cr3t-value", refused("API.key ", "api_key", apiKey)},
		{"not a scalar", "api_key", map[string]any{"k": "s3cr3t-value"}, "invalid inject_content.api_key: unknown parameter"},
		{"a list of one", "api_key", []string{"s3cr3t-value"}, "invalid inject_content.api_key: unknown parameter"},
		{"empty", "api_key", "", ""},
		{"null", "api_key", nil, ""},
		{"empty list", "api_key", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := map[string]any{"target_selector": "manual", "targets": "192.0.2.1", tt.key: tt.value}
			body := e.message(t, "inj-s", "nmap", content, nil, nil)
			req, ok := e.translate(t, body, tt.wantErr)
			if !ok {
				return
			}
			if _, given := req.Params[tt.key]; given {
				t.Errorf("params %v hold the setting", req.Params)
			}
		})
	}
	// The value is never quoted.
	m2, err := openaev.ParseMessage(e.message(t, "inj-q", "nmap",
		map[string]any{"target_selector": "manual", "targets": "192.0.2.1", "api_key": "s3cr3t-value"}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.proc.Translate(t.Context(), m2); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("err = %v, want a refusal that does not quote the value", err)
	}
}

// maxLoggedField bounds what a log field or an error may quote of an id
// the platform sent: the longest valid inject id and a little more.
const maxLoggedField = 1024

// checkBounded fails when text is longer than maxLoggedField or holds a
// control character.
func checkBounded(t *testing.T, what, text string) {
	t.Helper()
	if len(text) > maxLoggedField {
		t.Errorf("%s is %d bytes long, want at most %d: %.80q…", what, len(text), maxLoggedField, text)
	}
	if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		t.Errorf("%s holds a control character: %.200q", what, text)
	}
}

// TestHandlerInvalidInjectID checks the outside tester's hostile inject
// ids (t50): an inject id no platform call can carry (longer than 256
// bytes, holding a control character) is refused when the message is
// read, before the outbox is touched (no start recorded: a 3 MB id made
// it fail with "key too large") and before anything is sent, and no log
// line, log field or error quotes more than a bounded, escaped part of
// it: a 3 MB id made 15 MB of log. A contract id of 200 KB is cut in
// "message received" too.
func TestHandlerInvalidInjectID(t *testing.T) {
	tests := []struct {
		name, id, contract string
	}{
		{"3 MB inject id", strings.Repeat("a", 3_000_000), ""},
		{"257-byte inject id", strings.Repeat("b", 257), ""},
		{"escape sequence and line break", "i-5\x1b[31m\nINFO x", ""},
		{"200 KB contract id", "i-contract", strings.Repeat("c", 200_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true})
			body := s.message(t, tt.id, "noop", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
			if tt.contract != "" {
				body = []byte(strings.Replace(string(body), openaev.ContractID("noop"), tt.contract, 1))
			}
			key, _ := s.handler.MessageKey(body)
			checkBounded(t, "the message's key", key)
			before := len(s.platform.AllCalls())
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
			if got := settlement(err); got != "reject" {
				t.Errorf("settlement %s (%v), want reject", got, err)
			}
			checkBounded(t, "the error", fmt.Sprint(err))
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v, want nothing stored", got)
			}
			if tt.contract == "" {
				if calls := s.platform.AllCalls()[before:]; len(calls) != 0 {
					t.Errorf("%d calls to the platform, want none: %+v", len(calls), calls)
				}
			}
			if n := s.logs.FilterMessageSnippet("start not recorded").Len(); n != 0 {
				t.Errorf("%d lines saying the start was not recorded: the outbox was asked to", n)
			}
			for _, e := range s.logs.All() {
				checkBounded(t, "log line "+e.Message, e.Message)
				for k, v := range e.ContextMap() {
					checkBounded(t, "field "+k+" of "+e.Message, fmt.Sprint(v))
				}
			}
			// As run --openaev-message processes it.
			checkBounded(t, "Process's error", fmt.Sprint(s.proc.Process(t.Context(), body)))
		})
	}
}

// TestErrorsQuoteHostileInjectID checks the outside tester's hostile
// inject id (t50): "i-5\x1b[31m\nINFO x" written raw by an error's text
// colours the terminal and forges a log line ("INFO x: …"). Each error
// naming an inject shows an id that is not a valid one Go-quoted, cut;
// a valid one as it is.
func TestErrorsQuoteHostileInjectID(t *testing.T) {
	const hostile = "i-5\x1b[31m\nINFO x"
	cause := errors.New("boom")
	errs := func(id string) map[string]error {
		return map[string]error{
			"MessageError":            &openaev.MessageError{InjectID: id, Reason: "bad"},
			"MessageError, reception": &openaev.MessageError{InjectID: id, Reason: "bad", Reception: true},
			"NotReceivedError":        &openaev.NotReceivedError{InjectID: id, Err: cause},
			"TargetsUnavailableError": &openaev.TargetsUnavailableError{InjectID: id, Err: cause},
			"UnfinishedError":         &openaev.UnfinishedError{InjectID: id, Runs: 2},
		}
	}
	tests := []struct {
		name, id, want string
	}{
		{"escape sequence and line break", hostile, `"i-5\x1b[31m\nINFO x"`},
		{"3 MB", strings.Repeat("a", 3_000_000), `"` + strings.Repeat("a", 256) + `…"`},
		{"valid", "i-1", "inject i-1"},
	}
	for _, tt := range tests {
		for name, err := range errs(tt.id) {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				got := err.Error()
				checkBounded(t, "the error", got)
				if !strings.Contains(got, tt.want) {
					t.Errorf("%q does not name the inject as %q", got, tt.want)
				}
			})
		}
	}
}
