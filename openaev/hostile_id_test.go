package openaev_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
)

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
