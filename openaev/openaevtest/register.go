package openaevtest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
)

// Registration and asset-group paging.
//
// Rule 2's queue (see doc.go): the registration handler declares the
// injector's queue before it stores anything (InjectorService.java:202, RabbitmqService.registerQueue :282-287,
// createChannel :339-355): the direct exchange
// <prefix>_amqp.connector.exchange, durable; the queue
// <prefix>_injector_<injector_id>, durable, not exclusive, not
// auto-deleted, its x-queue-type openaev.rabbitmq.queue-type (classic
// by default), bound with <prefix>_push_routing_<injector_id>, where
// the platform publishes an inject of the injector's contracts
// (Executor.executeExternal, no message properties); the prefix is
// openaev.rabbitmq.prefix, "openaev" by default. WithQueueDeclarer
// models it on a real broker (a failure a 500, nothing stored); without
// it nothing is declared, and a test declares the queue it names with
// SetBroker. InjectorOf names the injector an inject is published to.

// isJSON reports a Content-Type the platform's Jackson converter reads
// (isJSONType).
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && isJSONType(mt)
}

// MaxFormPostSize is the most 2.4.0 takes of a multipart request's
// parts that are not files (no filename): Tomcat counts each as a form
// parameter, its name's bytes, '=', its content and a separator
// (Request.parseParts), against the connector's maxPostSize, which Spring
// Boot sets from server.tomcat.max-http-form-post-size, 2 MB by default;
// 2.4.0's application.properties sets only spring.servlet.multipart.*
// (5GB each, :181-182), which bound files. The registration's input part
// is one: an input of more than 2 MiB less 7 bytes is refused (see
// register).
const MaxFormPostSize = 2 << 20

// errFormTooLarge is readRegistration's reason for parts over
// MaxFormPostSize.
const errFormTooLarge = "the multi-part request contained parameter data (excluding uploaded files) that exceeded the limit " +
	"for maxPostSize set on the associated connector"

// errInputType is readRegistration's reason for an input part of a type
// Jackson's converter does not read: text/plain, or none (which Spring
// reads as application/octet-stream). RequestPartMethodArgumentResolver
// finds no converter for InjectorCreateInput and throws
// HttpMediaTypeNotSupportedException, which RestBehavior leaves to
// Spring: a 415, Spring Boot's error JSON.
const errInputType = "part input must be application/json"

// readRegistration reads the multipart parts into c; it returns a reason
// for a malformed request, errFormTooLarge for one whose parts that are
// not files exceed MaxFormPostSize, errInputType for an input part that
// is not typed JSON.
func (p *Platform) readRegistration(r *http.Request, c *Call) string {
	mr, err := r.MultipartReader()
	if err != nil {
		return "not multipart/form-data: " + err.Error()
	}
	sawInput, iconFile := false, false
	postSize := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "malformed multipart body: " + err.Error()
		}
		b, _ := io.ReadAll(io.LimitReader(part, 16<<20))
		file := isFilePart(part)
		if !file {
			if postSize += len(part.FormName()) + 1 + len(b) + 1; postSize > MaxFormPostSize {
				return errFormTooLarge
			}
		}
		switch part.FormName() {
		case "input":
			if !isJSON(part.Header.Get("Content-Type")) {
				return errInputType
			}
			sawInput = true
			c.Raw = b
			if reason := jacksonRefusal(b, true); reason != "" {
				return "JSON parse error: " + reason
			}
			_ = json.Unmarshal(b, &c.Body)
		case "icon":
			// Any type is taken; the platform stores the icon only when
			// the part is a file typed image/png, and skips any other
			// silently (icon.go).
			c.Icon, c.IconType = b, part.Header.Get("Content-Type")
			iconFile = file
		}
	}
	if !sawInput {
		return "no input part"
	}
	c.iconPart = iconFile && c.Icon != nil
	return ""
}

func (p *Platform) register(r *http.Request, c *Call) (int, string, []byte) {
	bad := func(reason string) (int, string, []byte) {
		c.Reason = reason
		return fail(http.StatusBadRequest, reason)
	}
	if reason := p.readRegistration(r, c); reason == errFormTooLarge {
		// Tomcat's IllegalStateException, which Spring's multipart
		// resolver (StandardMultipartHttpServletRequest.handleParseFailure:
		// "exceed" and "size" in its message) turns into a
		// MaxUploadSizeExceededException before any handler runs, answered
		// 413 (DefaultHandlerExceptionResolver) with Spring Boot's error
		// JSON: RestBehavior handles none of it.
		c.Reason = reason
		return http.StatusRequestEntityTooLarge, jsonType, p.bootError(http.StatusRequestEntityTooLarge, "Payload Too Large", r.URL.Path)
	} else if reason == errInputType {
		c.Reason = reason
		return http.StatusUnsupportedMediaType, jsonType, p.bootError(http.StatusUnsupportedMediaType, "Unsupported Media Type", r.URL.Path)
	} else if reason != "" {
		return bad(reason)
	}
	in := numbersAsWritten(c.Raw)
	if c.Body == nil || in == nil {
		return bad("input is not a JSON object")
	}
	names := map[string]string{}
	for _, k := range []string{"injector_id", "injector_name", "injector_type"} {
		// A String field (bindString: 123 and 1.50 their text as
		// written), then @NotBlank, checked by Hibernate Validator: Java's
		// trim() strips every char up to U+0020, not U+00A0.
		s, refusal := bindString(in[k])
		if refusal != "" {
			return bad(k + ": " + refusal)
		}
		if blank(s) {
			return bad(k + " must not be blank")
		}
		names[k] = s
	}
	payloads, nullFlag, refusal := bindCreateInput(in)
	if refusal != "" {
		return bad(refusal)
	}
	raw := in["injector_contracts"]
	contracts, ok := raw.([]any)
	if raw != nil && !ok {
		return bad("injector_contracts must be a list")
	}
	// Jackson binds the whole input before the handler runs: a value it
	// refuses anywhere is a 400, whatever the handler would fail on.
	bound := make([]*boundContract, len(contracts))
	for i, ct := range contracts {
		if ct == nil {
			continue // bound as null: the handler fails on it
		}
		m, ok := ct.(map[string]any)
		if !ok {
			return bad("a contract must be an object")
		}
		bc, err := bindContract(p.version, m)
		if err != nil {
			return bad(err.Error())
		}
		bound[i] = &bc
	}
	if p.registrationDenied() {
		// @AccessControl(CREATE, INJECTOR) on registerInjector
		// (rest/injector/InjectorApi.java:161): its aspect, around the
		// handler and so after the input is bound and validated, throws
		// ResponseStatusException(FORBIDDEN) (aop/AccessControlAspect.java
		// :120-129), which RestBehavior leaves to Spring Boot's error JSON.
		c.Reason = "the token's user lacks CREATE on INJECTOR"
		return http.StatusForbidden, jsonType, p.bootError(http.StatusForbidden, "Forbidden", r.URL.Path)
	}
	if reason := iconObjectRefusal(c.iconPart, c.IconType, names["injector_type"]); reason != "" {
		c.Reason = reason
		return fail(http.StatusInternalServerError, c.Reason)
	}
	// Uploaded first of all, outside the registration's transaction: kept
	// whatever the handler fails on next.
	c.IconStored = c.iconPart && c.IconType == iconType
	// The handler declares the injector's queue first
	// (InjectorService.java:202, RabbitmqService.registerQueue), then
	// stores the injector and its contracts.
	queue, err := p.declareQueue(names["injector_id"])
	if err != nil {
		c.Reason = "declare the injector's queue: " + err.Error()
		return fail(http.StatusInternalServerError, c.Reason)
	}
	if nullFlag != "" {
		// The handler unboxes InjectorCreateInput's Boolean into the
		// Injector entity's boolean setter, on a new injector
		// (InjectorService.java:224, 227) and on an update (:263, 267)
		// alike, before any contract: a NullPointerException it wraps
		// in a RuntimeException (:244-245), which nothing handles.
		c.Reason = nullFlag + " null: NullPointerException (Injector's boolean setter)"
		return fail(http.StatusInternalServerError, c.Reason)
	}
	if raw == nil {
		// Nothing requires the list: InjectorService.registerExternalInjector
		// streams it (:231), a NullPointerException it wraps in a
		// RuntimeException (:244-245), which nothing handles.
		c.Reason = "injector_contracts missing or null: NullPointerException (InjectorService.registerExternalInjector)"
		return fail(http.StatusInternalServerError, c.Reason)
	}
	p.mu.Lock()
	domains := maps.Clone(p.domains) // the registration's transaction: kept only if it succeeds
	p.mu.Unlock()
	outputs := map[string]registered{}
	expectations := map[string]ContractExpectations{}
	byID := map[string]boundContract{}
	for _, bc := range bound {
		if bc == nil {
			c.Reason = "a null contract: NullPointerException (InjectorContractService.convertInjectorFromInput)"
			return fail(http.StatusInternalServerError, c.Reason)
		}
		reg, err := saveContract(p.version, *bc, payloads, domains)
		if err != nil {
			c.Reason = err.Error()
			return fail(http.StatusInternalServerError, c.Reason)
		}
		reg.content = bc.content
		outputs[bc.id] = reg
		byID[bc.id] = *bc
		// Stored as they are, whatever they hold (rule 13).
		expectations[bc.id] = contractExpectations(bc.content)
	}
	reason := injectorColumnRefusal(names)
	for _, bc := range bound {
		if reason == "" {
			reason = bc.labelsNUL
		}
	}
	if reason != "" {
		// The injectors table's varchar(255), or U+0000 in its columns
		// or a contract's labels (columns.go, nul.go).
		c.Reason = reason
		p.mu.Lock()
		_, known := p.registeredInjectors[names["injector_id"]]
		p.mu.Unlock()
		if known {
			return http.StatusConflict, jsonType, violationBag(reason)
		}
		return http.StatusInternalServerError, jsonType, p.bootError(http.StatusInternalServerError, "Internal Server Error", r.URL.Path)
	}
	owner := contractInjector{ID: names["injector_id"], Name: names["injector_name"], Type: names["injector_type"]}
	p.mu.Lock()
	maps.Copy(p.domains, domains)
	_, known := p.registeredInjectors[owner.ID]
	if known {
		// An update of the injector: the contracts it leaves out are
		// deleted, with their injects (injectorcontracts.go).
		c.DeletedContracts, c.DeletedInjects = p.dropLeftOutLocked(owner.ID, outputs)
	}
	p.registeredInjectors[owner.ID] = owner
	p.renameLocked(owner)
	for id, outs := range outputs {
		// What it stores: an update of the contract when the injector
		// holds it, else a new one (stored.go).
		outs.stored = p.storedLocked(byID[id], payloads, known && p.linked[id][owner.ID], p.contracts[id].stored)
		// A contract another injector holds: its content replaced, the
		// injector linked after those linked before (sharedcontract.go).
		p.contracts[id] = outs
		p.expectations[id] = expectations[id]
		p.linkLocked(id, owner)
	}
	if !known {
		// A new injector: its type's placeholder goes (placeholder.go).
		p.dropPlaceholderLocked(owner.Type)
	}
	b := p.broker
	p.mu.Unlock()
	if queue != "" {
		b.Queue = queue
	} else if b.Queue == "" {
		b.Queue = "openaev_injector_" + owner.ID
	}
	reply, _ := json.Marshal(map[string]any{
		"connection": map[string]any{"host": b.Host, "vhost": b.VHost, "use_ssl": b.UseSSL, "port": b.Port,
			"user": b.User, "pass": b.Pass},
		"listen": b.Queue,
	})
	return http.StatusOK, jsonType, reply
}

// numbersAsWritten decodes b's first JSON value, an object, its numbers
// json.Number holding their text as written (what Jackson's parser gives
// a String field), or returns nil.
func numbersAsWritten(b []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}
