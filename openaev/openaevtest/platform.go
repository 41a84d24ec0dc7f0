// Package openaevtest is an OpenAEV platform stand-in for tests: an
// httptest server speaking the injector side of the platform's API
// (registration, inject reception, execution callbacks, asset-group
// paging), enforcing what the platform enforces and recording every call.
//
// It checks:
//   - the bearer token on every call (401 otherwise);
//   - a registration is multipart/form-data with a JSON "input" part holding
//     injector_id, injector_name, injector_type and injector_contracts, each
//     contract with a non-blank contract_id and a non-blank contract_content
//     string, and an optional image/png "icon" part (400 otherwise);
//   - a callback has a non-blank execution_message and an execution_status
//     and execution_action the platform knows, an integer
//     execution_duration and a string execution_output_structured holding a
//     JSON object (400 otherwise);
//   - a "complete" callback comes after the inject's reception (409
//     otherwise, the platform's "not PENDING");
//   - an asset-group page asks for 1 to 1000 assets from page 0 on.
//
// Paths may carry a tenant (/api/tenants/{tenant}/…). Failures can be
// scripted per inject with FailComplete and FailReception.
package openaevtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Call kinds.
const (
	KindRegistration = "registration"
	KindReception    = "reception"
	KindTrace        = "trace"    // a callback whose action is not "complete"
	KindComplete     = "complete" // a callback whose action is "complete"
	KindTargets      = "targets"  // POST /api/endpoints/targets
	KindUnknown      = "unknown"
)

// Call is one request the platform received, with what it answered.
type Call struct {
	Kind     string
	Method   string
	Path     string // without the tenant prefix
	Tenant   string
	InjectID string
	Header   http.Header
	// Raw is the body; for a registration, the "input" part.
	Raw []byte
	// Body is Raw decoded as a JSON object (nil when it is not one).
	Body map[string]any
	// Icon and IconType are a registration's icon part.
	Icon     []byte
	IconType string
	// Status is the HTTP status the platform answered.
	Status int
}

// Accepted reports whether the platform answered 2xx.
func (c Call) Accepted() bool { return c.Status >= 200 && c.Status < 300 }

// Structured decodes a callback's execution_output_structured string.
func (c Call) Structured() (map[string]any, bool) {
	s, ok := c.Body["execution_output_structured"].(string)
	if !ok {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil, false
	}
	return m, true
}

// Broker is the registration reply: the broker and the queue.
type Broker struct {
	Host   string
	VHost  string
	UseSSL bool
	Port   int
	User   string
	Pass   string
	Queue  string
}

type failKey struct{ kind, injectID string }

type failure struct{ status, n int }

// Platform is the stand-in. Its methods are safe for concurrent use.
type Platform struct {
	// URL is the server's base URL (no trailing slash).
	URL string

	srv   *httptest.Server
	token string

	mu       sync.Mutex
	calls    []Call
	broker   Broker
	groups   map[string][]map[string]any
	order    []string // group ids, in insertion order
	fails    map[failKey]*failure
	received map[string]bool
	changed  chan struct{}
}

// NewPlatform starts a platform accepting token, closed when the test ends.
// Its broker reply defaults to 127.0.0.1:5672, vhost "/", guest/guest and
// the queue "openaev_injector_<injector_id>".
func NewPlatform(t testing.TB, token string) *Platform {
	t.Helper()
	p := &Platform{token: token, groups: map[string][]map[string]any{}, fails: map[failKey]*failure{},
		received: map[string]bool{}, changed: make(chan struct{}),
		broker: Broker{Host: "127.0.0.1", VHost: "/", Port: 5672, User: "guest", Pass: "guest"}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// SetBroker sets the registration reply. An empty Queue is replaced by
// "openaev_injector_<injector_id>".
func (p *Platform) SetBroker(b Broker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.broker = b
}

// SetAssetGroup sets the assets (endpoint objects as the platform sends
// them) of an asset group, served by POST /api/endpoints/targets.
func (p *Platform) SetAssetGroup(groupID string, assets ...map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.groups[groupID]; !ok {
		p.order = append(p.order, groupID)
	}
	p.groups[groupID] = assets
}

// FailComplete makes the next n terminal callbacks of the inject answer
// status (before any check).
func (p *Platform) FailComplete(injectID string, status, n int) {
	p.fail(KindComplete, injectID, status, n)
}

// FailReception makes the next n receptions of the inject answer status.
func (p *Platform) FailReception(injectID string, status, n int) {
	p.fail(KindReception, injectID, status, n)
}

// FailTrace makes the next n traces of the inject answer status.
func (p *Platform) FailTrace(injectID string, status, n int) { p.fail(KindTrace, injectID, status, n) }

// FailRegistration makes the next n registrations answer status.
func (p *Platform) FailRegistration(status, n int) { p.fail(KindRegistration, "", status, n) }

// FailTargets makes the next n asset-group pages answer status.
func (p *Platform) FailTargets(status, n int) { p.fail(KindTargets, "", status, n) }

func (p *Platform) fail(kind, injectID string, status, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails[failKey{kind, injectID}] = &failure{status, n}
}

// Calls returns the calls about one inject (reception, traces, complete),
// in the order received, failed ones included.
func (p *Platform) Calls(injectID string) []Call {
	return p.filter(func(c Call) bool { return c.InjectID == injectID })
}

// Registrations returns the registration calls, in order.
func (p *Platform) Registrations() []Call {
	return p.filter(func(c Call) bool { return c.Kind == KindRegistration })
}

// TargetQueries returns the asset-group page calls, in order.
func (p *Platform) TargetQueries() []Call {
	return p.filter(func(c Call) bool { return c.Kind == KindTargets })
}

// AllCalls returns every call, in order.
func (p *Platform) AllCalls() []Call { return p.filter(func(Call) bool { return true }) }

func (p *Platform) filter(keep func(Call) bool) []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Call
	for _, c := range p.calls {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// Terminal returns the first accepted "complete" callback of the inject.
func (p *Platform) Terminal(injectID string) (Call, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.terminalLocked(injectID)
}

func (p *Platform) terminalLocked(injectID string) (Call, bool) {
	for _, c := range p.calls {
		if c.InjectID == injectID && c.Kind == KindComplete && c.Accepted() {
			return c, true
		}
	}
	return Call{}, false
}

// WaitTerminal blocks until the inject has an accepted "complete" callback
// or ctx ends.
func (p *Platform) WaitTerminal(ctx context.Context, injectID string) (Call, error) {
	for {
		p.mu.Lock()
		c, ok := p.terminalLocked(injectID)
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return c, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Call{}, ctx.Err()
		}
	}
}

func (p *Platform) record(c Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
	close(p.changed)
	p.changed = make(chan struct{})
}

// takeFailure consumes one scripted failure, returning its status or 0.
func (p *Platform) takeFailure(kind, injectID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.fails[failKey{kind, injectID}]
	if f == nil || f.n <= 0 {
		return 0
	}
	f.n--
	return f.status
}
