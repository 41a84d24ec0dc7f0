package httpx_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// r16 F5: a forward proxy refusing the credentials of the CONNECT of an
// https server answers 407 to the tunnel, not to the request; it is a 407
// all the same (ProxyRefused): not retried at once, not refused for
// good, the server never reached, the error saying the proxy refused
// its credentials. With the right credentials the request goes through
// the same proxy.
func TestPosterProxyRefusesConnect(t *testing.T) {
	backend, hits := httpxtest.TLSServer(t)
	caFile := httpxtest.CAFile(t, backend)
	proxy := testkit.NewConnectProxy(t, "alice", "right-Pw")
	tests := []struct {
		name       string
		pass       string
		wantStatus int // 0: delivered
	}{
		{"wrong credentials", "Wrong-Pw", http.StatusProxyAuthRequired},
		{"right credentials", "right-Pw", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, refusedBefore := hits.Load(), proxy.Refused()
			hc, err := httpx.NewClient(httpx.TLS{CAFile: caFile}, nil)
			if err != nil {
				t.Fatal(err)
			}
			httpx.Transport(hc).Proxy = http.ProxyURL(proxy.ProxyURL("alice", tt.pass))
			p := httpx.Poster{Client: hc, Attempts: 3, Timer: &httpxtest.Timer{}}
			rep, err := p.Do(context.Background(), httpx.Request{Op: "callback", URL: backend.URL + "/cb", Body: []byte(`{}`)})
			if tt.wantStatus == 0 {
				if err != nil || hits.Load() != before+1 || proxy.Tunnels() != 1 {
					t.Fatalf("Do = %v; the backend got %d requests through %d tunnels, want 1", err, hits.Load()-before, proxy.Tunnels())
				}
				return
			}
			var he *httpx.HTTPError
			if !errors.As(err, &he) || he.Status != tt.wantStatus || he.Err != nil || he.Unanswered != 0 {
				t.Fatalf("Do = %#v, want an *HTTPError of status %d, no network error, no attempt unanswered", err, tt.wantStatus)
			}
			if rep.Attempts != 1 || proxy.Refused() != refusedBefore+1 {
				t.Errorf("%d attempts, %d CONNECTs refused; want 1: the same credentials meet the same refusal",
					rep.Attempts, proxy.Refused()-refusedBefore)
			}
			if errors.Is(err, httpx.ErrPermanent) || errors.Is(err, httpx.ErrRetriesExhausted) {
				t.Errorf("%v is refused for good or spent; want neither (pending until the proxy setting is fixed)", err)
			}
			if !strings.Contains(err.Error(), httpx.ProxyHint) || strings.Contains(err.Error(), "Wrong-Pw") {
				t.Errorf("error %q: want the proxy's refusal said (%q), the password not shown", err, httpx.ProxyHint)
			}
			if hits.Load() != before {
				t.Errorf("the backend got %d requests past a refusing proxy", hits.Load()-before)
			}
		})
	}
}
