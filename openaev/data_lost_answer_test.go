package openaev_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A "data" callback the platform took but whose answer was lost (the
// connection cut after it) is sent again, and the platform stores its
// signatures twice: the delivery ends with one WARN naming that body
// and the signature targets it carries; so does one a gateway answered
// 502 or 504 (the platform behind it may have taken it). A "data"
// callback answered 503 (not taken) and sent again says nothing.
func TestDataCallbackLostAnswerWarns(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, forward http.Handler) // the second data callback's first attempt
		warned bool
	}{
		{"answer lost after the platform took it", testkit.LoseAnswer, true},
		// r13 finding 3: a gateway's 502 or 504 says the platform behind
		// it did not answer, not that it did not take the body.
		{"platform took it, the gateway in front answered 504", func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
			forward.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusGatewayTimeout)
		}, true},
		{"platform took it, the gateway in front answered 502", func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
			forward.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusBadGateway)
		}, true},
		{"answered 503, not taken", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-data"
			e := newEnv(t)
			// The first data callback passes, the second's first attempt
			// gets the answer; its retry, and every other call, passes.
			var data atomic.Int32
			proxy := testkit.FaultProxy(t, e.platform.URL, 2, []byte(`"execution_action":"data"`),
				func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
					if data.Add(1) == 1 {
						forward.ServeHTTP(w, r)
						return
					}
					tt.answer(w, r, forward)
				})
			e.throughProxy(t, proxy.URL)
			e.profile = openaev.NewProfile(e.client, testManifests(), e.log, openaev.WithMaxPayloadSize(4096))
			e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log), e.profile)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, id, 60)); err != nil {
				t.Fatal(err)
			}
			var bodies int
			for _, c := range e.platform.Calls(id) {
				if c.Kind == openaevtest.KindData && c.Processed() {
					bodies++
				}
			}
			if bodies < 3 {
				t.Fatalf("%d data callbacks processed, want the second repeated among 3 or more", bodies)
			}
			warns := e.logs.FilterMessageSnippet("may have stored its signatures twice").All()
			if !tt.warned {
				if len(warns) != 0 {
					t.Errorf("%d WARN lines saying a data callback may be stored twice, want none", len(warns))
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("%d WARN lines saying a data callback may be stored twice, want 1", len(warns))
			}
			f := warns[0].ContextMap()
			if f["inject_id"] != id || f["index"] != int64(2) || f["unanswered"] != int64(1) || f["signature_targets"].(int64) < 1 {
				t.Errorf("WARN fields %v", f)
			}
		})
	}
}
