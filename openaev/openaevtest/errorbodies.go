package openaevtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The bodies of the platform's error answers (2.4.0 read) that are not
// RestBehavior's {"message": …} (fail): Spring Boot's error JSON, for
// what Spring itself refuses, and RestBehavior's ValidationErrorBag.

// bootError is Spring Boot's error JSON (DefaultErrorAttributes, no
// message by default), as its error controller writes it for a status
// set by sendError.
func (p *Platform) bootError(status int, reason, path string) []byte {
	b, _ := json.Marshal(struct {
		Timestamp string `json:"timestamp"`
		Status    int    `json:"status"`
		Error     string `json:"error"`
		Path      string `json:"path"`
	}{p.now().UTC().Format("2006-01-02T15:04:05.000-07:00"), status, reason, path})
	return b
}

// validationFailed is RestBehavior's answer to a @Valid input that fails
// its constraints (MethodArgumentNotValidException,
// rest/helper/RestBehavior.java:57-75): a ValidationErrorBag, code 400,
// message "Validation Failed", and each failing field, by its JSON name,
// with the constraint's message.
func validationFailed(bag []violation) []byte {
	children := map[string]any{}
	for _, v := range bag {
		children[v.field] = map[string][]string{"errors": {v.message}}
	}
	b, _ := json.Marshal(map[string]any{"code": http.StatusBadRequest, "message": "Validation Failed",
		"errors": map[string]any{"children": children}})
	return b
}

// requestPath is the path c was requested on, its tenant prefix included,
// as Spring Boot's error JSON names it.
func requestPath(c *Call) string {
	if c.Tenant == "" {
		return c.Path
	}
	return "/api/tenants/" + c.Tenant + strings.TrimPrefix(c.Path, "/api")
}
