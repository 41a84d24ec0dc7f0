package e2e_test

import (
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// faultProxy stands between the daemons and the platform. While faults are
// on, each POST of an execution callback is answered 503 with probability
// p503 (the platform never sees it), or cut mid-body with probability
// pDrop: part of the body is read, then the connection is reset. Anything
// else goes through to the platform.
//
// No inject has more than maxStreak of its callback attempts failed in a
// row. The platform client makes 4 attempts per callback (1 s, 2 s, 4 s
// apart); a callback whose 4 attempts all fail waits in the outbox for
// outbox.Backoff(4) = 40 s, and one whose resend fails too for the 5-minute
// cap. Capping the streak at 4 lets a whole round fail (so the outbox and
// its resender are exercised) but never two in a row: the run's length stays
// bounded by the 40 s backoff, not by an unlucky 5-minute one.
type faultProxy struct {
	URL string

	p503, pDrop float64
	maxStreak   int

	mu     sync.Mutex
	rng    *rand.Rand
	on     bool
	streak map[string]int // inject callback path → attempts failed in a row
	n503   int
	nDrop  int
	nPass  int
}

func newFaultProxy(t *testing.T, platformURL string, seed uint64) *faultProxy {
	t.Helper()
	target, err := url.Parse(platformURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	rp.Transport = tr
	fp := &faultProxy{p503: 0.20, pDrop: 0.05, maxStreak: 4, rng: rand.New(rand.NewPCG(seed, 0x5eed)),
		streak: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/api/injects/execution/callback/") {
			switch fp.decide(r.URL.Path) {
			case "503":
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"message":"chaos: service unavailable"}`))
				return
			case "drop":
				dropMidBody(w, r)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	fp.URL = srv.URL
	return fp
}

// decide returns "503", "drop" or "" (pass) for one callback attempt.
func (fp *faultProxy) decide(path string) string {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if !fp.on || fp.streak[path] >= fp.maxStreak {
		delete(fp.streak, path)
		fp.nPass++
		return ""
	}
	switch x := fp.rng.Float64(); {
	case x < fp.p503:
		fp.streak[path]++
		fp.n503++
		return "503"
	case x < fp.p503+fp.pDrop:
		fp.streak[path]++
		fp.nDrop++
		return "drop"
	}
	delete(fp.streak, path)
	fp.nPass++
	return ""
}

func (fp *faultProxy) setFaults(on bool) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.on = on
}

func (fp *faultProxy) counts() (n503, nDrop, nPass int) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.n503, fp.nDrop, fp.nPass
}

// dropMidBody reads part of the request body, then resets the connection:
// the client sees its request cut before any answer.
func dropMidBody(w http.ResponseWriter, r *http.Request) {
	n := r.ContentLength / 2
	if n <= 0 {
		n = 1
	}
	_, _ = io.CopyN(io.Discard, r.Body, n)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("chaos proxy: cannot hijack the connection")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST, not FIN
	}
	_ = conn.Close()
}

// chaosInjects creates n noop injects on the platform, each lasting a
