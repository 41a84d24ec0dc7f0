package openaevtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// The platform's routes and the checks it makes.

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
