package openaevtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// The platform's routes.

// route splits a path into tenant and API path.
func route(path string) (tenant, rest string) {
	if after, ok := strings.CutPrefix(path, "/api/tenants/"); ok {
		tenant, rest, _ = strings.Cut(after, "/")
		return tenant, "/api/" + rest
	}
	return "", path
}

// classify names the call a path and method make.
func classify(method, path string, c *Call) {
	switch {
	case path == "/api/injectors":
		c.Kind = KindRegistration
	case method == http.MethodGet && isInjectorContracts(path):
		c.Kind = KindInjectorContracts
	case method == http.MethodGet && isInjectorContract(path):
		c.Kind = KindInjectorContract
	case method == http.MethodGet && isInjector(path):
		c.Kind = KindInjector
	case agentCallback(path, c):
	case strings.HasPrefix(path, "/api/injects/execution/reception/"):
		c.Kind, c.InjectID = KindReception, strings.TrimPrefix(path, "/api/injects/execution/reception/")
	case strings.HasPrefix(path, "/api/injects/execution/callback/"):
		c.Kind, c.InjectID = KindTrace, strings.TrimPrefix(path, "/api/injects/execution/callback/")
	case path == "/api/endpoints/targets":
		c.Kind = KindTargets
	case c.Tenant == "" && (path == "/api/settings" || path == "/api/settings/version" || path == publicSettingsPath):
		// No tenant route (PlatformSettingsApi: @RequestMapping("/api/settings")).
		c.Kind = KindSettings
	case strings.HasPrefix(path, "/api/findings/injects/") && strings.HasSuffix(path, "/search") &&
		!strings.Contains(strings.TrimSuffix(strings.TrimPrefix(path, "/api/findings/injects/"), "/search"), "/"):
		c.Kind, c.InjectID = KindFindings, strings.TrimSuffix(strings.TrimPrefix(path, "/api/findings/injects/"), "/search")
	case method == http.MethodGet && strings.HasPrefix(path, "/api/injects/") &&
		!strings.Contains(strings.TrimPrefix(path, "/api/injects/"), "/"):
		c.Kind, c.InjectID = KindInject, strings.TrimPrefix(path, "/api/injects/")
	}
}

// agentCallback reports whether path is the implants' callback route,
// POST /api/injects/execution/{agentId}/callback/{injectId}
// (InjectApi.java:393-400), and names c after it: a callback like the
// injectors' one, with its agent.
func agentCallback(path string, c *Call) bool {
	parts := strings.Split(strings.TrimPrefix(path, "/api/injects/execution/"), "/")
	if !strings.HasPrefix(path, "/api/injects/execution/") || len(parts) != 3 || parts[1] != "callback" ||
		parts[0] == "" || parts[2] == "" {
		return false
	}
	c.Kind, c.AgentID, c.InjectID = KindTrace, parts[0], parts[2]
	return true
}

func (p *Platform) serve(w http.ResponseWriter, r *http.Request) {
	tenant, path := route(r.URL.Path)
	c := Call{Kind: KindUnknown, Method: r.Method, Path: path, Tenant: tenant, Header: r.Header.Clone()}
	classify(r.Method, path, &c)
	if reason := firewallRejects(r); reason != "" {
		// StrictHttpFirewall, before any filter or route (firewall.go):
		// nothing of the request is read or acted on.
		c.Reason, c.Status = "request rejected by the HTTP firewall: "+reason, http.StatusBadRequest
		p.record(c)
		w.Header().Set("Content-Type", jsonType)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(p.bootError(http.StatusBadRequest, "Bad Request", r.URL.Path))
		return
	}
	status, ctype, reply := p.handle(r, &c)
	if c.Kind == KindComplete && (c.Outcome == Processed || c.Outcome == Queued) {
		if st := p.takeFailure(kindLostComplete, c.InjectID); st != 0 {
			status, ctype, reply = fail(st, "scripted failure after processing")
		}
	}
	c.Status = status
	p.record(c)
	if c.allow != "" {
		w.Header().Set("Allow", c.allow)
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	_, _ = w.Write(reply)
}

const jsonType = "application/json"

// otherMethods returns the methods of 2.4.0's route whose pattern a path
// that names no route of the stand-in matches, comma-separated, or "" for
// none (InjectApi.java's mappings): PUT /api/injects/{exerciseId}/{injectId}
// (:463-466) is the only route of two segments after /api/injects (the
// seed profile's /api/injects/{id}/callback among them), GET
// /api/injects/{injectId} (:132) the only one of one segment, but the
// literal POST /export (:165) and /options (:575), which the stand-in
// does not model (no route for it either).
func otherMethods(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/injects/")
	switch {
	case !ok || rest == "":
		return ""
	case strings.Count(rest, "/") == 1:
		return http.MethodPut
	case !strings.Contains(rest, "/") && rest != "export" && rest != "options":
		return http.MethodGet
	}
	return ""
}

// methodNotAllowed is Spring's answer to a method the route of the path
// does not map: RequestMappingInfoHandlerMapping.handleNoMatch throws
// HttpRequestMethodNotSupportedException with the route's methods, which
// RestBehavior does not handle: DefaultHandlerExceptionResolver sets them
// in Allow and sends a 405, Boot's error JSON.
func (p *Platform) methodNotAllowed(r *http.Request, c *Call, allow string) (int, string, []byte) {
	c.allow = allow
	return http.StatusMethodNotAllowed, jsonType, p.bootError(http.StatusMethodNotAllowed, "Method Not Allowed", r.URL.Path)
}

func errorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return b
}

// fail is an error answer: status and a body whose message is msg.
func fail(status int, msg string) (int, string, []byte) {
	return status, jsonType, errorBody(msg)
}

// maxRequestBody bounds what the stand-in reads of a request's body.
const maxRequestBody = 256 << 20

// readRequestBody reads r's body, up to maxRequestBody bytes, into a
// buffer of the length the request declares: io.ReadAll grows its buffer
// by copies, a second or more of a body of tens of MiB under -race.
func readRequestBody(r *http.Request) []byte {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 0), maxRequestBody)+bytes.MinRead))
	_, _ = buf.ReadFrom(io.LimitReader(r.Body, maxRequestBody))
	return buf.Bytes()
}

// handle checks and answers one call, filling c.
func (p *Platform) handle(r *http.Request, c *Call) (int, string, []byte) {
	var read bodyRead
	if c.Kind != KindRegistration {
		c.Raw = readRequestBody(r)
		read = readBody(p.version, c.Kind, c.Raw)
		c.Body = read.body
		if c.Kind == KindTrace {
			switch a, _ := c.Body["execution_action"].(string); a {
			case "complete":
				c.Kind = KindComplete
			case "data":
				c.Kind = KindData
			}
		}
	}
	if status, ctype, body, ok := p.security(r, c.Path); !ok {
		return status, ctype, body
	}
	wantMethod := http.MethodPost
	if c.Kind == KindInject || c.Kind == KindSettings || c.Kind == KindInjectorContracts || c.Kind == KindInjectorContract ||
		c.Kind == KindInjector {
		wantMethod = http.MethodGet
	}
	if c.Kind == KindUnknown {
		if allow := otherMethods(c.Path); allow != "" {
			return p.methodNotAllowed(r, c, allow)
		}
		// No controller maps it (HomeApi's SPA catch-all leaves /api
		// alone: rest/HomeApi.java:41-46): Spring's
		// NoResourceFoundException, which RestBehavior does not handle,
		// Boot's 404.
		return http.StatusNotFound, jsonType, p.bootError(http.StatusNotFound, "Not Found", r.URL.Path)
	}
	if r.Method != wantMethod {
		if c.Kind == KindRegistration {
			// GET /api/injectors, the injectors' list, is a route the
			// stand-in does not model.
			return fail(http.StatusMethodNotAllowed, "method not allowed")
		}
		return p.methodNotAllowed(r, c, wantMethod)
	}
	if p.tenantDenied(c) {
		return fail(http.StatusForbidden, "TENANT_ACCESS_DENIED")
	}
	if st := p.takeFailure(c.Kind, c.InjectID); st != 0 {
		if c.Kind == KindRegistration {
			p.readRegistration(r, c)
		}
		if st == http.StatusNotFound && c.InjectID != "" {
			// The only 404 2.4.0 answers on an inject's route is
			// RestBehavior's for ElementNotFoundException, the inject not
			// found (PermissionService.hasPermission for @AccessControl,
			// InjectService.inject): its message, as withInject gives it.
			return fail(st, p.notFoundMessage(c))
		}
		return fail(st, "scripted failure")
	}
	if c.Kind != KindRegistration && c.Kind != KindInject && c.Kind != KindSettings && c.Kind != KindInjectorContracts &&
		c.Kind != KindInjectorContract && c.Kind != KindInjector {
		if st, reason := readJSONBody(r, c, read); st != 0 {
			// Spring's own exceptions (HttpMessageNotReadableException,
			// HttpMediaTypeNotSupportedException), which RestBehavior
			// does not handle: Spring Boot's error JSON, no message.
			c.Reason = reason
			return st, jsonType, p.bootError(st, http.StatusText(st), r.URL.Path)
		}
	}
	switch c.Kind {
	case KindRegistration:
		return p.register(r, c)
	case KindReception:
		return p.reception(c)
	case KindTrace, KindComplete, KindData:
		return p.callback(c)
	case KindTargets:
		return p.targets(c)
	case KindInject:
		return p.getInject(c)
	case KindFindings:
		return p.findingsSearch(c)
	case KindSettings:
		return p.settings(c)
	case KindInjectorContracts:
		return p.injectorContracts(c)
	case KindInjectorContract:
		return p.injectorContract(c)
	case KindInjector:
		return p.injector(c)
	}
	return fail(http.StatusNotFound, "no route "+c.Path)
}

// withInject answers 404, as the platform does, for an inject it does
// not have, and what the version answers a token without the rights on
// it (deniedStatus) for a denied one; else f's answer, under the lock.
func (p *Platform) withInject(c *Call, f func(in *inject) (int, string, []byte)) (int, string, []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[c.InjectID]
	if in == nil {
		return fail(http.StatusNotFound, p.notFoundMessage(c))
	}
	if in.denied && !p.admin {
		if st := deniedStatus(p.raw, c.Kind); st != 0 {
			return fail(st, "Access denied")
		}
	}
	return f(in)
}

// notFoundMessage is RestBehavior's 404 message for an inject the
// platform does not have ("Element not found: " + the exception's message,
// rest/helper/RestBehavior.java:229-233): for a token that is not an
// admin's, @AccessControl's PermissionService looks the inject up first
// (PermissionService.java:98-99, 208-209), InjectService.inject's
// "Inject not found with id: X" (InjectService.java:254-258); an admin's
// reaches the handler, whose findById(…).orElseThrow(ElementNotFoundException::new)
// (InjectApi.java:138, 373) has no message: "null". So does every token's
// on 1.x, whose routes look nothing up before the handler (1.18.19's
// InjectApi.java:79-82, 309-316: GET checks no right, the reception only
// @Secured(ROLE_ADMIN)).
func (p *Platform) notFoundMessage(c *Call) string {
	if (p.admin || preRBAC(p.raw)) && (c.Kind == KindInject || c.Kind == KindReception) {
		return "Element not found: null"
	}
	return "Element not found: Inject not found with id: " + c.InjectID
}

// injectAnswer is the platform's answer naming an inject: its Inject
// entity (rule 8), of which the stand-in gives the inject id, its status,
// its contract and the injector type. Called under p.mu.
func (p *Platform) injectAnswer(id string, in *inject) (int, string, []byte) {
	traces := make([]map[string]any, len(in.traces))
	for i, t := range in.traces {
		// agent: the Agent serialized by its id (MonoIdSerializer), null
		// for an injector's callback.
		traces[i] = map[string]any{"execution_message": t.message, "execution_action": t.action,
			"execution_status": t.status, "execution_context_identifiers": []string{}, "agent": nullable(t.agent)}
	}
	var status any // null: an inject without a status (ResetInject)
	if in.status != "" {
		status = map[string]any{"status_name": in.status, "status_traces": traces,
			"tracking_sent_date": instant(in.sentAt), "tracking_end_date": instant(in.endAt)}
	}
	doc := map[string]any{"inject_id": id, "inject_status": status, "inject_injector_contract": nil, "inject_type": nil,
		"inject_injector": nullable(in.injector)}
	if in.contract != "" {
		contract := p.contractDocLocked(in.contract)
		doc["inject_type"] = contract["injector_contract_injector_type"]
		doc["inject_injector_contract"] = contract
	}
	if in.injector != "" { // Inject.getType: the injector it names first
		doc["inject_type"] = p.injectorTypeLocked(in.injector)
	}
	b, _ := json.Marshal(doc)
	return http.StatusOK, jsonType, b
}

func (p *Platform) getInject(c *Call) (int, string, []byte) {
	return p.withInject(c, func(in *inject) (int, string, []byte) {
		return p.injectAnswer(c.InjectID, in)
	})
}

func (p *Platform) reception(c *Call) (int, string, []byte) {
	if c.Body == nil {
		// JSON that is no object (null, a list): Jackson cannot bind
		// InjectReceptionInput, Spring's HttpMessageNotReadableException,
		// Boot's error JSON (as for a callback).
		c.Reason = "malformed reception: not a JSON object"
		return http.StatusBadRequest, jsonType, p.bootError(http.StatusBadRequest, "Bad Request", requestPath(c))
	}
	// tracking_total_count is an int (InjectReceptionInput.java:11-12)
	// that nothing requires: what binds (rule 16) is taken, absent or
	// null as 0.
	return p.withInject(c, func(in *inject) (int, string, []byte) {
		if in.status == "" {
			// inject.getStatus().orElseThrow(ElementNotFoundException::new)
			// (InjectApi.java:374): an inject without a status is a 404,
			// RestBehavior's message for an exception without one.
			return fail(http.StatusNotFound, "Element not found: null")
		}
		if finished(in.status) {
			in.reopenings++ // the platform sets PENDING unconditionally
		}
		in.status = "PENDING"
		status, typ, body := p.injectAnswer(c.InjectID, in)
		p.saveStaleLocked(in) // after the reception's commit
		return status, typ, body
	})
}

// finished reports whether an inject status is a final one.
func finished(status string) bool {
	switch status {
	case "", "DRAFT", "QUEUING", "EXECUTING", "PENDING":
		return false
	}
	return true
}

// nullable is s, or nil (JSON null) when it is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// instant is t as Jackson writes an Instant with the platform's settings
// (ISO-8601), or nil (JSON null) when it is zero.
func instant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}
