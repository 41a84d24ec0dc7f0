package openaev_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// CountAttempts counts every HTTP attempt of an inject's callbacks, retries
// included, by status, and nothing else the client sends; it reads no path
// and no body.
func TestCountAttempts(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	p.AddInject("i-1", openaev.ContractID("noop"))
	p.FailComplete("i-1", http.StatusServiceUnavailable, 1)
	var mu sync.Mutex
	var got []int
	hc := &http.Client{Transport: openaev.CountAttempts(nil, func(status int) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, status)
	})}
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithHTTPClient(hc), openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c.Version(ctx) // not a callback: uncounted
	if _, err := c.Reception(ctx, "i-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Trace(ctx, "i-1", "running"); err != nil {
		t.Fatal(err)
	}
	if err := c.Callback(ctx, "i-1", openaev.Execution{Message: "done", Status: openaev.StatusSuccess,
		Action: openaev.ActionComplete}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(ctx, testManifests(), false); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []int{200, 200, 503, 200}; !slices.Equal(got, want) {
		t.Errorf("counted %v, want %v (reception, trace, complete retried)", got, want)
	}
}

// TestSendingHookOnCallbacksOnly: the requests of an inject's callbacks,
// retries included, call ctx's Sending hook (an outbox notes there when
// the last request of a stored body started); a status read or another
// request made with the same ctx (between two attempts of a stored
// "complete") sends no body of it and calls none.
func TestSendingHookOnCallbacksOnly(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken)
	p.AddInject("i-1", openaev.ContractID("noop"))
	p.FailComplete("i-1", http.StatusServiceUnavailable, 1)
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	ctx := httpx.WithSending(context.Background(), func() error { calls++; return nil })
	c.Version(ctx)
	if _, err := c.InjectState(ctx, "i-1"); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Errorf("a version and a status read called the hook %d times, want none", calls)
	}
	if err := c.Callback(ctx, "i-1", openaev.Execution{Message: "done", Status: openaev.StatusSuccess,
		Action: openaev.ActionComplete}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("a complete answered 503, then 200: the hook called %d times, want 2", calls)
	}
}
