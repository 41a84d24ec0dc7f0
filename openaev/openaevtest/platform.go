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
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// route splits a path into tenant and API path.
func route(path string) (tenant, rest string) {
	if after, ok := strings.CutPrefix(path, "/api/tenants/"); ok {
		tenant, rest, _ = strings.Cut(after, "/")
		return tenant, "/api/" + rest
	}
	return "", path
}

func (p *Platform) serve(w http.ResponseWriter, r *http.Request) {
	tenant, path := route(r.URL.Path)
	c := Call{Kind: KindUnknown, Method: r.Method, Path: path, Tenant: tenant, Header: r.Header.Clone()}
	switch {
	case path == "/api/injectors":
		c.Kind = KindRegistration
	case strings.HasPrefix(path, "/api/injects/execution/reception/"):
		c.Kind, c.InjectID = KindReception, strings.TrimPrefix(path, "/api/injects/execution/reception/")
	case strings.HasPrefix(path, "/api/injects/execution/callback/"):
		c.Kind, c.InjectID = KindTrace, strings.TrimPrefix(path, "/api/injects/execution/callback/")
	case path == "/api/endpoints/targets":
		c.Kind = KindTargets
	}
	status, reply := p.handle(r, &c)
	c.Status = status
	p.record(c)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(reply)
}

func errorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return b
}

// handle checks and answers one call, filling c.
func (p *Platform) handle(r *http.Request, c *Call) (int, []byte) {
	if c.Kind != KindRegistration {
		c.Raw, _ = io.ReadAll(io.LimitReader(r.Body, 64<<20))
		_ = json.Unmarshal(c.Raw, &c.Body)
		if c.Kind == KindTrace {
			if a, _ := c.Body["execution_action"].(string); a == "complete" {
				c.Kind = KindComplete
			}
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+p.token {
		return http.StatusUnauthorized, errorBody("unauthorized")
	}
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, errorBody("method not allowed")
	}
	if c.Kind != KindUnknown {
		if st := p.takeFailure(c.Kind, c.InjectID); st != 0 {
			if c.Kind == KindRegistration {
				p.readRegistration(r, c)
			}
			return st, errorBody("scripted failure")
		}
	}
	switch c.Kind {
	case KindRegistration:
		return p.register(r, c)
	case KindReception:
		return p.reception(c)
	case KindTrace, KindComplete:
		return p.callback(c)
	case KindTargets:
		return p.targets(c)
	}
	return http.StatusNotFound, errorBody("no route " + c.Path)
}

func isJSON(ct string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json")
}

func (p *Platform) reception(c *Call) (int, []byte) {
	if c.InjectID == "" || c.Body == nil {
		return http.StatusBadRequest, errorBody("malformed reception")
	}
	if n, ok := c.Body["tracking_total_count"].(float64); !ok || n != float64(int(n)) {
		return http.StatusBadRequest, errorBody("tracking_total_count must be an integer")
	}
	p.mu.Lock()
	p.received[c.InjectID] = true
	p.mu.Unlock()
	return http.StatusOK, []byte(`{}`)
}

// Accepted execution statuses and actions.
var (
	statuses = set("SUCCESS", "ERROR", "INFO", "WARNING", "PARTIAL", "MAYBE_PREVENTED", "MAYBE_PARTIAL_PREVENTED",
		"COMMAND_NOT_FOUND", "COMMAND_CANNOT_BE_EXECUTED", "ASSET_AGENTLESS", "AGENT_INACTIVE")
	actions = set("start", "prerequisite_check", "prerequisite_execution", "command_execution", "dns_resolution",
		"cleanup_execution", "complete")
)

func set(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func (p *Platform) callback(c *Call) (int, []byte) {
	if c.InjectID == "" || c.Body == nil {
		return http.StatusBadRequest, errorBody("malformed callback")
	}
	str := func(k string) (string, bool) {
		v, ok := c.Body[k].(string)
		return v, ok
	}
	if m, ok := str("execution_message"); !ok || strings.TrimSpace(m) == "" {
		return http.StatusBadRequest, errorBody("execution_message must not be blank")
	}
	if s, ok := str("execution_status"); !ok || !statuses[s] {
		return http.StatusBadRequest, errorBody("execution_status must be one of the platform's statuses")
	}
	if a, ok := str("execution_action"); !ok || !actions[a] {
		return http.StatusBadRequest, errorBody("execution_action must be one of the platform's actions")
	}
	if d, ok := c.Body["execution_duration"]; ok {
		if n, isNum := d.(float64); !isNum || n != float64(int(n)) || n < 0 {
			return http.StatusBadRequest, errorBody("execution_duration must be a non-negative integer")
		}
	}
	if raw, ok := c.Body["execution_output_structured"]; ok && raw != nil {
		s, isStr := raw.(string)
		if !isStr {
			return http.StatusBadRequest, errorBody("execution_output_structured must be a string")
		}
		var doc map[string]any
		if s != "" && json.Unmarshal([]byte(s), &doc) != nil {
			return http.StatusBadRequest, errorBody("execution_output_structured must hold a JSON object")
		}
	}
	if c.Kind == KindComplete {
		p.mu.Lock()
		ok := p.received[c.InjectID]
		p.mu.Unlock()
		if !ok {
			return http.StatusConflict, errorBody("inject is not PENDING")
		}
	}
	return http.StatusOK, []byte(`{}`)
}

// readRegistration reads the multipart parts into c; it returns a reason
// for a malformed request.
func (p *Platform) readRegistration(r *http.Request, c *Call) string {
	mr, err := r.MultipartReader()
	if err != nil {
		return "not multipart/form-data: " + err.Error()
	}
	sawInput := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "malformed multipart body: " + err.Error()
		}
		b, _ := io.ReadAll(io.LimitReader(part, 16<<20))
		switch part.FormName() {
		case "input":
			if !isJSON(part.Header.Get("Content-Type")) {
				return "part input must be application/json"
			}
			sawInput = true
			c.Raw = b
			_ = json.Unmarshal(b, &c.Body)
		case "icon":
			c.Icon, c.IconType = b, part.Header.Get("Content-Type")
			if c.IconType != "image/png" {
				return "part icon must be image/png"
			}
		}
	}
	if !sawInput {
		return "no input part"
	}
	return ""
}

func (p *Platform) register(r *http.Request, c *Call) (int, []byte) {
	if reason := p.readRegistration(r, c); reason != "" {
		return http.StatusBadRequest, errorBody(reason)
	}
	if c.Body == nil {
		return http.StatusBadRequest, errorBody("input is not a JSON object")
	}
	for _, k := range []string{"injector_id", "injector_name", "injector_type"} {
		if v, ok := c.Body[k].(string); !ok || strings.TrimSpace(v) == "" {
			return http.StatusBadRequest, errorBody(k + " must not be blank")
		}
	}
	contracts, ok := c.Body["injector_contracts"].([]any)
	if !ok {
		return http.StatusBadRequest, errorBody("injector_contracts must be a list")
	}
	for _, ct := range contracts {
		m, ok := ct.(map[string]any)
		if !ok {
			return http.StatusBadRequest, errorBody("a contract must be an object")
		}
		if v, ok := m["contract_id"].(string); !ok || strings.TrimSpace(v) == "" {
			return http.StatusBadRequest, errorBody("contract_id must not be blank")
		}
		content, ok := m["contract_content"].(string)
		if !ok {
			return http.StatusBadRequest, errorBody("contract_content must be a string")
		}
		if strings.TrimSpace(content) == "" {
			return http.StatusBadRequest, errorBody("contract_content must not be blank")
		}
	}
	p.mu.Lock()
	b := p.broker
	p.mu.Unlock()
	if b.Queue == "" {
		b.Queue = "openaev_injector_" + c.Body["injector_id"].(string)
	}
	reply, _ := json.Marshal(map[string]any{
		"connection": map[string]any{"host": b.Host, "vhost": b.VHost, "use_ssl": b.UseSSL, "port": b.Port,
			"user": b.User, "pass": b.Pass},
		"listen": b.Queue,
	})
	return http.StatusOK, reply
}

func (p *Platform) targets(c *Call) (int, []byte) {
	var q struct {
		Page        *int `json:"page"`
		Size        *int `json:"size"`
		FilterGroup struct {
			Filters []struct {
				Key      string   `json:"key"`
				Operator string   `json:"operator"`
				Values   []string `json:"values"`
			} `json:"filters"`
		} `json:"filterGroup"`
	}
	if err := json.NewDecoder(bytes.NewReader(c.Raw)).Decode(&q); err != nil {
		return http.StatusBadRequest, errorBody("malformed search input")
	}
	if q.Page == nil || q.Size == nil || *q.Page < 0 || *q.Size < 1 || *q.Size > 1000 {
		return http.StatusBadRequest, errorBody("page must be >= 0 and size 1 to 1000")
	}
	want := map[string]bool{}
	for _, f := range q.FilterGroup.Filters {
		if f.Key == "assetGroups" {
			for _, v := range f.Values {
				want[v] = true
			}
		}
	}
	p.mu.Lock()
	var all []map[string]any
	seen := map[any]bool{}
	for _, id := range p.order {
		if !want[id] {
			continue
		}
		for _, a := range p.groups[id] {
			if key := a["asset_id"]; key != nil {
				if seen[key] {
					continue
				}
				seen[key] = true
			}
			all = append(all, a)
		}
	}
	p.mu.Unlock()
	page, size := *q.Page, *q.Size
	lo := min(page*size, len(all))
	hi := min(lo+size, len(all))
	content := all[lo:hi]
	if content == nil {
		content = []map[string]any{}
	}
	totalPages := (len(all) + size - 1) / size
	reply, _ := json.Marshal(map[string]any{
		"content": content, "number": page, "size": size, "totalElements": len(all),
		"totalPages": totalPages, "first": page == 0, "last": page >= totalPages-1, "empty": len(content) == 0,
	})
	return http.StatusOK, reply
}
